import { describe, expect, it } from 'vitest';
import type { AlertNotice } from '../alert/alert.js';
import type { SendResult } from '../sink/sink.js';
import { createDelivery, type DeliveryEvent, type DeliveryOptions } from './create-delivery.js';
import { memoryDeadLetters } from './dead-letter.js';
import { createManualClock } from './manual-clock.js';
import { scriptedSink, testAlert, type Call } from './test-alerts.js';

const alert = (id: string, rule = 'rule-a', extra = {}): AlertNotice => ({
  type: 'alert',
  alert: testAlert(id, { rule, ...extra }),
});
const rollup = (id: string, count: number, rule = 'rule-a'): AlertNotice => ({
  type: 'rollup',
  alert: testAlert(id, { rule, count, suppressed: count - 1 }),
});
const closed = (id: string) => ({ type: 'closed' as const, alert: testAlert(id) });

/** At most `burst + perSecond·T` calls in any interval of length T. */
function maxOverLimit(times: number[], perSecond: number, burst: number): number {
  let worst = -Infinity;
  for (let i = 0; i < times.length; i++)
    for (let j = i; j < times.length; j++)
      worst = Math.max(worst, j - i + 1 - (burst + (perSecond * (times[j]! - times[i]!)) / 1000));
  return worst;
}

function setup(
  answer?: (call: Call, calls: Call[]) => SendResult | Promise<SendResult>,
  options: Partial<DeliveryOptions> = {},
  destination?: (n: AlertNotice) => string,
) {
  const clock = createManualClock(Date.parse('2026-11-26T20:00:00Z'));
  const sink = scriptedSink('s', clock.now, answer, destination);
  const dead = memoryDeadLetters();
  const events: DeliveryEvent[] = [];
  const delivery = createDelivery({
    sinks: [sink],
    clock,
    deadLetter: dead,
    onEvent: (e) => events.push(e),
    random: () => 0.5,
    ...options,
  });
  const t0 = clock.now();
  const times = () => sink.calls.map((c) => c.at - t0);
  return { clock, sink, dead, events, delivery, t0, times };
}

