import type { SendResult } from '@kaudit/core';

/** What an error from Slack means for delivery: try later, fix the configuration, or this message is refused. */
export type SlackErrorClass = 'retry' | 'config' | 'payload';

/** Transient: Slack or the path to it is unwell, or asks us to slow down. */
const RETRY = new Set([
  'internal_error',
  'service_unavailable',
  'fatal_error',
  'ratelimited',
  'rate_limited',
  'request_timeout',
  'rollup_error',
  'team_added_to_org',
  'timeout',
  'request_error',
  'aborted',
]);

/** Permanent for the sink: the token, app or channel must be fixed; no message can get through. */
const CONFIG = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'missing_scope',
  'no_permission',
  'not_allowed_token_type',
  'access_denied',
  'ekm_access_denied',
  'org_login_required',
  'team_access_not_granted',
  'two_factor_setup_required',
  'enterprise_is_restricted',
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_thread_only_channel',
  'restricted_action_non_threadable_channel',
  'posting_to_general_channel_denied',
  'method_deprecated',
  'deprecated_endpoint',
  'unknown_method',
  // Incoming webhooks.
  'invalid_token',
  'action_prohibited',
  'channel_is_archived',
  'no_service',
  'no_service_id',
  'no_team',
  'team_disabled',
  'no_active_hooks',
  'user_not_found',
]);

/**
 * Classifies one of Slack's error codes (`ok:false` errors and incoming-webhook error bodies). Codes not
 * known as transient or configuration count as `payload`: this message is refused, so the delivery layer
 * tries the minimal rendering once and dead-letters it, instead of retrying forever or disabling the sink.
 *
 * @example
 * slackErrorClass('channel_not_found'); // 'config'
 * slackErrorClass('msg_too_long');      // 'payload'
 */
export function slackErrorClass(code: string): SlackErrorClass {
  return knownSlackErrorClass(code) ?? 'payload';
}

/** The class of a code known as transient or configuration; `undefined` for any other code. */
export function knownSlackErrorClass(code: string): SlackErrorClass | undefined {
  if (RETRY.has(code)) return 'retry';
  if (CONFIG.has(code)) return 'config';
  return undefined;
}

/** Which HTTP statuses say what, when Slack (or a proxy in front of it) answers without an error code. */
export function httpStatusClass(status: number): SlackErrorClass {
  if (status === 429 || status === 408 || status >= 500) return 'retry';
  if (status === 401 || status === 403 || status === 404 || status === 410) return 'config';
  return 'payload';
}

/** Details of a refused call. */
export interface SlackFailureDetail {
  /** ms to wait, from `Retry-After`. */
  after?: number;
  /** Slack's own explanation (response_metadata.messages), without secrets. */
  detail?: string;
  /** Overrides the class derived from `code` (e.g. from the HTTP status). */
  class?: SlackErrorClass;
}

/**
 * The SendResult for a Slack error code. The reason names the component and the code
 * (`[sinks] [slack] channel_not_found`) and never holds a token or webhook URL.
 *
 * @example
 * slackFailure('slack', 'ratelimited', { after: 30_000 }); // { status: 'retry', reason: '[sinks] [slack] ratelimited', code: 'ratelimited', after: 30000 }
 */
export function slackFailure(
  component: 'slack' | 'slack-webhook',
  code: string,
  details: SlackFailureDetail = {},
): SendResult {
  const reason = `[sinks] [${component}] ${code}${details.detail ? `: ${details.detail.slice(0, 300)}` : ''}`;
  const kind = details.class ?? slackErrorClass(code);
  if (kind === 'retry')
    return { status: 'retry', reason, code, ...(details.after !== undefined ? { after: details.after } : {}) };
  return { status: 'rejected', reason, code, kind };
}

/** `Retry-After` (seconds or an HTTP date) in ms; `undefined` when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
