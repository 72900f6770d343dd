/** Options of {@link createRedeliveryMemory}. */
export interface RedeliveryOptions {
  /** How long a processed body is remembered (ms). Default 15 minutes: the API server's retries of one batch end within about 2. */
  window?: number;
  /** Bodies remembered at most; the oldest is forgotten first. Default 100,000. */
  maxEntries?: number;
}

/** Remembers which request bodies were already processed; see {@link createRedeliveryMemory}. */
export interface RedeliveryMemory {
  /** The events count of an identical body processed within the window, or undefined. */
  seen(digest: string): number | undefined;
  /** Records a body (by digest) once its `events` were handed to the pipeline. */
  remember(digest: string, events: number): void;
  /** Bodies remembered now. */
  readonly size: number;
}

interface Entry {
  expires: number;
  events: number;
}

/**
 * A bounded memory of processed request-body digests, for dropping the API server's byte-identical
 * retries. Entries live `window` ms of `clock()`; insertion order is expiry order (one window for
 * all), so expired and surplus entries are always at the front of the Map and cost O(1) to drop.
 *
 * @example
 * const memory = createRedeliveryMemory({ window: 60_000 }, Date.now);
 * if (memory.seen(digest) === undefined) { pipeline.pushBody(body); memory.remember(digest, n); }
 */
export function createRedeliveryMemory(options: RedeliveryOptions, clock: () => number): RedeliveryMemory {
  const window = options.window ?? 15 * 60_000;
  const maxEntries = Math.max(1, options.maxEntries ?? 100_000);
  const entries = new Map<string, Entry>();

  const expire = (now: number): void => {
    for (const [digest, entry] of entries) {
      if (entry.expires > now) break;
      entries.delete(digest);
    }
  };

  return {
    seen(digest) {
      expire(clock());
      return entries.get(digest)?.events;
    },
    remember(digest, events) {
      const now = clock();
      expire(now);
      // Re-inserting moves it to the end, keeping the Map in expiry order.
      entries.delete(digest);
      entries.set(digest, { expires: now + window, events });
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    get size() {
      return entries.size;
    },
  };
}
