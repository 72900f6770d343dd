/**
 * Glob patterns for the `glob` operator: `*` matches any run of characters (also none, also `/`),
 * `?` exactly one character, and everything else only itself (no escapes, no `[...]` classes, case
 * sensitive). The whole string must match.
 */

const REGEX_SYNTAX = /[\\^$.*+?()[\]{}|/]/g;

/** Regex source matching `text` literally (valid under the `u` flag, which refuses needless escapes). */
function literal(text: string): string {
  return text.replace(REGEX_SYNTAX, '\\$&');
}

/** A `*`-free piece of a glob: literals, and `?` as one code point. */
function segment(text: string): string {
  return text.split('?').map(literal).join('[\\s\\S]');
}

/**
 * Compiles a glob into an anchored RegExp, once, at load time.
 *
 * A naive translation (`*` to `.*`) backtracks polynomially: `*a*a*a*b` against a long run of `a`
 * is O(n^4). Here every piece between two stars is found at its leftmost position inside a
 * lookahead, which JavaScript never backtracks into, and consumed with a backreference. Leftmost is
 * always right for fixed-length pieces (it leaves the most room to the rest), so the match is exact
 * and costs O(input x pattern).
 *
 * @example
 * globToRegExp('system:serviceaccount:kube-system:*').test('system:serviceaccount:kube-system:foo') // true
 * globToRegExp('/var/run/*.sock').source // '^\\/var\\/run\\/[\\s\\S]*\\.sock$'
 */
export function globToRegExp(glob: string): RegExp {
  const pieces = glob.split(/\*+/);
  if (pieces.length === 1) return new RegExp(`^${segment(glob)}$`, 'u');
  let source = `^${segment(pieces[0]!)}`;
  for (let i = 1; i < pieces.length - 1; i++) {
    // Runs of stars were collapsed by the split, so middle pieces are never empty.
    source += `(?=([\\s\\S]*?${segment(pieces[i]!)}))\\${i}`;
  }
  const last = pieces[pieces.length - 1]!;
  // A trailing star accepts whatever is left: no need to reach the end.
  if (last !== '') source += `[\\s\\S]*${segment(last)}$`;
  return new RegExp(source, 'u');
}
