/**
 * Regular expressions for the `matches` operator, refused when they can backtrack catastrophically.
 *
 * Rules run on every audit event and the strings they test (user agents, request URIs, commands)
 * are chosen by whoever sends the request, so a pattern that backtracks super-linearly is a way to
 * stall the server. Policy:
 *
 * - Patterns are JavaScript RegExp sources compiled with the `u` flag (strict syntax: a typo such
 *   as an unescaped `{` is an error instead of a literal). Search is unanchored, like RegExp.test:
 *   anchor with `^` and `$`.
 * - Every pattern is checked by recheck (automaton analysis, fuzzing when the automaton would be too
 *   large). Exponential backtracking: refused. Polynomial of degree 3 or more: refused. Degree 2
 *   (quadratic, e.g. `curl.*http`, which is quadratic only because an unanchored search retries at
 *   every offset) is allowed because the input is capped: matching reads at most
 *   {@link MATCH_INPUT_LIMIT} characters, where a quadratic pattern's worst case measured about
 *   15 ms per test on a 2020s x86 core. A pattern recheck cannot decide (timeout, unsupported
 *   syntax) is refused: it could not be proven safe.
 * - Patterns without any unbounded repetition (`*`, `+`, `{n,}`) cannot backtrack super-linearly
 *   and skip recheck, which costs from 1 to ~200 ms a pattern (plus ~0.5 s to start the first time).
 *   Verdicts are cached for the life of the process, so reloading the same rules is free. The default
 *   library's patterns come with their diagnoses (library-verdicts.ts, made by the same checker
 *   version, checked by a test), so loading the library starts no checker at all.
 * - recheck runs in a child process (see recheck-child.ts), once for all the patterns of a rule set
 *   ({@link vetPatterns}), so its memory is not carried by a long-lived server.
 */
import { LIBRARY_VERDICTS } from './library-verdicts.js';
import { recheckOutOfProcess, recheckVersion, type RecheckDiagnosis } from './recheck-child.js';

/**
 * `matches` tests at most this many leading UTF-16 code units of a string: a longer fact is cut
 * before matching (a pattern anchored with `$` then sees the cut end). Bounds the cost of the
 * quadratic patterns the policy allows.
 */
export const MATCH_INPUT_LIMIT = 4096;

/** The flags every `matches` pattern is compiled with. */
export const MATCH_FLAGS = 'u';

/** Longest accepted pattern source. recheck's time grows with the pattern; rules need far less. */
export const MAX_PATTERN_LENGTH = 1000;

/** How long recheck may think about one pattern before the pattern is refused as undecided. */
export const RECHECK_TIMEOUT_MS = 5000;

/** A compiled pattern, or why it was refused. */
export type SafeRegexResult = { readonly regex: RegExp } | { readonly problem: string };

const verdicts = new Map<string, string | undefined>();
const MAX_CACHED_VERDICTS = 10_000;

/**
 * Compiles a `matches` pattern, or says why it is refused (syntax, or catastrophic backtracking
 * according to the policy above). Never throws.
 *
 * @example
 * compileSafeRegex('^kubectl/') // { regex: /^kubectl\//u }
 * compileSafeRegex('(a+)+$')    // { problem: 'the regular expression "(a+)+$" can backtrack exponentially ...' }
 */
export function compileSafeRegex(source: unknown): SafeRegexResult {
  if (typeof source !== 'string') return { problem: `a regular expression must be a string; got ${typeof source}` };
  if (source.length > MAX_PATTERN_LENGTH) {
    return { problem: `the regular expression is longer than ${MAX_PATTERN_LENGTH} characters` };
  }
  let regex: RegExp;
  try {
    regex = new RegExp(source, MATCH_FLAGS);
  } catch (err) {
    return { problem: `invalid regular expression ${JSON.stringify(source)}: ${(err as Error).message}` };
  }
  const problem = backtrackingProblem(source);
  return problem === undefined ? { regex } : { problem };
}

