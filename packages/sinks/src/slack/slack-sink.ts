import { KauditError, type AlertNotice, type SendContext, type SendResult, type Sink } from '@kaudit/core';
import { WebClient, type FetchFunction } from '@slack/web-api';
import { alertMessage } from '../block-kit/alert-message.js';
import { formatSlackMessage } from '../block-kit/format-slack-message.js';
import { rollupMessage } from '../block-kit/rollup-message.js';
import type { SlackMessage } from '../block-kit/slack-message.js';
import { linkedFetch } from './linked-fetch.js';
import { formatMessageRef, parseMessageRef, type SlackMessageAddress } from './message-ref.js';
import { quietLogger } from './quiet-logger.js';
import { slackFailure } from './slack-error-class.js';
import { webApiFailure } from './web-api-failure.js';

/** Options of {@link slackSink}. */
export interface SlackSinkOptions {
  /** Sink id used in routes and metrics. Default `slack`. */
  id?: string;
  /** Bot token (`xoxb-…`) with `chat:write`. Never logged nor put in a reason. */
  token: string;
  /**
   * The channel to post in, by ID (`C0123…`) or name (`#sec-feed` or `sec-feed`); the bot must be a member.
   * Both work: Slack resolves a name when posting, and the sink keeps the ID it answers with for the
   * in-place updates, which Slack accepts only by ID.
   */
  channel: string;
  /** Web API base URL, for proxies and tests. Default: `SLACK_API_URL`, else `https://slack.com/api/`. */
  apiUrl?: string;
  /** Milliseconds one call may take before it counts as failed (retry). Default 10,000. */
  timeout?: number;
}

/** Slack's answers that mean the alert's message is gone: post a new one instead of updating it. */
const PARENT_GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

/** A posted message: where Slack says it went. */
type Posted = Partial<SlackMessageAddress>;

/** Where a call goes when not to the configured channel's top level. */
interface Target {
  channel?: string;
  threadTs?: string;
}

/**
 * Sends alerts to a Slack channel through the Web API (`chat.postMessage`), one message per new alert.
 * Roll-ups of suppressed occurrences update that message's count in place (`chat.update`) and go as a
 * reply in its thread, so a flood of repeats is one message with a thread. The alert's `ref` is
 * `<channel ID>/<ts>` of its message, the ID taken from Slack's answer since `chat.update` refuses channel
 * names (`channel_not_found`). A digest, standing for many alerts, returns no ref: their later roll-ups
 * start their own messages. The SDK's own retries and rate-limit queueing are off: every outcome is classified
 * into a SendResult (`retry` with `after` from `Retry-After`, `rejected` `config` or `payload`) and the
 * delivery layer decides.
 *
 * @example
 * const sink = slackSink({ token: process.env.SLACK_TOKEN!, channel: '#sec-feed' }); // or its ID, 'C0123456789'
 * createPipeline({ rules, sinks: [sink] });
 */
export function slackSink(options: SlackSinkOptions): Sink {
  if (!options.token) throw new KauditError('sinks', 'invalid_options', '[slack] a token is required');
  if (!options.channel) throw new KauditError('sinks', 'invalid_options', '[slack] a channel is required');
  const { token, channel } = options;
  const apiUrl = options.apiUrl ?? process.env.SLACK_API_URL ?? 'https://slack.com/api/';
  const timeout = options.timeout ?? 10_000;
  const logger = quietLogger();

  // A client per send, so the delivery layer's abort signal reaches the request; building one is cheap.
  const client = (fetch: FetchFunction): WebClient =>
    new WebClient(token, {
      slackApiUrl: apiUrl,
      timeout,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logger,
      fetch,
    });

  const post = async (web: WebClient, message: SlackMessage, target: Target = {}): Promise<Posted> => {
    const result = await web.chat.postMessage({
      channel: target.channel ?? channel,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
      ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
      // Event text must never notify or fetch: no name linking, no unfurling of URLs it holds.
      link_names: false,
      unfurl_links: false,
      unfurl_media: false,
    });
    return {
      ...(result.ts ? { ts: result.ts } : {}),
      ...(typeof result.channel === 'string' && result.channel ? { channel: result.channel } : {}),
    };
  };

  const delivered = ({ ts, channel: id }: Posted): SendResult =>
    ts
      ? { status: 'delivered', ref: formatMessageRef({ ts, ...(id ? { channel: id } : {}) }) }
      : { status: 'delivered' };

  const rollup = async (web: WebClient, notice: AlertNotice, context: SendContext): Promise<SendResult> => {
    const ref = context.ref;
    // The alert never reached Slack (or its ref was lost): this roll-up becomes the alert's message.
    if (!ref) return delivered(await post(web, alertMessage(notice.alert, context)));
    const parent = parseMessageRef(ref);
    // A bare-ts ref knows only the configured channel, which chat.update refuses when it is a name.
    const parentChannel = parent.channel ?? channel;
    if (!context.minimal) {
      // Update first: it is idempotent, so a retry after a failed reply repeats nothing visible.
      try {
        const full = alertMessage(notice.alert);
        await web.chat.update({ channel: parentChannel, ts: parent.ts, text: full.text, blocks: full.blocks ?? [] });
      } catch (error) {
        const result = webApiFailure(error, context.signal);
        const code = result.status === 'rejected' ? result.code : undefined;
        // Without the channel ID the message cannot be updated: a new one gives the ID. Should the channel
        // really be gone, that post answers channel_not_found too, and the sink is misconfigured after all.
        const unreachable = code === 'channel_not_found' && parent.channel === undefined;
        if (code !== undefined && (PARENT_GONE.has(code) || unreachable)) {
          return delivered(await post(web, alertMessage(notice.alert)));
        }
        return result;
      }
    }
    await post(web, rollupMessage(notice.alert, context), { channel: parentChannel, threadTs: parent.ts });
    return { status: 'delivered', ref };
  };

  return {
    id: options.id ?? 'slack',
    type: 'slack',
    destination: () => channel,
    async send(notice: AlertNotice, context: SendContext): Promise<SendResult> {
      if (context.signal.aborted) return slackFailure('slack', 'aborted');
      const linked = linkedFetch(context.signal);
      const web = client(linked.fetch);
      try {
        if (notice.type === 'rollup') return await rollup(web, notice, context);
        const posted = await post(web, formatSlackMessage(notice, context));
        // A digest's message stands for many alerts: never update it into one of them, nor thread under it.
        return notice.type === 'digest' ? { status: 'delivered' } : delivered(posted);
      } catch (error) {
        return webApiFailure(error, context.signal);
      } finally {
        linked.release();
      }
    },
  };
}
