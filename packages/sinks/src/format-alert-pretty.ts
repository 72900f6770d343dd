import { styleText } from 'node:util';
import type { Alert, AlertNotice, EventSummary, Severity } from '@kaudit/core';
import { terminalSafe } from './terminal-text.js';

type Style = Parameters<typeof styleText>[0];

const SEVERITY_STYLE: Record<Severity, Style> = {
  info: 'gray',
  low: 'blue',
  medium: 'yellow',
  high: ['red', 'bold'],
  critical: ['bgRed', 'white', 'bold'],
};

/** Options of {@link formatAlertPretty}. */
export interface PrettyOptions {
  /** Use ANSI colours. */
  color: boolean;
}

function describeEvent(e: EventSummary): string {
  const ref = e.objectRef ?? {};
  const resource = [ref.resource, ref.subresource].filter(Boolean).join('/');
  const target = [ref.namespace, ref.name].filter(Boolean).join('/');
  const who = e.impersonatedUser ? `${e.user ?? '?'} as ${e.impersonatedUser}` : (e.user ?? '?');
  const parts = [
    e.time ?? '',
    who,
    [e.verb, resource, target].filter(Boolean).join(' ') || (e.requestURI ?? ''),
    e.responseCode !== undefined ? `→ ${e.responseCode}` : '',
    e.sourceIP ? `from ${e.sourceIP}` : '',
  ];
  return parts.filter(Boolean).join('  ');
}

/**
 * A readable, multi-line rendering of an alert notice for a terminal: severity and title first, then
 * the message, the key, the counts and a few sample events. Every piece of event text is made
 * terminal-safe.
 */
export function formatAlertPretty(notice: AlertNotice, options: PrettyOptions): string {
  const paint = (style: Style, text: string) => (options.color ? styleText(style, text) : text);
  const a: Alert = notice.alert;
  const badge = paint(SEVERITY_STYLE[a.severity], ` ${a.severity.toUpperCase()} `);
  if (notice.type === 'digest') {
    const merged = notice.digest ?? [a];
    const keys = merged.slice(0, 5).map(
      (m) =>
        Object.entries(m.key)
          .map(([k, v]) => `${k}=${terminalSafe(String(v))}`)
          .join(' ') || m.id,
    );
    const more = merged.length > keys.length ? ` … ${merged.length - keys.length} more` : '';
    return `${badge} ${paint('bold', terminalSafe(a.title))} ${paint('dim', `[${a.rule}] digest of ${merged.length} alerts`)}\n  ${keys.join('\n  ')}${more}\n`;
  }
  if (notice.type === 'rollup') {
    return `${paint('dim', '↳')} ${badge} ${terminalSafe(a.title)} ${paint('dim', `×${a.count} (${a.suppressed} rolled up, last ${a.lastSeen}) [${a.id}]`)}\n`;
  }
  const lines = [
    `${badge} ${paint('bold', terminalSafe(a.title))} ${paint('dim', `[${a.rule}]`)}`,
    `  ${terminalSafe(a.message)}`,
  ];
  const key = Object.entries(a.key);
  if (key.length > 0) {
    lines.push(`  ${paint('dim', 'key:')} ${key.map(([k, v]) => `${k}=${terminalSafe(String(v))}`).join(' ')}`);
  }
  lines.push(
    `  ${paint('dim', 'count:')} ${a.count}  ${paint('dim', 'first:')} ${a.firstSeen}  ${paint('dim', 'last:')} ${a.lastSeen}  ${paint('dim', 'id:')} ${a.id}`,
  );
  if (a.tags.length > 0) lines.push(`  ${paint('dim', 'tags:')} ${a.tags.map(terminalSafe).join(', ')}`);
  const shown = a.events.slice(0, 3);
  for (const e of shown) lines.push(`  ${paint('dim', '•')} ${terminalSafe(describeEvent(e))}`);
  if (a.events.length > shown.length) lines.push(paint('dim', `  … ${a.events.length - shown.length} more sampled`));
  return `${lines.join('\n')}\n`;
}
