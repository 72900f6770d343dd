import type { Alert } from '@kaudit/core';
import { alertFields } from './alert-fields.js';
import { escapeSlackText, inlineCode } from './escape-slack-text.js';
import { severityLabel, severityMarker } from './severity-marker.js';
import { SLACK_LIMITS } from './slack-limits.js';
import type { SlackBlock, SlackMessage, SlackText } from './slack-message.js';

const MESSAGE_MAX = 2900;
const TEXT_MAX = 3000;
const MINIMAL_MAX = 500;

/** The header block: severity marker, severity and title within Slack's 150 characters. */
export function headerBlock(alert: Pick<Alert, 'severity'>, title: string): SlackBlock {
  const prefix = `${severityMarker(alert.severity)} ${String(alert.severity).toUpperCase().slice(0, 10)} · `;
  return {
    type: 'header',
    text: {
      type: 'plain_text',
      text: prefix + escapeSlackText(title, SLACK_LIMITS.headerText - prefix.length),
      emoji: true,
    },
  };
}

/** The context line: rule, auditID, count and rolled-up count. */
export function contextBlock(alert: Alert): SlackBlock {
  const auditID = alert.events[0]?.auditID;
  const elements: SlackText[] = [
    { type: 'mrkdwn', text: `rule ${inlineCode(alert.rule, 200)}` },
    { type: 'mrkdwn', text: `auditID ${inlineCode(auditID, 80)}` },
    { type: 'mrkdwn', text: `count *${alert.count}*` },
    { type: 'mrkdwn', text: `rolled up *${alert.suppressed}*` },
  ];
  return { type: 'context', elements };
}

/** The plain `text` of an alert: notifications and clients that cannot show blocks. */
export function alertFallback(alert: Alert, max = TEXT_MAX): string {
  const text = alert.message ? `${alert.title} — ${alert.message}` : alert.title;
  return `${severityLabel(alert.severity)} ${escapeSlackText(text, max - 12)}`;
}

/**
 * A new alert as a Block Kit message: header, the rule's message, who/what/result/where/when fields and
 * a context line. Every value is escaped and capped; the message stays within all of Slack's limits
 * whatever the events hold. `minimal` gives the smallest valid message (text only), for after Slack
 * refused the full one.
 *
 * @example
 * const { text, blocks } = alertMessage(alert);
 * await client.chat.postMessage({ channel, text, blocks });
 */
export function alertMessage(alert: Alert, options: { minimal?: boolean } = {}): SlackMessage {
  if (options.minimal) {
    return { text: `${alertFallback(alert, MINIMAL_MAX)} (${escapeSlackText(alert.rule, 100)}, count ${alert.count})` };
  }
  const blocks: SlackBlock[] = [headerBlock(alert, alert.title)];
  const message = escapeSlackText(alert.message, MESSAGE_MAX);
  // Slack refuses a section whose text is only whitespace (control characters become spaces).
  if (message.trim()) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: message } });
  blocks.push({ type: 'section', fields: alertFields(alert) }, contextBlock(alert));
  return { text: alertFallback(alert), blocks };
}
