import type { ClockTimer, DeliveryClock } from './clock.js';

/** A {@link DeliveryClock} that only moves when told to. */
export interface ManualClock extends DeliveryClock {
  /**
   * Moves time forward by `ms`, firing due timers in time order and letting promises settle between
   * them (sinks answer asynchronously), so a test sees what real time would have done.
   */
  advance(ms: number): Promise<void>;
  /** Advances until no timer is pending (or `limit` ms have passed). Returns the time moved. */
  runAll(limit?: number): Promise<number>;
  /** Timers not yet fired. */
  readonly pending: number;
}

interface Timer {
  at: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

/** Lets every queued promise reaction (and any I/O callback ready now) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Virtual time for tests of code that takes a {@link DeliveryClock}: the 1 message/s default, backoff
 * and `Retry-After` are checked without waiting.
 *
 * @example
 * const clock = createManualClock();
 * const delivery = createDelivery({ sinks: [sink], clock });
 * delivery.push(notice);
 * await clock.advance(1000);
 */
export function createManualClock(start = 0): ManualClock {
  let now = start;
  let seq = 0;
  let timers: Timer[] = [];

  const next = (until: number): Timer | undefined => {
    timers = timers.filter((t) => !t.cancelled);
    let best: Timer | undefined;
    for (const t of timers)
      if (t.at <= until && (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq))) best = t;
    return best;
  };

  const advanceTo = async (target: number): Promise<void> => {
    await settle();
    for (let t = next(target); t; t = next(target)) {
      now = Math.max(now, t.at);
      t.cancelled = true;
      t.callback();
      await settle();
    }
    now = Math.max(now, target);
    await settle();
  };

  return {
    now: () => now,
    setTimeout(callback, ms): ClockTimer {
      const timer: Timer = { at: now + Math.max(0, ms), seq: seq++, callback, cancelled: false };
      timers.push(timer);
      return { cancel: () => void (timer.cancelled = true) };
    },
    advance: (ms) => advanceTo(now + ms),
    async runAll(limit = 24 * 3600_000) {
      const from = now;
      await settle();
      for (let t = next(from + limit); t; t = next(from + limit)) await advanceTo(t.at);
      return now - from;
    },
    get pending() {
      return timers.filter((t) => !t.cancelled).length;
    },
  };
}
