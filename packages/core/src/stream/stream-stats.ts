/** Counters the stream operators keep; the server turns them into metrics, replay into its summary. */
export interface StreamStats {
  /** Events evaluated. */
  events: number;
  /** Matches per rule name. */
  matches: Record<string, number>;
  /** Matches that arrived after the watermark had passed their event time (processed on arrival). */
  late: number;
  /** Matches released early because the ordering buffer was full. */
  forced: number;
  /** Threshold groups and suppression keys dropped because a rule reached its key cap. */
  evicted: number;
  /** New alerts raised. */
  alerts: number;
  /** Occurrences rolled up into an alert already raised. */
  rollups: number;
}

/** Fresh zeroed counters. */
export function createStreamStats(): StreamStats {
  return { events: 0, matches: {}, late: 0, forced: 0, evicted: 0, alerts: 0, rollups: 0 };
}
