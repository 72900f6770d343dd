import { from, Subject, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { auditEvent } from '../testing/audit-event-builder.js';
import type { EvaluatedEvent } from './evaluate.js';
import { eventTimeOrder, type Ordered } from './event-time-order.js';
import { createStreamStats } from './stream-stats.js';
import { testRule } from './test-rules.js';

const stateful = testRule({ name: 'burst', suppress: { for: 60_000, forText: '1m', key: [] } });
const stateless = testRule({ name: 'exec' });

function at(seconds: number, rules = [stateful]): EvaluatedEvent {
  const event = auditEvent({ at: seconds * 1000, auditID: `id-${seconds}` });
  return { event, time: seconds * 1000, matches: rules };
}

const label = (o: Ordered): string =>
  o.kind === 'watermark' ? `w${o.time / 1000}` : `${o.match.rule.name}@${o.match.time / 1000}`;

function collect(source: Observable<Ordered>): string[] {
  const out: string[] = [];
  source.subscribe((o) => out.push(label(o)));
  return out;
}

describe('eventTimeOrder', () => {
  it('holds matches of stateful rules until the watermark passes, then releases them oldest first', () => {
    const stats = createStreamStats();
    const out = collect(
      from([at(30), at(25), at(20), at(45)]).pipe(eventTimeOrder({ lateness: 10_000, tick: false, stats })),
    );
    // 20 arrives after 30 but is exactly `lateness` older: still ordered, not late.
    expect(out).toEqual(['w20', 'burst@20', 'burst@25', 'burst@30', 'w35', 'burst@45', 'wInfinity']);
    expect(stats.late).toBe(0);
  });

  it('passes stateless matches through at once and releases later-than-lateness matches on arrival, counted', () => {
    const stats = createStreamStats();
    const out = collect(
      from([at(100), at(10, [stateless]), at(50), at(95)]).pipe(
        eventTimeOrder({ lateness: 10_000, tick: false, stats }),
      ),
    );
    expect(out).toEqual(['w90', 'exec@10', 'burst@50', 'burst@95', 'burst@100', 'wInfinity']);
    expect(stats.late).toBe(1);
  });

  it('gives the same sequence for any arrival order within the lateness', () => {
    const times = [3, 1, 7, 2, 9, 4, 8, 6, 5, 10];
    const sorted = collect(
      from([...times].sort((a, b) => a - b).map((t) => at(t))).pipe(eventTimeOrder({ lateness: 10_000, tick: false })),
    );
    const shuffled = collect(from(times.map((t) => at(t))).pipe(eventTimeOrder({ lateness: 10_000, tick: false })));
    expect(shuffled.filter((l) => !l.startsWith('w'))).toEqual(sorted.filter((l) => !l.startsWith('w')));
  });

  it('moves the watermark on with the clock when traffic stops, in virtual time', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(({ cold }) => {
      const released: Array<[number, string]> = [];
      cold<EvaluatedEvent>('a 30s |', { a: at(30) })
        .pipe(eventTimeOrder({ lateness: 10_000, tick: 1000, scheduler }))
        .subscribe((o) => {
          if (o.kind === 'match') released.push([scheduler.now(), label(o)]);
        });
      scheduler.flush();
      // Event time 30 s seen at 0; after 11 s of silence the watermark (30 + 11 - 10) has passed it.
      expect(released).toEqual([[11_000, 'burst@30']]);
    });
  });

  it('releases early, counted, when the buffer is full', () => {
    const stats = createStreamStats();
    const input = new Subject<EvaluatedEvent>();
    const out = collect(input.pipe(eventTimeOrder({ lateness: 60_000, tick: false, maxBuffered: 2, stats })));
    input.next(at(10));
    input.next(at(11));
    expect(out.filter((l) => !l.startsWith('w'))).toEqual([]);
    input.next(at(12));
    // Three held with room for two: the oldest goes out before its watermark.
    expect(out.filter((l) => !l.startsWith('w'))).toEqual(['burst@10']);
    expect(stats.forced).toBe(1);
  });

  it('holds a rule with its own lateness only that long, and emits the oldest watermark downstream', () => {
    const quick = testRule({ name: 'quick', suppress: { for: 60_000, forText: '1m', key: [] }, lateness: 0 });
    const out = collect(
      from([at(30, [stateful, quick]), at(31, [stateful, quick]), at(50)]).pipe(
        eventTimeOrder({ lateness: 10_000, tick: false }),
      ),
    );
    // quick@30 goes as soon as a newer event (31) moves its watermark past 30; burst@30 waits until an
    // event 10 s newer (50). The watermark sent on is the default class's (the oldest), so no window or
    // suppression state is released while a burst match that could change it is still held.
    expect(out).toEqual(['w20', 'quick@30', 'w21', 'burst@30', 'burst@31', 'quick@31', 'w40', 'burst@50', 'wInfinity']);
  });
});
