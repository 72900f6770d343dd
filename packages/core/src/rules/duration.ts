/**
 * Durations in rule files: `500ms`, `30s`, `1m`, `1.5h`, `2d`, `1h30m`. One or more
 * `<number><unit>` parts, units largest first and each at most once, so `1h30m` is accepted and
 * the ambiguous-looking `30m1h` or `1m1m` are not.
 */

const UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;

const UNIT_MS: ReadonlyMap<string, number> = new Map(UNITS);
const UNIT_RANK: ReadonlyMap<string, number> = new Map(UNITS.map(([unit], rank) => [unit, rank]));

/**
 * The textual shape of a duration, as a JSON Schema `pattern` (it does not enforce the unit order:
 * {@link parseDuration} does). `ms` comes before `m` so that `500ms` is not read as minutes.
 */
export const DURATION_PATTERN = '^(?:[0-9]+(?:\\.[0-9]+)?(?:ms|s|m|h|d))+$';

const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)/y;

/**
 * Parses a duration into whole milliseconds (rounded), or `undefined` when the text is not one.
 *
 * @example
 * parseDuration('1h30m') // 5_400_000
 * parseDuration('500ms') // 500
 * parseDuration('5 minutes') // undefined
 */
export function parseDuration(text: string): number | undefined {
  if (text.length === 0) return undefined;
  let total = 0;
  let lastRank = -1;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (match === null) return undefined;
    const unit = match[2]!;
    const rank = UNIT_RANK.get(unit)!;
    if (rank <= lastRank) return undefined;
    lastRank = rank;
    total += Number(match[1]) * UNIT_MS.get(unit)!;
  }
  const ms = Math.round(total);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/**
 * Formats milliseconds as the shortest duration {@link parseDuration} reads back to the same value:
 * `5400000` -> `1h30m`, `500` -> `500ms`, `0` -> `0ms`. Fractions of a millisecond are rounded.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  let rest = Math.round(Math.abs(ms));
  const sign = ms < 0 && rest > 0 ? '-' : '';
  if (rest === 0) return '0ms';
  let out = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return sign + out;
}
