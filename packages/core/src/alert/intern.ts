/** Options of {@link createInternTable}. */
export interface InternTableOptions {
  /** Distinct strings held at most; when full, the table starts afresh. Default 4,096. */
  maxEntries?: number;
  /** Longer strings are returned as they are (they are rarely repeated). Default 256. */
  maxLength?: number;
}

/** A bounded intern table: `intern` returns one shared copy of each equal string it is given. */
export interface InternTable {
  intern(value: string): string;
  /** Distinct strings held now (at most `maxEntries`). */
  readonly size: number;
}

/**
 * A bounded intern table. JSON.parse makes a new copy of every string of every event, so the
 * summaries kept in windows and alerts would otherwise hold thousands of copies of "get",
 * "ResponseComplete", "secrets" or the same user agent. Interning keeps one. The table is bounded
 * (a high-cardinality field must not turn it into a leak): when it holds `maxEntries` strings it is
 * cleared and fills again with what is current, so its cost stays constant whatever the traffic.
 *
 * @example
 * const intern = createInternTable({ maxEntries: 1000 });
 * const verb = intern.intern(JSON.parse('"get"')); // later equal strings return this same object
 */
export function createInternTable(options: InternTableOptions = {}): InternTable {
  const maxEntries = options.maxEntries ?? 4096;
  const maxLength = options.maxLength ?? 256;
  let table = new Map<string, string>();
  return {
    intern(value) {
      if (value.length > maxLength) return value;
      const held = table.get(value);
      if (held !== undefined) return held;
      if (table.size >= maxEntries) table = new Map();
      table.set(value, value);
      return value;
    },
    get size() {
      return table.size;
    },
  };
}

/**
 * The process-wide table for the low-cardinality fields of event summaries (verb, stage, resource,
 * namespace, user agent, source address, decision, groups). Strings are immutable, so sharing them
 * across pipelines is safe.
 */
const summaryTable = createInternTable();

/** Interns one summary string through the process-wide table. */
export const internSummaryText = (value: string): string => summaryTable.intern(value);
