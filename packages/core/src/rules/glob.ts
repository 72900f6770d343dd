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

/** UTF-16 surrogates: `u`-flag regexes read pairs as one code point, `startsWith` does not. */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Compiles globs into one test: whether a string matches any of them, with the answers of
 * {@link globToRegExp}. Most globs in rules are a literal (`system:kube-proxy`) or a literal and
 * a trailing star (`system:serviceaccount:kube-system:*`): those become a set lookup and prefix
 * tests, and only the others run a regex.
 */
export function compileGlobList(globs: readonly string[]): (text: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const regexes: RegExp[] = [];
  for (const glob of globs) {
    if (!/[*?]/.test(glob)) {
      // ^literal$ under the u flag matches the identical string only.
      exact.add(glob);
      continue;
    }
    const prefix = glob.replace(/\*+$/, '');
    if (prefix.length < glob.length && !/[*?]/.test(prefix) && !SURROGATE.test(prefix)) {
      prefixes.push(prefix);
      continue;
    }
    regexes.push(globToRegExp(glob));
  }
  const hasExact = exact.size > 0;
  return (text) => {
    if (hasExact && exact.has(text)) return true;
    for (let i = 0; i < prefixes.length; i++) if (text.startsWith(prefixes[i]!)) return true;
    for (let i = 0; i < regexes.length; i++) if (regexes[i]!.test(text)) return true;
    return false;
  };
}
