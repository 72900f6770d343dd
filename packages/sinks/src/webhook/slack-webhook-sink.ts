import { KauditError, type AlertNotice, type SendContext, type SendResult, type Sink } from '@kaudit/core';
import { IncomingWebhook } from '@slack/webhook';
import { formatSlackMessage } from '../block-kit/format-slack-message.js';
import { linkedFetch } from '../slack/linked-fetch.js';
import { retryAfterMs, slackFailure } from '../slack/slack-error-class.js';
import { webhookFailure } from './webhook-failure.js';

/** Options of {@link slackWebhookSink}. */
export interface SlackWebhookSinkOptions {
  /** Sink id used in routes and metrics. Default `slack-webhook`. */
  id?: string;
  /** The incoming-webhook URL. It is a secret: never logged, never put in a reason or a destination. */
  url: string;
  /**
   * The channel the hook posts to, as a name for its queue and metrics (the URL cannot be shown).
   * Default: the sink id.
   */
  channel?: string;
  /** Milliseconds one post may take before it counts as failed (retry). Default 10,000. */
  timeout?: number;
  /**
   * What to do with roll-ups, which a webhook can neither thread nor update: `doubling` (default) posts
   * a short "still happening" message each time the alert's count has at least doubled since the last
   * message (so a flood of N repeats costs about log2(N) messages), `all` posts one per roll-up,
   * `none` posts none. A roll-up of an alert whose own message never went out is posted as the alert.
   */
  rollups?: 'doubling' | 'all' | 'none';
}

/**
 * Sends alerts to Slack through an incoming webhook, with the same Block Kit messages as
 * {@link slackSink}. Webhooks cannot thread or update, so roll-ups are short "still happening"
 * messages, rationed by `rollups`; the count last posted is kept as the alert's `ref`, so the sink
 * holds no state of its own. Outcomes are classified like the Web API sink's: 429 (with `Retry-After`)
 * and 5xx retry, 403/404/410 (`action_prohibited`, `channel_not_found`, `channel_is_archived`,
 * `no_service`, `invalid_token`, `no_active_hooks`) are configuration, 400 (`invalid_payload`,
 * `invalid_blocks`, `no_text`) payload.
 *
 * @example
 * const sink = slackWebhookSink({ url: process.env.SLACK_WEBHOOK_URL!, channel: '#alerts' });
 * createPipeline({ rules, sinks: [sink] });
 */
export function slackWebhookSink(options: SlackWebhookSinkOptions): Sink {
  if (!options.url) throw new KauditError('sinks', 'invalid_options', '[slack-webhook] a webhook url is required');
  const { url } = options;
  const id = options.id ?? 'slack-webhook';
  const destination = options.channel ?? id;
  const timeout = options.timeout ?? 10_000;
  const rollups = options.rollups ?? 'doubling';

  return {
    id,
    type: 'slack-webhook',
    destination: () => destination,
    async send(notice: AlertNotice, context: SendContext): Promise<SendResult> {
      if (context.signal.aborted) return slackFailure('slack-webhook', 'aborted');
      // The count last posted for this alert; 0 when nothing was (an unreadable ref counts as nothing).
      const lastPosted = Number(context.ref) || 0;
      if (notice.type === 'rollup' && lastPosted > 0) {
        if (rollups === 'none' || (rollups === 'doubling' && notice.alert.count < 2 * lastPosted)) {
          return { status: 'delivered', ref: String(lastPosted) };
        }
      }
      // The client's errors carry no headers: keep Retry-After from the response as it passes by.
      let retryAfter: number | undefined;
      const linked = linkedFetch(context.signal, (response) => {
        retryAfter = retryAfterMs(response.headers.get('retry-after'));
      });
      const hook = new IncomingWebhook(url, { fetch: linked.fetch, timeout, retryConfig: { retries: 0 } });
      // A roll-up with no message posted for its alert yet stands in for the alert.
      const message = formatSlackMessage(
        notice.type === 'rollup' && lastPosted === 0 ? { type: 'alert', alert: notice.alert } : notice,
        context,
      );
      try {
        await hook.send({
          text: message.text,
          ...(message.blocks ? { blocks: message.blocks } : {}),
          link_names: false,
          unfurl_links: false,
          unfurl_media: false,
        });
      } catch (error) {
        return webhookFailure(error, retryAfter, context.signal);
      } finally {
        linked.release();
      }
      return notice.type === 'digest'
        ? { status: 'delivered' }
        : { status: 'delivered', ref: String(notice.alert.count) };
    },
  };
}
