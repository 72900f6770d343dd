import type { SendResult } from '@kaudit/core';
import { IncomingWebhookHTTPError, IncomingWebhookRequestError } from '@slack/webhook';
import { httpStatusClass, knownSlackErrorClass, slackFailure } from '../slack/slack-error-class.js';

const CODE = /^[a-z0-9_]{1,64}$/;

/**
 * Turns whatever an @slack/webhook send threw into a SendResult. Slack answers webhooks with an HTTP
 * status and its error code as the body (`404 channel_not_found`, `410 channel_is_archived`,
 * `400 invalid_blocks`); `after` comes from the `Retry-After` the sink captured, since the client's
 * error does not carry headers. Never includes the webhook URL: it is the secret.
 */
export function webhookFailure(error: unknown, retryAfter: number | undefined, signal?: AbortSignal): SendResult {
  if (error instanceof IncomingWebhookHTTPError) {
    const body = String(error.body ?? '').trim();
    const status = error.statusCode;
    const code = CODE.test(body) ? body : `http_${status}`;
    const kind = status === 429 || status >= 500 ? 'retry' : (knownSlackErrorClass(code) ?? httpStatusClass(status));
    return slackFailure('slack-webhook', status === 429 ? 'rate_limited' : code, {
      class: kind,
      ...(kind === 'retry' && retryAfter !== undefined ? { after: retryAfter } : {}),
    });
  }
  if (signal?.aborted) return slackFailure('slack-webhook', 'aborted');
  if (error instanceof IncomingWebhookRequestError) {
    const name = error.original.name;
    const code = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'request_error';
    const cause = (error.original.cause as { code?: unknown } | undefined)?.code;
    return slackFailure('slack-webhook', code, typeof cause === 'string' ? { detail: cause } : {});
  }
  return slackFailure('slack-webhook', 'unexpected_response', { class: 'retry' });
}
