import {
  asyncScheduler,
  Observable,
  type OperatorFunction,
  type SchedulerAction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import type { AuditEvent } from '../event/audit-event.js';
import type { CompiledRule } from '../rules/compile-rule-set.js';
import type { EvaluatedEvent } from './evaluate.js';
import { canHoldLean, leanEvent, stepMask } from './lean-event.js';
import { MinHeap } from './min-heap.js';
import type { StreamStats } from './stream-stats.js';

/** One event matched by one rule, at its event time. */
export interface Match {
  readonly rule: CompiledRule;
  /** The event, or while held for ordering its lean form (see `leanEvent`), which the later stages read alike. */
  readonly event: AuditEvent;
  readonly time: number;
  /** Arrival sequence: the last tie-breaker, so equal keys still order deterministically. */
  readonly seq: number;
  /**
   * For a sequence rule's match held as a lean event: bit i set when the event matched step i (the
   * step conditions may read fields the lean event does not keep). Otherwise undefined.
   */
  readonly steps?: number | undefined;
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
  const spec = rule.spec;
  return (
    spec.threshold !== undefined ||
    spec.suppress !== undefined ||
    spec.sequence !== undefined ||
    spec.newTerm !== undefined
  );
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

/** Matches of the rules that share one lateness, with their own watermark. */
interface LatenessClass {
  readonly lateness: number;
  readonly heap: MinHeap<Match>;
  watermark: number;
}

/**
 * Puts the matches of stateful rules (threshold or suppress) in event-time order. The API server
 * sends batches concurrently and retries them for minutes, so events arrive late and out of order;
 * matches are held until the watermark (newest event time seen, minus `lateness`) passes them, then
 * released oldest first. Any arrival order within the lateness therefore gives the same sequence,
 * and a replayed file the same alerts as live traffic. Matches of stateless rules are order-free and
 * pass through at once. Matches later than the watermark are released on arrival and counted.
 *
 * A rule may set its own `lateness` (to alert sooner); its matches are held by that lateness. The
 * watermarks emitted downstream (which release window and suppression state) are the oldest of all,
 * so no state is released while a match that could still change it is held.
 */
export function eventTimeOrder(options: EventTimeOrderOptions = {}): OperatorFunction<EvaluatedEvent, Ordered> {
  const defaultLateness = options.lateness ?? 300_000;
  const tick = options.tick ?? 1000;
  const maxBuffered = options.maxBuffered ?? 1_000_000;
  const scheduler = options.scheduler ?? asyncScheduler;
  const stats = options.stats;

  return (source) =>
    new Observable<Ordered>((subscriber) => {
      const classes = new Map<number, LatenessClass>();
      // The same classes as an array: release() runs per event and a Map iterator is an allocation.
      const classList: LatenessClass[] = [];
      const classOf = (lateness: number): LatenessClass => {
        let c = classes.get(lateness);
        if (c === undefined) {
          c = { lateness, heap: new MinHeap<Match>(before), watermark: -Infinity };
          classes.set(lateness, c);
          classList.push(c);
        }
        return c;
      };
      classOf(defaultLateness);
      let buffered = 0;
      let seq = 0;
      let maxTime = -Infinity;
      let maxTimeSeenAt = 0;
      let emittedWatermark = -Infinity;
      let releasing = false;

      /** Event time "now": the newest event time, moved on by the clock while nothing newer comes. */
      const eventNow = (): number =>
        maxTime === -Infinity ? scheduler.now() : maxTime + (tick === false ? 0 : scheduler.now() - maxTimeSeenAt);

      const release = (now: number): void => {
        for (let i = 0; i < classList.length; i++) {
          const c = classList[i]!;
          if (now - c.lateness > c.watermark) c.watermark = now - c.lateness;
        }
        // Re-entrancy: a subscriber that pushes more events while we emit leaves them to this loop.
        if (releasing) return;
        releasing = true;
        try {
          let oldest = Infinity;
          for (let i = 0; i < classList.length; i++) {
            const c = classList[i]!;
            for (let top = c.heap.peek(); top !== undefined && top.time < c.watermark; top = c.heap.peek()) {
              c.heap.pop();
              buffered--;
              subscriber.next({ kind: 'match', match: top });
            }
            if (c.watermark < oldest) oldest = c.watermark;
          }
          const interval = tick === false ? 1000 : tick;
          if (oldest > -Infinity && oldest - emittedWatermark >= interval) {
            emittedWatermark = oldest;
            subscriber.next({ kind: 'watermark', time: oldest });
          }
        } finally {
          releasing = false;
        }
      };

      /** Releases the single oldest held match early, when the buffer is full. */
      const releaseOldest = (): void => {
        let from: LatenessClass | undefined;
        for (const c of classes.values()) {
          const top = c.heap.peek();
          if (top !== undefined && (from === undefined || before(top, from.heap.peek()!))) from = c;
        }
        if (from === undefined) return;
        const match = from.heap.pop()!;
        buffered--;
        if (stats) stats.forced++;
        // Anything older that still comes for this class is late now.
        if (match.time + 1 > from.watermark) from.watermark = match.time + 1;
        subscriber.next({ kind: 'match', match });
      };

      let timer: Subscription | undefined;
      if (tick !== false) {
        timer = scheduler.schedule(function idle(this: SchedulerAction<unknown>) {
          if (maxTime > -Infinity) release(eventNow());
          this.schedule(undefined, tick);
        }, tick);
      }

      const inner = source.subscribe({
        next({ event, time, matches }) {
          let t = time;
          if (t === t) {
            if (t > maxTime) {
              maxTime = t;
              // Without the idle tick (replays) event time never moves on by the clock: no clock read.
              if (tick !== false) maxTimeSeenAt = scheduler.now();
            }
          } else {
            // No timestamp at all: the event happened "now" in event time.
            t = eventNow();
          }
          // One lean copy per event, shared by all its held matches.
          let lean: AuditEvent | undefined;
          for (const rule of matches) {
            if (!isStateful(rule)) {
              subscriber.next({ kind: 'match', match: { rule, event, time: t, seq: seq++, steps: undefined } });
              continue;
            }
            const c = classOf(rule.spec.lateness ?? defaultLateness);
            if (t < c.watermark) {
              if (stats) stats.late++;
              subscriber.next({ kind: 'match', match: { rule, event, time: t, seq: seq++, steps: undefined } });
            } else if (canHoldLean(rule)) {
              lean ??= leanEvent(event);
              const steps = rule.spec.sequence !== undefined ? stepMask(rule, event) : undefined;
              c.heap.push({ rule, event: lean, time: t, seq: seq++, steps });
              buffered++;
            } else {
              c.heap.push({ rule, event, time: t, seq: seq++, steps: undefined });
              buffered++;
            }
          }
          while (buffered > maxBuffered) releaseOldest();
          release(maxTime);
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
