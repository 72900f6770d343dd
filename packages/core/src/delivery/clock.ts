import type { SchedulerLike } from 'rxjs';

/** A timer that can be cancelled. */
export interface ClockTimer {
  cancel(): void;
}

/**
 * The only time source of the delivery layer, so rate limits, backoff and `Retry-After` can be tested
 * in virtual time.
 *
 * @example
 * const clock: DeliveryClock = { now: () => Date.now(), setTimeout: (fn, ms) => { const t = setTimeout(fn, ms); return { cancel: () => clearTimeout(t) }; } };
 */
export interface DeliveryClock {
  /** Milliseconds since the epoch (or any fixed origin). */
  now(): number;
  /** Runs `callback` once, `ms` from now. */
  setTimeout(callback: () => void, ms: number): ClockTimer;
}

/** Wall-clock time and Node timers: the default. */
export const systemClock: DeliveryClock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, Math.max(0, ms));
    return { cancel: () => clearTimeout(timer) };
  },
};

/**
 * A clock reading an RxJS scheduler, for callers who already drive time with one.
 *
 * @example
 * createDelivery({ sinks, clock: schedulerClock(asyncScheduler) });
 */
export function schedulerClock(scheduler: SchedulerLike): DeliveryClock {
  return {
    now: () => scheduler.now(),
    setTimeout(callback, ms) {
      const subscription = scheduler.schedule(callback, Math.max(0, ms));
      return { cancel: () => subscription.unsubscribe() };
    },
  };
}
