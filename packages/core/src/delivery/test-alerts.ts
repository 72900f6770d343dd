import type { Alert, AlertNotice } from '../alert/alert.js';
import type { SendContext, SendResult, Sink } from '../sink/sink.js';

/** An alert for delivery tests: only identity, rule, severity and count matter here. */
export function testAlert(id: string, overrides: Partial<Alert> = {}): Alert {
  return {
    id,
    rule: 'rule-a',
    title: 'Test alert',
    severity: 'high',
    tags: [],
    message: `alert ${id}`,
    key: {},
    count: 1,
    firstSeen: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-01-01T00:00:00.000Z',
    events: [],
    suppressed: 0,
    ...overrides,
  };
}

/** What a scripted sink saw on one call. */
export interface Call {
  at: number;
  notice: AlertNotice;
  context: Omit<SendContext, 'signal'>;
  destination: string;
}

/**
 * A sink whose answers a test scripts, recording every call with the (virtual) time. `answer` may
 * return a promise that never settles to simulate a hung destination.
 */
export function scriptedSink(
  id: string,
  now: () => number,
  answer: (call: Call, calls: Call[]) => SendResult | Promise<SendResult> = () => ({ status: 'delivered' }),
  destination?: (notice: AlertNotice) => string,
): Sink & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    id,
    type: 'scripted',
    calls,
    ...(destination ? { destination } : {}),
    async send(notice, context) {
      const { signal: _signal, ...rest } = context;
      const call: Call = { at: now(), notice, context: rest, destination: destination?.(notice) ?? id };
      calls.push(call);
      return answer(call, calls);
    },
  };
}
