import type { Alert, EventSummary } from '@kaudit/core';
import { escapeSlackText, inlineCode } from './escape-slack-text.js';
import type { SlackText } from './slack-message.js';

/** Characters of one field: six fit well within Slack's 2,000 per field and 10,000 per message. */
const FIELD_MAX = 600;
/** Distinct values listed per fact before `+N more`. */
const DISTINCT_MAX = 3;
const VALUE_MAX = 160;

/** Distinct values of one fact over the sample, in order, as inline code; `—` when none. */
function distinct(events: readonly EventSummary[], pick: (e: EventSummary) => unknown, max = VALUE_MAX): string {
  const seen = new Set<string>();
  for (const event of events) {
    const value = pick(event);
    if (value !== undefined && value !== null && value !== '') seen.add(String(value));
  }
  if (seen.size === 0) return '—';
  const shown = [...seen].slice(0, DISTINCT_MAX).map((v) => inlineCode(v, max));
  return seen.size > DISTINCT_MAX ? `${shown.join(', ')} +${seen.size - DISTINCT_MAX} more` : shown.join(', ');
}

const resource = (e: EventSummary): string | undefined => {
  const ref = e.objectRef;
  if (!ref?.resource) return undefined;
  const group = ref.apiGroup ? `.${ref.apiGroup}` : '';
  return ref.subresource ? `${ref.resource}${group}/${ref.subresource}` : `${ref.resource}${group}`;
};

const object = (e: EventSummary): string | undefined => {
  const ref = e.objectRef;
  if (!ref?.name && !ref?.namespace) return undefined;
  return ref.namespace ? `${ref.namespace}/${ref.name ?? '*'}` : ref.name;
};

/** Caps an assembled field (already escaped) at a boundary between our own pieces where possible. */
function field(label: string, lines: string[]): SlackText {
  let text = `*${label}*`;
  for (const line of lines) {
    if (text.length + 1 + line.length > FIELD_MAX) {
      text += '\n…';
      break;
    }
    text += `\n${line}`;
  }
  return { type: 'mrkdwn', text };
}

/** `user=alice, ns=prod` for an alert's key, escaped and capped. */
export function formatKey(key: Readonly<Record<string, unknown>>, max: number): string {
  const entries = Object.entries(key);
  if (entries.length === 0) return '—';
  const raw = entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
  return inlineCode(raw, max);
}

/**
 * The fields of an alert message: who, what, result, where, when and, for keyed rules, the key. Values
 * come from the alert's event sample (distinct values, bounded) and are escaped inline code.
 */
export function alertFields(alert: Alert): SlackText[] {
  const events = alert.events;
  const impersonated = distinct(events, (e) => e.impersonatedUser);
  const who = [distinct(events, (e) => e.user)];
  if (impersonated !== '—') who.push(`as ${impersonated}`);

  const what = [distinct(events, (e) => e.verb, 40) + ' ' + distinct(events, resource)];
  const objects = distinct(events, object);
  if (objects !== '—') what.push(`on ${objects}`);

  const result = [`${distinct(events, (e) => e.responseCode, 10)} · ${distinct(events, (e) => e.decision, 40)}`];
  const where = [distinct(events, (e) => e.sourceIP, 60), distinct(events, (e) => e.userAgent)];

  const first = escapeSlackText(alert.firstSeen, 40, { inline: true });
  const last = escapeSlackText(alert.lastSeen, 40, { inline: true });
  const when = [first === last ? first : `${first} → ${last}`];

  const fields = [
    field('Who', who),
    field('What', what),
    field('Result', result),
    field('Where', where),
    field('When', when),
  ];
  if (Object.keys(alert.key).length > 0) fields.push(field('Key', [formatKey(alert.key, 400)]));
  return fields;
}
