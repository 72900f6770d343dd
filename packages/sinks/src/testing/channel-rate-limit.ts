/** Slack's per-channel posting limit as the test server models it: a token bucket. */
export interface RateLimit {
  /** Messages per second sustained. */
  perSecond: number;
  /** Messages allowed at once after a quiet period. Default 1. */
  burst?: number;
}

/**
 * Token buckets per channel. `take` answers 0 when a message may go now, else the seconds to wait
 * (what Slack puts in `Retry-After`: whole seconds, at least 1).
 */
export class ChannelRateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly burst: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number,
  ) {
    if (!(limit.perSecond > 0)) throw new RangeError('rateLimit.perSecond must be > 0');
    this.burst = Math.max(1, limit.burst ?? 1);
  }

  take(channel: string): number {
    const now = this.now();
    const bucket = this.buckets.get(channel) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond);
    bucket.at = now;
    this.buckets.set(channel, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.limit.perSecond));
  }

  reset(): void {
    this.buckets.clear();
  }
}
