/** Options of {@link createTokenBucket}. */
export interface RateLimit {
  /** Sustained sends per second. Default 1 (Slack's limit per channel). */
  perSecond: number;
  /** Sends allowed at once after a quiet spell. Default 3. */
  burst: number;
}

/** A token bucket on a caller-supplied clock reading. */
export interface TokenBucket {
  /** Takes a token at `now` and returns 0, or returns how long (ms) until one is available. */
  take(now: number): number;
  /** Empties the bucket: the destination said we went too fast. */
  empty(now: number): void;
}

/**
 * The rate limit of one destination: `burst` sends at once, then `perSecond`. In any interval of
 * length T at most `burst + perSecond * T` sends start.
 *
 * @example
 * const bucket = createTokenBucket({ perSecond: 1, burst: 3 }, clock.now());
 * const wait = bucket.take(clock.now()); // 0: send now; else retry in `wait` ms
 */
export function createTokenBucket(limit: RateLimit, now: number): TokenBucket {
  const perMs = limit.perSecond / 1000;
  const burst = Math.max(1, limit.burst);
  let tokens = burst;
  let last = now;
  const refill = (at: number): void => {
    if (at > last) {
      tokens = Math.min(burst, tokens + (at - last) * perMs);
      last = at;
    }
  };
  return {
    take(at) {
      refill(at);
      // A hair of tolerance: float refills must not leave 0.9999999 tokens and a 0 ms wait forever.
      if (tokens >= 1 - 1e-9) {
        tokens = Math.max(0, tokens - 1);
        return 0;
      }
      return Math.max(1, Math.ceil((1 - tokens) / perMs));
    },
    empty(at) {
      refill(at);
      tokens = 0;
    },
  };
}
