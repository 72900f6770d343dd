/** Retry policy of the delivery layer. */
export interface RetryPolicy {
  /** Attempts per notice at most, rate-limited ones not counted. Default 10. */
  maxAttempts: number;
  /**
   * How long (ms) a notice may stay undelivered, from when it was queued. Checked when an attempt fails,
   * so every notice is tried at least once; during a long outage the backlog then drains to the dead
   * letters one attempt each instead of retrying each for the full age. Default 15 minutes.
   */
  maxAge: number;
  /** First backoff ceiling (ms); it doubles per attempt. Default 1 s. */
  baseDelay: number;
  /** Backoff ceiling (ms). Default 5 minutes. */
  maxDelay: number;
  /** Each attempt is aborted after this long (ms) and counts as a transient failure. Default 10 s. */
  timeout: number;
}

/** The defaults of {@link RetryPolicy}. */
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 10,
  maxAge: 15 * 60_000,
  baseDelay: 1000,
  maxDelay: 5 * 60_000,
  timeout: 10_000,
};

/**
 * Exponential backoff with full jitter: a uniform delay in [0, min(maxDelay, baseDelay·2^(attempt-1))].
 * Full jitter spreads out clients that failed together, so a recovering destination is not hit by a
 * synchronized wave. A `Retry-After` from the destination wins when it asks for longer.
 *
 * @example
 * retryDelay(3, { baseDelay: 1000, maxDelay: 60_000 }, Math.random) // 0..4000
 */
export function retryDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseDelay' | 'maxDelay'>,
  random: () => number,
  retryAfter?: number,
): number {
  const ceiling = Math.min(policy.maxDelay, policy.baseDelay * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const jittered = Math.floor(random() * ceiling);
  return retryAfter !== undefined && retryAfter >= 0 ? Math.max(retryAfter, jittered) : jittered;
}
