import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import type { AuditEvent } from '../event/audit-event.js';
import type { CompiledRule } from '../rules/compile-rule-set.js';
import type { EvaluatedEvent } from './evaluate.js';
import { MinHeap } from './min-heap.js';
import type { StreamStats } from './stream-stats.js';

/** One event matched by one rule, at its event time. */
export interface Match {
  readonly rule: CompiledRule;
  readonly event: AuditEvent;
  readonly time: number;
  /** Arrival sequence: the last tie-breaker, so equal keys still order deterministically. */
  readonly seq: number;
}

/** The event time up to which everything has been released. */
export interface Watermark {
  readonly kind: 'watermark';
  readonly time: number;
}

/** What the ordering stage emits: matches in event-time order, and watermarks. */
export type Ordered = { readonly kind: 'match'; readonly match: Match } | Watermark;

/** Options of {@link eventTimeOrder}. */
export interface EventTimeOrderOptions {
  /** How late (ms of event time) an event may arrive and still be ordered. Default 5 minutes. */
  lateness?: number;
  /**
   * How often (ms, on the scheduler) the watermark moves on by itself while no newer event arrives,
   * so a quiet cluster still gets its alerts. `false` for replays, which flush on completion instead.
   * Default 1000.
   */
  tick?: number | false;
  /** Matches held at most; past it the oldest is released early (counted as `forced`). Default 1,000,000. */
  maxBuffered?: number;
  /** Time source for the idle tick. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  stats?: StreamStats;
}

/** True when a rule's outcome depends on the order of its matches (it keeps state). */
export function isStateful(rule: CompiledRule): boolean {
  return rule.spec.threshold !== undefined || rule.spec.suppress !== undefined;
}

function before(a: Match, b: Match): boolean {
  if (a.time !== b.time) return a.time < b.time;
  if (a.rule.name !== b.rule.name) return a.rule.name < b.rule.name;
  const ia = a.event.auditID ?? '';
  const ib = b.event.auditID ?? '';
  if (ia !== ib) return ia < ib;
  const sa = a.event.stage ?? '';
  const sb = b.event.stage ?? '';
  if (sa !== sb) return sa < sb;
  return a.seq < b.seq;
}

/**
 * Puts the matches of stateful rules (threshold or suppress) in event-time order. The API server
 * sends batches concurrently and retries them for minutes, so events arrive late and out of order;
 * matches are held until the watermark (newest event time seen, minus `lateness`) passes them, then
 * released oldest first. Any arrival order within the lateness therefore gives the same sequence,
 * and a replayed file the same alerts as live traffic. Matches of stateless rules are order-free and
 * pass through at once. Matches later than the watermark are released on arrival and counted.
 */
export function eventTimeOrder(options: EventTimeOrderOptions = {}): OperatorFunction<EvaluatedEvent, Ordered> {
  const lateness = options.lateness ?? 300_000;
  const tick = options.tick ?? 1000;
  const maxBuffered = options.maxBuffered ?? 1_000_000;
  const scheduler = options.scheduler ?? asyncScheduler;
  const stats = options.stats;

  return (source) =>
    new Observable<Ordered>((subscriber) => {
      const heap = new MinHeap<Match>(before);
      let seq = 0;
      let maxTime = -Infinity;
      let maxTimeSeenAt = 0;
      let watermark = -Infinity;
      let emittedWatermark = -Infinity;
      let releasing = false;

      /** Event time "now": the newest event time, moved on by the clock while nothing newer comes. */
      const eventNow = (): number =>
        maxTime === -Infinity ? scheduler.now() : maxTime + (tick === false ? 0 : scheduler.now() - maxTimeSeenAt);

      const release = (upTo: number): void => {
        if (upTo > watermark) watermark = upTo;
        // Re-entrancy: a subscriber that pushes more events while we emit leaves them to this loop.
        if (releasing) return;
        releasing = true;
        try {
          for (let top = heap.peek(); top !== undefined && top.time < watermark; top = heap.peek()) {
            heap.pop();
            subscriber.next({ kind: 'match', match: top });
          }
          const interval = tick === false ? 1000 : tick;
          if (watermark > -Infinity && watermark - emittedWatermark >= interval) {
            emittedWatermark = watermark;
            subscriber.next({ kind: 'watermark', time: watermark });
          }
        } finally {
          releasing = false;
        }
      };

      let timer: Subscription | undefined;
      if (tick !== false) {
        timer = scheduler.schedule(function idle(this: { schedule(state?: unknown, delay?: number): void }) {
          if (maxTime > -Infinity) release(eventNow() - lateness);
          this.schedule(undefined, tick);
        }, tick);
      }

      const inner = source.subscribe({
        next({ event, time, matches }) {
          let t = time;
          if (t === t) {
            if (t > maxTime) {
              maxTime = t;
              maxTimeSeenAt = scheduler.now();
            }
          } else {
            // No timestamp at all: the event happened "now" in event time.
            t = eventNow();
          }
          for (const rule of matches) {
            const match: Match = { rule, event, time: t, seq: seq++ };
            if (!isStateful(rule)) {
              subscriber.next({ kind: 'match', match });
            } else if (t < watermark) {
              if (stats) stats.late++;
              subscriber.next({ kind: 'match', match });
            } else {
              heap.push(match);
            }
          }
          if (heap.size > maxBuffered) {
            const oldest = heap.peek()!;
            if (stats) stats.forced += heap.size - maxBuffered;
            // The watermark moves just past the oldest match: anything older that still comes is late.
            release(Math.max(oldest.time + 1, watermark));
          }
          release(maxTime - lateness);
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          timer?.unsubscribe();
          release(Infinity);
          subscriber.complete();
        },
      });
      return () => {
        timer?.unsubscribe();
        inner.unsubscribe();
      };
    });
}
