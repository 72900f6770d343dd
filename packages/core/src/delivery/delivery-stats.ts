/**
 * Outcome counters of one destination (or, summed, of one sink). Alert counts obey, once drained:
 * `alerts = delivered + digested + deadLettered` (plus `queued` while running): nothing is lost.
 */
export interface DeliveryCounters {
  /** Alerts routed here. */
  alerts: number;
  /** Alerts delivered as their own message. */
  delivered: number;
  /** Alerts delivered inside a digest message. */
  digested: number;
  /** Digest messages delivered. */
  digests: number;
  /** Alerts given up and written to the dead-letter file (those inside a dead-lettered digest included). */
  deadLettered: number;
  /** Roll-up updates delivered. */
  rollups: number;
  /** Roll-ups replaced, while queued, by a newer one of the same alert. */
  coalesced: number;
  /** Roll-ups given up. */
  rollupsDeadLettered: number;
  /** Attempts answered "try again" (timeouts and rate limits included). */
  retried: number;
  /** Of those, rate limits (HTTP 429): they pause only this destination. */
  rateLimited: number;
  /** Attempts refused for a configuration fault (bad token, unknown channel). */
  rejectedConfig: number;
  /** Attempts refused for the message itself. */
  rejectedPayload: number;
  /** Notices waiting now (a digest counts once). */
  queued: number;
}

/** Counters of one sink: totals plus one entry per destination (e.g. per Slack channel). */
export interface SinkDeliveryStats extends DeliveryCounters {
  destinations: Record<string, DeliveryCounters>;
}

/** Delivery counters by sink id. Live: read them at any time (`kaudit serve` exports them as `kaudit_deliveries_total`). */
export type DeliveryStats = Record<string, SinkDeliveryStats>;

/** Zeroed counters. */
export function createCounters(): DeliveryCounters {
  return {
    alerts: 0,
    delivered: 0,
    digested: 0,
    digests: 0,
    deadLettered: 0,
    rollups: 0,
    coalesced: 0,
    rollupsDeadLettered: 0,
    retried: 0,
    rateLimited: 0,
    rejectedConfig: 0,
    rejectedPayload: 0,
    queued: 0,
  };
}

/** Adds `n` to a counter of a destination and of its sink's totals. */
export function count(sink: SinkDeliveryStats, destination: string, key: keyof DeliveryCounters, n = 1): void {
  const d = (sink.destinations[destination] ??= createCounters());
  d[key] += n;
  sink[key] += n;
}
