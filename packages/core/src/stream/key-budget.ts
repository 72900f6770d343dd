/**
 * One stage's keyed state as a {@link KeyBudget} sees it: threshold groups, sequences in progress,
 * new-term histories or open suppressions, across the stage's rules.
 */
export interface KeyHolder {
  /** Keys held now. */
  size(): number;
  /** Event time of the oldest key held (`-Infinity` for a key without a time), `Infinity` when none. */
  oldest(): number;
  /**
   * Drops the key {@link oldest} last named, counting it as evicted (and closing it, for an open
   * alert); returns what `oldest()` would now. Called only right after `oldest()` or itself, with
   * nothing else changing the holder in between, so it may keep what it found.
   */
  evictOldest(): number;
}

/**
 * A total of keys shared by every stateful stage of a pipeline, whatever the rule: per-rule caps
 * (`maxKeys`) bound each rule, but a library of 25 per-user rules times 100,000 keys is bounded only
 * at hundreds of MB. Past the total, the oldest keys by event time go, whichever stage and rule hold
 * them: down to 99 % of the limit at once, so that the look for the oldest (across every rule's
 * state) is paid once per 1 % of new keys, not per key. Stages call {@link reserve} before they add a
 * key and never report removals: the budget counts up from the last exact count and counts exactly
 * (a sum of map sizes) only once that passes the limit, so the count cannot drift.
 */
export interface KeyBudget {
  /** Keys held at most across all holders. */
  readonly limit: number;
  /** Adds a holder; the function returned removes it (when its stage is unsubscribed). */
  register(holder: KeyHolder): () => void;
  /** Makes room for one more key: drops the oldest keys of all holders when the total would pass the limit. */
  reserve(): void;
}

/** A budget of `limit` keys (at least 1). */
export function createKeyBudget(limit: number): KeyBudget {
  if (!(limit >= 1)) throw new RangeError(`key budget must be at least 1, got ${limit}`);
  const holders: KeyHolder[] = [];
  const slack = Math.floor(limit / 100);
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
      if (total + 1 > limit) {
        // A merge over the holders: only the one evicted from is asked again.
        const times = holders.map((h) => h.oldest());
        const target = Math.max(0, limit - 1 - slack);
        while (total > target) {
          let from = -1;
          for (let i = 0; i < times.length; i++) if (times[i]! < (from < 0 ? Infinity : times[from]!)) from = i;
          if (from < 0) break;
          times[from] = holders[from]!.evictOldest();
          total--;
        }
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
  // A key without a time (NaN) cannot be ordered: it goes first.
  const timeOfEntry = (value: V): number => {
    const t = timeOf(value);
    return t === t ? t : -Infinity;
  };
  /** From the last scan: the state whose first entry is the oldest, and the next oldest first entry's time. */
  let best: S | undefined;
  let second = Infinity;
  const scan = (): number => {
    best = undefined;
    let bestTime = Infinity;
    second = Infinity;
    for (const state of states.values()) {
      const head = mapOf(state).values().next();
      if (head.done === true) continue;
      const time = timeOfEntry(head.value);
      if (best === undefined || time < bestTime) {
        second = bestTime;
        best = state;
        bestTime = time;
      } else if (time < second) {
        second = time;
      }
    }
    return bestTime;
  };
  return {
    size() {
      let n = 0;
      for (const state of states.values()) n += mapOf(state).size;
      return n;
    },
    oldest: scan,
    evictOldest() {
      if (best === undefined && scan() === Infinity) return Infinity;
      const state = best!;
      const map = mapOf(state);
      const head = map.entries().next();
      if (head.done !== true) {
        const [key, value] = head.value;
        map.delete(key);
        evicted(state, key, value);
      }
      // The same state's next entry is still the oldest unless another state's first is older.
      const next = map.values().next();
      if (next.done !== true) {
        const time = timeOfEntry(next.value);
        if (time <= second) return time;
      }
      return scan();
    },
  };
}
