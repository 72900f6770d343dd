import type { Alert } from '@kaudit/core';
import { formatKey } from './alert-fields.js';
import { headerBlock } from './alert-message.js';
import { escapeSlackText, inlineCode } from './escape-slack-text.js';
import { severityLabel } from './severity-marker.js';
import type { SlackBlock, SlackMessage } from './slack-message.js';

/** Keys listed in a digest before `…and N more`. */
const KEYS_MAX = 20;
const LIST_MAX = 2900;

/**
 * A digest: alerts of one rule merged by the delivery layer when a destination's queue backs up.
 * "N alerts of <rule>" with a bounded list of their keys and counts.
 *
 * @example
 * digestMessage([a, b, c]).text; // '[HIGH] 3 alerts of secret-read-burst: Burst of secret reads'
 */
export function digestMessage(alerts: readonly Alert[], options: { minimal?: boolean } = {}): SlackMessage {
  const first = alerts[0];
  if (!first) throw new RangeError('[sinks] [slack] a digest needs at least one alert');
  const rule = escapeSlackText(first.rule, 100);
  const counted = `${alerts.length} alert${alerts.length === 1 ? '' : 's'} of`;
  const text = `${severityLabel(first.severity)} ${counted} ${rule}: ${escapeSlackText(first.title, 200)}`;
  if (options.minimal) return { text };

  let list = '';
  let shown = 0;
  for (const alert of alerts.slice(0, KEYS_MAX)) {
    const line = `• ${formatKey(alert.key, 200)} ×${alert.count}\n`;
    if (list.length + line.length > LIST_MAX - 40) break;
    list += line;
    shown++;
  }
  if (shown < alerts.length) list += `…and ${alerts.length - shown} more`;
  const events = alerts.reduce((sum, alert) => sum + alert.count, 0);
  const firstSeen = alerts.reduce((min, a) => (a.firstSeen < min ? a.firstSeen : min), first.firstSeen);
  const lastSeen = alerts.reduce((max, a) => (a.lastSeen > max ? a.lastSeen : max), first.lastSeen);

  const blocks: SlackBlock[] = [
    headerBlock(first, `${counted} ${first.rule}`),
    { type: 'section', text: { type: 'mrkdwn', text: `*${escapeSlackText(first.title, 200)}*\n${list.trimEnd()}` } },
    {
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `rule ${inlineCode(first.rule, 200)}` },
        { type: 'mrkdwn', text: `events *${events}*` },
        // Slack refuses an empty text element, so a missing time still shows something.
        { type: 'mrkdwn', text: seenText(firstSeen, lastSeen) },
      ],
    },
  ];
  return { text, blocks };
}

function seenText(firstSeen: string, lastSeen: string): string {
  const first = escapeSlackText(firstSeen, 40) || '—';
  const last = escapeSlackText(lastSeen, 40) || '—';
  return first === last ? first : `${first} → ${last}`;
}
