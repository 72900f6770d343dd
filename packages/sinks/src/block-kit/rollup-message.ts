import type { Alert } from '@kaudit/core';
import { contextBlock } from './alert-message.js';
import { escapeSlackText, inlineCode } from './escape-slack-text.js';
import { severityLabel } from './severity-marker.js';
import type { SlackBlock, SlackMessage } from './slack-message.js';

/** `alice get secrets` for the latest sampled event: who did what, briefly. */
function latest(alert: Alert): string | undefined {
  const event = alert.events.at(-1);
  if (!event) return undefined;
  const resource = event.objectRef?.resource
    ? `${event.objectRef.resource}${event.objectRef.subresource ? `/${event.objectRef.subresource}` : ''}`
    : undefined;
  const object = event.objectRef?.name
    ? `${event.objectRef.namespace ? `${event.objectRef.namespace}/` : ''}${event.objectRef.name}`
    : undefined;
  const parts = [inlineCode(event.user, 120), inlineCode(event.verb, 40), inlineCode(resource, 120)];
  if (object) parts.push(`on ${inlineCode(object, 200)}`);
  if (event.sourceIP) parts.push(`from ${inlineCode(event.sourceIP, 60)}`);
  return `Latest: ${parts.join(' ')}`;
}

/**
 * A roll-up: later occurrences of an alert, suppressed into it. Short, because it goes as a thread reply
 * under the alert (Web API) or, for webhooks, as a "still happening" line in the channel.
 *
 * @example
 * rollupMessage(alert).text; // '[HIGH] Burst of secret reads — still happening: 12 events (+7 rolled up), last 2026-…'
 */
export function rollupMessage(alert: Alert, options: { minimal?: boolean } = {}): SlackMessage {
  const counts = `${alert.count} events (+${alert.suppressed} rolled up), last ${escapeSlackText(alert.lastSeen, 40)}`;
  const text = `${severityLabel(alert.severity)} ${escapeSlackText(alert.title, 200)} — still happening: ${counts}`;
  if (options.minimal) return { text };
  const lines = [`:repeat: *Still happening* — ${escapeSlackText(alert.title, 200)}`, counts];
  const event = latest(alert);
  if (event) lines.push(event);
  const blocks: SlackBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
    contextBlock(alert),
  ];
  return { text, blocks };
}
