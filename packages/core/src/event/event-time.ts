import type { AuditEvent } from './audit-event.js';
import { parseTimestamp } from './parse-timestamp.js';

/**
 * The event time kaudit windows on: `stageTimestamp`, else `requestReceivedTimestamp`, else the
 * v1beta1 `timestamp`; epoch milliseconds, or `NaN` when the event carries none that parses.
 */
export function eventTime(event: AuditEvent): number {
  const { stageTimestamp, requestReceivedTimestamp, timestamp } = event;
  if (typeof stageTimestamp === 'string') {
    const t = parseTimestamp(stageTimestamp);
    if (t === t) return t;
  }
  if (typeof requestReceivedTimestamp === 'string') {
    const t = parseTimestamp(requestReceivedTimestamp);
    if (t === t) return t;
  }
  if (typeof timestamp === 'string') return parseTimestamp(timestamp);
  return NaN;
}