/** Why `source` backtracks too much (policy above), or `undefined` when it is safe enough. Cached. */
export function backtrackingProblem(source: string): string | undefined {
  if (!hasUnboundedRepetition(source)) return undefined;
  if (!verdicts.has(source)) vetPatterns([source]);
  return verdicts.get(source);
}

/**
 * Checks every pattern not judged yet in one recheck run (one child process), so that compiling a
 * rule set's patterns one by one afterwards finds each verdict cached. Patterns without unbounded
 * repetition need no check and are skipped.
 */
export function vetPatterns(sources: Iterable<string>): void {
  const unjudged = [...new Set(sources)].filter((s) => hasUnboundedRepetition(s) && !verdicts.has(s));
  const shipped = shippedDiagnoses();
  const pending = unjudged.filter((s) => !shipped.has(s));
  const diagnoses = recheckOutOfProcess(pending, MATCH_FLAGS, RECHECK_TIMEOUT_MS);
  if (verdicts.size + unjudged.length > MAX_CACHED_VERDICTS) verdicts.clear();
  pending.forEach((source, i) => verdicts.set(source, verdictOf(source, diagnoses[i]!)));
  for (const source of unjudged) {
    const diagnosis = shipped.get(source);
    if (diagnosis !== undefined) verdicts.set(source, verdictOf(source, diagnosis));
  }
}

let shipped: ReadonlyMap<string, RecheckDiagnosis> | undefined;

/**
 * The library's shipped diagnoses, or none when they were made by another checker version or for
 * other flags than the installed ones: then every pattern goes through the checker again.
 */
function shippedDiagnoses(): ReadonlyMap<string, RecheckDiagnosis> {
  shipped ??= usableDiagnoses(LIBRARY_VERDICTS, recheckVersion(), MATCH_FLAGS);
  return shipped;
}

/**
 * The diagnoses of `table` when it was made by `checker` for `flags`, else an empty map. Only `safe`
 * and `vulnerable` diagnoses are reused: an undecided pattern is checked again.
 */
export function usableDiagnoses(
  table: typeof LIBRARY_VERDICTS,
  checker: string | undefined,
  flags: string,
): ReadonlyMap<string, RecheckDiagnosis> {
  if (checker === undefined || table.checker !== checker || table.flags !== flags) return new Map();
  return new Map(table.diagnoses.filter(([, d]) => d.status === 'safe' || d.status === 'vulnerable'));
}

function verdictOf(source: string, diagnosis: RecheckDiagnosis): string | undefined {
  const quoted = JSON.stringify(source);
  switch (diagnosis.status) {
    case 'safe':
      return undefined;
    case 'vulnerable': {
      const { complexity } = diagnosis;
      if (complexity.type === 'exponential') {
        return `the regular expression ${quoted} can backtrack exponentially (ReDoS); rewrite it without nested or overlapping repetition`;
      }
      if (complexity.degree >= 3) {
        return `the regular expression ${quoted} backtracks in O(n^${complexity.degree}) (ReDoS); only up to quadratic is allowed: avoid several overlapping ".*"`;
      }
      return undefined;
    }
    default:
      return `the regular expression ${quoted} could not be proven safe from catastrophic backtracking (${diagnosis.error}); simplify it`;
  }
}

/**
 * Whether the pattern has `*`, `+` or `{` outside character classes and escapes. Without them every
 * match attempt does work bounded by the pattern alone, so the search is linear in the input. A `{`
 * inside `\p{...}` or a literal brace makes this answer "yes", which only costs a recheck run.
 */
export function hasUnboundedRepetition(source: string): boolean {
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      i++;
    } else if (ch === '[') {
      for (i++; i < source.length && source[i] !== ']'; i++) if (source[i] === '\\') i++;
    } else if (ch === '*' || ch === '+' || ch === '{') {
      return true;
    }
  }
  return false;
}

/**
 * Tests a string with a `matches` pattern: only strings match, and only their first
 * {@link MATCH_INPUT_LIMIT} code units are read.
 */
export function testCapped(regex: RegExp, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  return regex.test(value.length > MATCH_INPUT_LIMIT ? value.slice(0, MATCH_INPUT_LIMIT) : value);
}
