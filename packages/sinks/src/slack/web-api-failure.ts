import type { SendResult } from '@kaudit/core';
import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';
import { httpStatusClass, retryAfterMs, slackFailure } from './slack-error-class.js';

/** Slack's explanation of a refused call (e.g. which block is invalid), joined and short. */
function platformDetail(error: WebAPIPlatformError): string | undefined {
  const messages = error.data.response_metadata?.messages;
  return Array.isArray(messages) && messages.length > 0 ? messages.join('; ') : undefined;
}

/**
 * Turns whatever a @slack/web-api call threw into a SendResult. The client runs with retries off and
 * `rejectRateLimitedCalls`, so every error arrives here on the first attempt.
 */
export function webApiFailure(error: unknown, signal?: AbortSignal): SendResult {
  if (error instanceof WebAPIRateLimitedError) {
    return slackFailure('slack', 'ratelimited', { after: error.retryAfter * 1000 });
  }
  if (error instanceof WebAPIPlatformError) {
    const detail = platformDetail(error);
    return slackFailure('slack', String(error.data.error), detail ? { detail } : {});
  }
  if (error instanceof WebAPIHTTPError) {
    const after = retryAfterMs(error.headers['retry-after']);
    return slackFailure('slack', `http_${error.statusCode}`, {
      class: httpStatusClass(error.statusCode),
      ...(after !== undefined ? { after } : {}),
    });
  }
  if (error instanceof WebAPIRequestError) {
    if (signal?.aborted) return slackFailure('slack', 'aborted');
    const name = error.original.name;
    const code = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'request_error';
    const cause = (error.original.cause as { code?: unknown } | undefined)?.code;
    return slackFailure('slack', code, typeof cause === 'string' ? { detail: cause } : {});
  }
  // The client's 429 without a usable Retry-After, or an unreadable answer: transient as far as we know.
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes('rate limit') || message.includes('Retry header')) return slackFailure('slack', 'ratelimited');
  return slackFailure('slack', 'unexpected_response', { class: 'retry' });
}
