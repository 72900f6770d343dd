/**
 * One stage's keyed state as a {@link KeyBudget} sees it: threshold groups, sequences in progress,
 * new-term histories or open suppressions, across the stage's rules.
 */
export interface KeyHolder {
  /** Keys held now. */
  size(): number;
  /** Event time of the oldest key held (`-Infinity` for a key without a time), `Infinity` when none. */
  oldest(): number;
  /** Drops the key {@link oldest} named, counting it as evicted (and closing it, for an open alert). */
  evictOldest(): void;
}

/**
 * A total of keys shared by every stateful stage of a pipeline, whatever the rule: per-rule caps
 * (`maxKeys`) bound each rule, but a library of 25 per-user rules times 100,000 keys is bounded only
 * at hundreds of MB. Past the total, the oldest key by event time goes, whichever stage and rule hold
 * it. Stages call {@link reserve} before they add a key and never report removals: the budget counts
 * up from the last exact count and counts exactly (a sum of map sizes) only once that passes the
 * limit, so the count cannot drift.
 */
export interface KeyBudget {
  /** Keys held at most across all holders. */
  readonly limit: number;
  /** Adds a holder; the function returned removes it (when its stage is unsubscribed). */
  register(holder: KeyHolder): () => void;
  /** Makes room for one more key: drops the oldest keys of all holders while the total would pass the limit. */
  reserve(): void;
}

/** A budget of `limit` keys (at least 1). */
export function createKeyBudget(limit: number): KeyBudget {
  if (!(limit >= 1)) throw new RangeError(`key budget must be at least 1, got ${limit}`);
  const holders: KeyHolder[] = [];
  /** An upper bound of the keys held: exact after a recount, plus the keys reserved since. */
  let count = 0;
  return {
    limit,
    register(holder) {
      holders.push(holder);
      // It may hold keys already: the next reservation counts exactly.
      count = Math.max(count, limit);
      return () => {
        const i = holders.indexOf(holder);
        if (i >= 0) holders.splice(i, 1);
      };
    },
    reserve() {
      if (++count <= limit) return;
      let total = 0;
      for (const h of holders) total += h.size();
      while (total + 1 > limit) {
        let from: KeyHolder | undefined;
        let oldest = Infinity;
        for (const h of holders) {
          const t = h.oldest();
          if (t < oldest) {
            from = h;
            oldest = t;
          }
        }
        if (from === undefined) break;
        from.evictOldest();
        total--;
      }
      count = total + 1;
    },
  };
}

/**
 * The {@link KeyHolder} of a stage that keeps one Map per rule, each least recently updated first
 * (so the first entry of each map is its oldest). `timeOf` gives an entry's event time; `evicted`
 * is told of an entry dropped (to count it, or close it).
 */
export function mapsHolder<S, V>(
  states: Map<string, S>,
  mapOf: (state: S) => Map<string, V>,
  timeOf: (value: V) => number,
  evicted: (state: S, key: string, value: V) => void,
): KeyHolder {
  /** The state whose first entry is the oldest of all, with that entry's time. */
  const oldestState = (): [S | undefined, number] => {
    let best: S | undefined;
    let bestTime = Infinity;
    for (const state of states.values()) {
      for (const value of mapOf(state).values()) {
        const t = timeOf(value);
        // A key without a time (NaN) cannot be ordered: it goes first.
        const time = t === t ? t : -Infinity;
        if (best === undefined || time < bestTime) {
          best = state;
          bestTime = time;
        }
        break;
      }
    }
    return [best, bestTime];
  };
  return {
    size() {
      let n = 0;
      for (const state of states.values()) n += mapOf(state).size;
      return n;
    },
    oldest: () => oldestState()[1],
    evictOldest() {
      const [state] = oldestState();
      if (state === undefined) return;
      const map = mapOf(state);
      for (const [key, value] of map) {
        map.delete(key);
        evicted(state, key, value);
        break;
      }
    },
  };
}