describe('createDelivery', () => {
  it('sends at most 1 message per second per destination after a burst of 3, by default', async () => {
    const { clock, delivery, times, sink } = setup();
    for (let i = 0; i < 8; i++) delivery.push(alert(`a${i}`, `rule-${i}`));
    await clock.runAll();
    expect(times()).toEqual([0, 0, 0, 1000, 2000, 3000, 4000, 5000]);
    expect(maxOverLimit(times(), 1, 3)).toBeLessThanOrEqual(0);
    expect(sink.calls.map((c) => c.notice.alert.id)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']);
    expect(delivery.stats.s).toMatchObject({ alerts: 8, delivered: 8, queued: 0 });
  });

  it('skips the rate limit for a local sink (console, file): nothing waits', async () => {
    const clock = createManualClock(Date.parse('2026-11-26T20:00:00Z'));
    const sink = { ...scriptedSink('local', clock.now), unlimited: true };
    const delivery = createDelivery({ sinks: [sink], clock });
    for (let i = 0; i < 8; i++) delivery.push(alert(`a${i}`, `rule-${i}`));
    await clock.runAll();
    expect(sink.calls.map((c) => c.at - sink.calls[0]!.at)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(delivery.stats.local).toMatchObject({ alerts: 8, delivered: 8, digests: 0 });
  });

  it('keeps one queue and rate limit per destination', async () => {
    const { clock, delivery, times, sink } = setup(undefined, { rate: { burst: 1 } }, (n) => n.alert.tags[0]!);
    for (let i = 0; i < 3; i++) {
      delivery.push(alert(`x${i}`, `r${i}`, { tags: ['#x'] }));
      delivery.push(alert(`y${i}`, `r${i}`, { tags: ['#y'] }));
    }
    await clock.runAll();
    expect(sink.calls.map((c) => [c.destination, c.at - sink.calls[0]!.at])).toEqual([
      ['#x', 0],
      ['#y', 0],
      ['#x', 1000],
      ['#y', 1000],
      ['#x', 2000],
      ['#y', 2000],
    ]);
    expect(Object.keys(delivery.stats.s!.destinations).sort()).toEqual(['#x', '#y']);
    expect(times()).toHaveLength(6);
  });

  it("honours Retry-After on a 429 and pauses only that destination's queue", async () => {
    let limited = false;
    const { clock, delivery, sink } = setup(
      (call) => {
        if (call.destination === '#x' && !limited) {
          limited = true;
          return { status: 'retry', reason: 'ratelimited', code: 'rate_limited', after: 30_000 };
        }
        return { status: 'delivered' };
      },
      { rate: { perSecond: 1, burst: 1 } },
      (n) => n.alert.tags[0]!,
    );
    const t0 = clock.now();
    for (let i = 0; i < 3; i++) {
      delivery.push(alert(`x${i}`, `r${i}`, { tags: ['#x'] }));
      delivery.push(alert(`y${i}`, `r${i}`, { tags: ['#y'] }));
    }
    await clock.runAll();
    const at = (dest: string) => sink.calls.filter((c) => c.destination === dest).map((c) => c.at - t0);
    expect(at('#y')).toEqual([0, 1000, 2000]);
    expect(at('#x')).toEqual([0, 30_000, 31_000, 32_000]);
    expect(sink.calls.filter((c) => c.destination === '#x').map((c) => [c.notice.alert.id, c.context.attempt])).toEqual(
      [
        ['x0', 1],
        ['x0', 2],
        ['x1', 1],
        ['x2', 1],
      ],
    );
    expect(delivery.stats.s).toMatchObject({ delivered: 6, retried: 1, rateLimited: 1, deadLettered: 0 });
    expect(delivery.stats.s!.destinations['#x']).toMatchObject({ rateLimited: 1, delivered: 3 });
    expect(delivery.stats.s!.destinations['#y']).toMatchObject({ rateLimited: 0, delivered: 3 });
  });

  it('rate limits do not use up attempts', async () => {
    const { clock, delivery, sink } = setup(
      (_, calls) =>
        calls.length <= 20
          ? { status: 'retry', reason: '429', code: 'rate_limited', after: 1000 }
          : { status: 'delivered' },
      { retry: { maxAttempts: 3 } },
    );
    delivery.push(alert('a'));
    await clock.runAll();
    expect(sink.calls).toHaveLength(21);
    expect(delivery.stats.s).toMatchObject({ delivered: 1, rateLimited: 20, deadLettered: 0 });
  });

  it('retries transient failures with exponential backoff and full jitter, then dead-letters', async () => {
    const { clock, delivery, dead, times } = setup(() => ({ status: 'retry', reason: 'HTTP 503', code: 'http_503' }), {
      retry: { maxAttempts: 5, baseDelay: 1000, maxDelay: 60_000 },
      random: () => 0.5,
    });
    delivery.push(alert('a'));
    await clock.runAll();
    // Delays are half (random 0.5) of 1, 2, 4, 8 s ceilings.
    expect(times()).toEqual([0, 500, 1500, 3500, 7500]);
    expect(dead.entries).toHaveLength(1);
    expect(dead.entries[0]).toMatchObject({
      sink: 's',
      destination: 's',
      code: 'http_503',
      attempts: 5,
      notice: { type: 'alert' },
    });
    expect(dead.entries[0]!.reason).toMatch(/HTTP 503.*5 attempts/);
    expect(delivery.stats.s).toMatchObject({ alerts: 1, retried: 5, deadLettered: 1, delivered: 0, queued: 0 });
  });

  it('spreads retries over the whole jitter range and waits at least a Retry-After', async () => {
    const draws = [0, 0.999, 0.25];
    const { clock, delivery, times } = setup(
      (_, calls) =>
        calls.length === 4
          ? { status: 'delivered' }
          : { status: 'retry', reason: '503', after: calls.length === 3 ? 9000 : undefined },
      { retry: { baseDelay: 1000 }, random: () => draws.shift() ?? 0 },
    );
    delivery.push(alert('a'));
    await clock.runAll();
    // 0 × 1 s, 0.999 × 2 s, then max(Retry-After 9 s, 0.25 × 4 s).
    expect(times()).toEqual([0, 0, 1998, 10_998]);
  });

  it('gives up at the maximum age even with attempts left', async () => {
    const { clock, delivery, dead, times } = setup(() => ({ status: 'retry', reason: 'down' }), {
      retry: { maxAttempts: 100, maxAge: 10_000, baseDelay: 4000, maxDelay: 4000 },
      random: () => 0.99,
    });
    delivery.push(alert('a'));
    await clock.runAll();
    expect(times()).toEqual([0, 3960, 7920]);
    expect(dead.entries[0]!.reason).toBe('down (gave up: still undelivered 8 s after it was queued)');
  });

  it('drains a backlog aged out during a long outage with one attempt per notice', async () => {
    const { clock, delivery, dead, sink } = setup(() => ({ status: 'retry', reason: 'down' }), {
      retry: { maxAttempts: 100, maxAge: 10_000, baseDelay: 4000, maxDelay: 4000 },
      random: () => 0.99,
      digest: false,
    });
    for (let i = 0; i < 5; i++) delivery.push(alert(`a${i}`, `r${i}`));
    await clock.runAll();
    expect(sink.calls.map((c) => [c.notice.alert.id, c.context.attempt])).toEqual([
      ['a0', 1],
      ['a0', 2],
      ['a0', 3],
      ['a1', 1],
      ['a2', 1],
      ['a3', 1],
      ['a4', 1],
    ]);
    expect(dead.entries.map((e) => e.notice.alert.id)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
  });

  it('aborts an attempt at the timeout and retries it', async () => {
    const signals: AbortSignal[] = [];
    const clock = createManualClock();
    const sink = scriptedSink('s', clock.now);
    let n = 0;
    sink.send = async (notice, context) => {
      signals.push(context.signal);
      sink.calls.push({ at: clock.now(), notice, context: { attempt: context.attempt }, destination: 's' });
      if (n++ === 0) return new Promise<SendResult>(() => undefined);
      return { status: 'delivered' };
    };
    const delivery = createDelivery({
      sinks: [sink],
      clock,
      retry: { timeout: 5000, baseDelay: 1000 },
      random: () => 0,
    });
    delivery.push(alert('a'));
    await clock.runAll();
    expect(sink.calls.map((c) => [c.at, c.context.attempt])).toEqual([
      [0, 1],
      [5000, 2],
    ]);
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[1]!.aborted).toBe(false);
    expect(delivery.stats.s).toMatchObject({ retried: 1, delivered: 1 });
  });

  it('marks a destination unhealthy on a configuration fault and stops calling it', async () => {
    const { clock, delivery, dead, events, sink } = setup(
      () => ({ status: 'rejected', kind: 'config', reason: 'invalid_auth', code: 'invalid_auth' }),
      {
        probeInterval: 60_000,
      },
    );
    for (let i = 0; i < 20; i++) delivery.push(alert(`a${i}`, `r${i}`));
    await clock.runAll();
    expect(sink.calls).toHaveLength(1);
    expect(dead.entries).toHaveLength(20);
    expect(dead.entries.every((e) => e.code === 'invalid_auth')).toBe(true);
    expect(events.filter((e) => e.type === 'unhealthy')).toEqual([
      { type: 'unhealthy', sink: 's', destination: 's', reason: 'invalid_auth', code: 'invalid_auth' },
    ]);
    expect(delivery.health()).toMatchObject({
      healthy: false,
      sinks: { s: { healthy: false, destinations: { s: { healthy: false, code: 'invalid_auth' } } } },
    });
    // Later alerts, before the probe interval: still no calls.
    await clock.advance(30_000);
    delivery.push(alert('later'));
    await clock.runAll();
    expect(sink.calls).toHaveLength(1);
    // After it: exactly one probe.
    await clock.advance(60_000);
    delivery.push(alert('probe-1'));
    delivery.push(alert('probe-2'));
    await clock.runAll();
    expect(sink.calls).toHaveLength(2);
    expect(delivery.stats.s).toMatchObject({ alerts: 23, deadLettered: 23, rejectedConfig: 2, delivered: 0 });
  });

  it('turns healthy again when a probe is delivered', async () => {
    let broken = true;
    const { clock, delivery, events } = setup(
      () =>
        broken
          ? { status: 'rejected', kind: 'config', reason: 'channel_not_found', code: 'channel_not_found' }
          : { status: 'delivered' },
      {
        probeInterval: 10_000,
      },
    );
    delivery.push(alert('a'));
    await clock.runAll();
    broken = false;
    await clock.advance(10_000);
    delivery.push(alert('b'));
    delivery.push(alert('c'));
    await clock.runAll();
    expect(events.map((e) => e.type)).toEqual(['unhealthy', 'dead-lettered', 'healthy']);
    expect(delivery.health().healthy).toBe(true);
    expect(delivery.stats.s).toMatchObject({ delivered: 2, deadLettered: 1 });
  });

  it('re-sends a refused payload once, minimal, then dead-letters it', async () => {
    const { clock, delivery, dead, sink } = setup((call) =>
      call.notice.alert.id === 'ok-when-minimal' && call.context.minimal
        ? { status: 'delivered' }
        : { status: 'rejected', kind: 'payload', reason: 'invalid_blocks', code: 'invalid_blocks' },
    );
    delivery.push(alert('ok-when-minimal', 'r1'));
    delivery.push(alert('never', 'r2'));
    await clock.runAll();
    expect(sink.calls.map((c) => [c.notice.alert.id, c.context.minimal ?? false])).toEqual([
      ['ok-when-minimal', false],
      ['ok-when-minimal', true],
      ['never', false],
      ['never', true],
    ]);
    expect(dead.entries.map((e) => [e.notice.alert.id, e.code, e.attempts])).toEqual([['never', 'invalid_blocks', 2]]);
    expect(delivery.stats.s).toMatchObject({ delivered: 1, deadLettered: 1, rejectedPayload: 3 });
  });

  it('treats a sink that throws as a refused payload, never as a reason to stop', async () => {
    const { clock, delivery, dead } = setup(() => {
      throw new Error('boom');
    });
    delivery.push(alert('a'));
    await clock.runAll();
    expect(dead.entries.map((e) => [e.code, e.attempts, e.reason])).toEqual([['sink_error', 2, 'sink failed: boom']]);
  });

  it("passes an alert's ref to its roll-ups, which wait behind it, and forgets it when the alert closes", async () => {
    let fail = 2;
    const { clock, delivery, sink } = setup((call) => {
      if (call.notice.type === 'alert' && fail-- > 0) return { status: 'retry', reason: '503' };
      return { status: 'delivered', ref: `ts-${call.notice.alert.id}` };
    });
    delivery.push(alert('a'));
    delivery.push(rollup('a', 2));
    delivery.push(closed('a'));
    await clock.runAll();
    expect(sink.calls.map((c) => [c.notice.type, c.context.ref])).toEqual([
      ['alert', undefined],
      ['alert', undefined],
      ['alert', undefined],
      ['rollup', 'ts-a'],
    ]);
    // After `closed` the ref is gone: a notice for the same id (a new lifetime) starts a new message.
    delivery.push(rollup('a', 3));
    await clock.runAll();
    expect(sink.calls.at(-1)!.context.ref).toBeUndefined();
  });

  it('coalesces queued roll-ups of one alert into the newest', async () => {
    const { clock, delivery, sink } = setup((c) => ({ status: 'delivered', ref: `ts-${c.notice.alert.id}` }), {
      rate: { burst: 1 },
    });
    delivery.push(alert('a'));
    for (let n = 2; n <= 51; n++) delivery.push(rollup('a', n));
    await clock.runAll();
    expect(sink.calls.map((c) => [c.notice.type, c.notice.alert.count, c.context.ref])).toEqual([
      ['alert', 1, undefined],
      ['rollup', 51, 'ts-a'],
    ]);
    expect(delivery.stats.s).toMatchObject({ delivered: 1, rollups: 1, coalesced: 49 });
  });

  it('merges a backed-up storm into digests per rule, losing no alert', async () => {
    const { clock, delivery, sink } = setup(undefined, { digest: { threshold: 10, maxAlerts: 50 } });
    for (let i = 0; i < 150; i++) delivery.push(alert(`a${i}`, i % 3 === 0 ? 'rule-x' : 'rule-y'));
    await clock.runAll();
    const digests = sink.calls.filter((c) => c.notice.type === 'digest');
    expect(digests.length).toBeGreaterThan(0);
    for (const d of digests) {
      expect(d.notice.digest![0]).toBe(d.notice.alert);
      expect(new Set(d.notice.digest!.map((a) => a.rule)).size).toBe(1);
      expect(d.notice.digest!.length).toBeLessThanOrEqual(50);
    }
    const sentIds = sink.calls.flatMap((c) =>
      c.notice.type === 'digest' ? c.notice.digest!.map((a) => a.id) : [c.notice.alert.id],
    );
    expect(sentIds.sort()).toEqual(Array.from({ length: 150 }, (_, i) => `a${i}`).sort());
    expect(sink.calls.length).toBeLessThan(20);
    const s = delivery.stats.s!;
    expect(s.delivered + s.digested + s.deadLettered).toBe(150);
    expect(s.digests).toBe(digests.length);
  });

  it('updates an alert inside a queued digest instead of sending its roll-up apart', async () => {
    const { clock, delivery, sink } = setup(undefined, { digest: { threshold: 2 }, rate: { burst: 1 } });
    delivery.push(alert('a0', 'r'));
    delivery.push(alert('a1', 'r'));
    delivery.push(alert('a2', 'r'));
    delivery.push(alert('a3', 'r'));
    delivery.push(rollup('a3', 7, 'r'));
    await clock.runAll();
    expect(
      sink.calls.map((c) => [c.notice.type, (c.notice.digest ?? [c.notice.alert]).map((a) => `${a.id}:${a.count}`)]),
    ).toEqual([
      ['alert', ['a0:1']],
      // a0 in flight and a1 queued make 2: from there on alerts of the rule merge into a1.
      ['digest', ['a1:1', 'a2:1', 'a3:7']],
    ]);
  });

  it('drain(timeout) dead-letters what is left at the deadline, in flight included', async () => {
    const { clock, delivery, dead, sink } = setup(
      (c) => (c.notice.alert.id === 'hang' ? new Promise<SendResult>(() => undefined) : { status: 'delivered' }),
      {
        retry: { timeout: 60_000 },
      },
      (n) => n.alert.tags[0]!,
    );
    delivery.push(alert('hang', 'r', { tags: ['#hang'] }));
    for (let i = 0; i < 5; i++) delivery.push(alert(`a${i}`, `r${i}`, { tags: ['#ok'] }));
    let drained = false;
    void delivery.drain(2500).then(() => (drained = true));
    await clock.advance(2499);
    expect(drained).toBe(false);
    await clock.advance(1);
    await clock.advance(0);
    expect(drained).toBe(true);
    expect(sink.calls.filter((c) => c.destination === '#ok')).toHaveLength(5);
    expect(dead.entries.map((e) => [e.notice.alert.id, e.code])).toEqual([['hang', 'shutdown']]);
    const s = delivery.stats.s!;
    expect(s.delivered + s.digested + s.deadLettered).toBe(6);
  });

  it('drain() without a deadline resolves once every queue is empty', async () => {
    const { clock, delivery } = setup();
    for (let i = 0; i < 5; i++) delivery.push(alert(`a${i}`, `r${i}`));
    let drained = false;
    void delivery.drain().then(() => (drained = true));
    await clock.advance(1999);
    expect(drained).toBe(false);
    await clock.advance(1);
    expect(drained).toBe(true);
    expect(delivery.stats.s).toMatchObject({ delivered: 5, queued: 0 });
  });

  it('routes alerts to sinks, and a broken sink never holds up another', async () => {
    const clock = createManualClock();
    const oncall = scriptedSink('oncall', clock.now, () => ({
      status: 'rejected',
      kind: 'config',
      reason: 'channel_not_found',
      code: 'channel_not_found',
    }));
    const feed = scriptedSink('feed', clock.now);
    const delivery = createDelivery({
      sinks: [oncall, feed],
      routes: [{ minSeverity: 'critical', sinks: ['oncall'], continue: true }, { sinks: ['feed'] }],
      clock,
    });
    delivery.push(alert('c1', 'r', { severity: 'critical' }));
    delivery.push(alert('h1', 'r', { severity: 'high' }));
    delivery.push(alert('c2', 'r', { severity: 'critical' }));
    await clock.runAll();
    expect(oncall.calls.map((c) => c.notice.alert.id)).toEqual(['c1']);
    expect(feed.calls.map((c) => c.notice.alert.id)).toEqual(['c1', 'h1', 'c2']);
    expect(delivery.stats.oncall).toMatchObject({ alerts: 2, deadLettered: 2 });
    expect(delivery.stats.feed).toMatchObject({ alerts: 3, delivered: 3 });
    expect(delivery.health().sinks).toMatchObject({ oncall: { healthy: false }, feed: { healthy: true } });
  });

  it('accounts for every alert whatever the sinks answer', async () => {
    // A seeded generator: the same "random" sinks every run.
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const answers: Array<() => SendResult> = [
      () => ({ status: 'delivered', ref: 'ts' }),
      () => ({ status: 'delivered' }),
      () => ({ status: 'retry', reason: '503' }),
      () => ({ status: 'retry', reason: '429', code: 'rate_limited', after: 2000 }),
      () => ({ status: 'rejected', kind: 'payload', reason: 'too long' }),
    ];
    const clock = createManualClock();
    const dead = memoryDeadLetters();
    const sinks = ['a', 'b'].map((id) =>
      scriptedSink(
        id,
        clock.now,
        () => answers[Math.floor(rnd() * answers.length)]!(),
        (n) => `#${n.alert.tags[0]}`,
      ),
    );
    const delivery = createDelivery({
      sinks,
      clock,
      deadLetter: dead,
      random: rnd,
      retry: { maxAttempts: 4, maxAge: 60_000 },
      digest: { threshold: 5 },
    });
    let alerts = 0;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 15; i++) {
        const id = `${round}-${i}`;
        delivery.push(alert(id, `rule-${i % 4}`, { tags: [String(i % 3)] }));
        alerts++;
        if (i % 5 === 0) delivery.push(rollup(id, 2, `rule-${i % 4}`));
        if (i % 7 === 0) delivery.push(closed(id));
      }
      await clock.advance(Math.floor(rnd() * 5000));
    }
    await clock.runAll();
    const drained = delivery.drain();
    await clock.runAll();
    await drained;
    for (const id of ['a', 'b']) {
      const s = delivery.stats[id]!;
      expect(s.alerts).toBe(alerts);
      expect(s.queued).toBe(0);
      expect(s.delivered + s.digested + s.deadLettered).toBe(alerts);
      const deadAlerts = dead.entries
        .filter((e) => e.sink === id)
        .reduce((n, e) => n + (e.notice.type === 'rollup' ? 0 : (e.notice.digest?.length ?? 1)), 0);
      expect(deadAlerts).toBe(s.deadLettered);
      expect(s.delivered).toBeGreaterThan(0);
      expect(s.deadLettered).toBeGreaterThan(0);
    }
  });
  it('reports a dead letter it could not write, and a throwing onEvent changes nothing', async () => {
    const clock = createManualClock();
    const sink = scriptedSink('s', clock.now, () => ({ status: 'rejected', kind: 'config', reason: 'invalid_auth' }));
    const seen: string[] = [];
    const delivery = createDelivery({
      sinks: [sink],
      clock,
      deadLetter: { write: () => Promise.reject(new Error('disk full')) },
      onEvent: (e) => {
        seen.push(e.type);
        throw new Error('logger broke');
      },
    });
    delivery.push(alert('a'));
    delivery.push(alert('b', 'r2'));
    await clock.runAll();
    await delivery.drain();
    expect(seen).toEqual(['unhealthy', 'dead-lettered', 'dead-lettered', 'dead-letter-failed', 'dead-letter-failed']);
    expect(delivery.stats.s).toMatchObject({ alerts: 2, deadLettered: 2, queued: 0 });
  });

  it('dead-letters past maxQueued instead of growing without bound', async () => {
    const { clock, delivery, dead } = setup(() => new Promise<SendResult>(() => undefined), {
      maxQueued: 3,
      digest: false,
    });
    for (let i = 0; i < 5; i++) delivery.push(alert(`a${i}`, `r${i}`));
    await clock.advance(0);
    expect(dead.entries.map((e) => [e.notice.alert.id, e.code, e.attempts])).toEqual([
      ['a3', 'queue_full', 0],
      ['a4', 'queue_full', 0],
    ]);
    expect(delivery.stats.s).toMatchObject({ alerts: 5, deadLettered: 2, queued: 3 });
  });
});
