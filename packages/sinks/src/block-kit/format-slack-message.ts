import type { AlertNotice } from '@kaudit/core';
import { alertMessage } from './alert-message.js';
import { digestMessage } from './digest-message.js';
import { rollupMessage } from './rollup-message.js';
import type { SlackMessage } from './slack-message.js';

/** Options of {@link formatSlackMessage}. */
export interface FormatSlackOptions {
  /** The smallest valid message (text only), used after Slack refused the full one as a payload. */
  minimal?: boolean;
}

/**
 * Renders a notice for Slack, purely: an `alert` as the full alert message, a `rollup` as a short
 * "still happening" message, a `digest` as "N alerts of <rule>". All event text is escaped (`&`, `<`,
 * `>`), so no event can mention `@channel` or a user or forge a link, and capped within Slack's limits.
 *
 * @example
 * const { text, blocks } = formatSlackMessage({ type: 'alert', alert });
 */
export function formatSlackMessage(notice: AlertNotice, options: FormatSlackOptions = {}): SlackMessage {
  switch (notice.type) {
    case 'digest':
      return digestMessage(notice.digest && notice.digest.length > 0 ? notice.digest : [notice.alert], options);
    case 'rollup':
      return rollupMessage(notice.alert, options);
    default:
      return alertMessage(notice.alert, options);
  }
}
