import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlobList, globToRegExp } from './glob.js';

/** The textbook definition, by dynamic programming over code points: the oracle. */
function globMatches(glob: string, text: string): boolean {
  const g = [...glob];
  const t = [...text];
  // row[j]: does g[0..i) match t[0..j)?
  let row = Array<boolean>(t.length + 1).fill(false);
  row[0] = true;
  for (const ch of g) {
    const next = Array<boolean>(t.length + 1).fill(false);
    if (ch === '*') {
      let any = false;
      for (let j = 0; j <= t.length; j++) next[j] = any ||= row[j]!;
    } else {
      for (let j = 1; j <= t.length; j++) next[j] = row[j - 1]! && (ch === '?' || ch === t[j - 1]);
    }
    row = next;
  }
  return row[t.length]!;
}

describe('globToRegExp', () => {
  it('matches whole strings: * any run (also empty, also /), ? one character', () => {
    const cases: Array<[string, string, boolean]> = [
      ['/api/v1/namespaces/*/secrets', '/api/v1/namespaces/default/secrets', true],
      ['/api/v1/namespaces/*/secrets', '/api/v1/namespaces/a/b/secrets', true],
      ['/api/v1/namespaces/*/secrets', '/api/v1/namespaces/default/secrets/x', false],
      ['*', '', true],
      ['a*', 'a', true],
      ['*a', 'ba', true],
      ['*a', 'ab', false],
      ['a*b*c', 'aXbYc', true],
      ['a*b*c', 'acb', false],
      ['ab*ba', 'aba', false], // the two ends may not overlap
      ['ab*ba', 'abba', true],
      ['?', '😀', true], // one code point
      ['??', '😀', false],
      ['a?c', 'ac', false],
      ['*x*x*', 'xx', true],
      ['*x*x*', 'x', false],
    ];
    for (const [glob, text, expected] of cases)
      expect([glob, text, globToRegExp(glob).test(text)]).toEqual([glob, text, expected]);
  });

  it('takes every regex metacharacter literally', () => {
    const metas = '\\^$.|+()[]{}/-';
    for (const ch of metas) {
      const regex = globToRegExp(`a${ch}b`);
      expect(regex.test(`a${ch}b`)).toBe(true);
      expect(regex.test('axb')).toBe(false);
    }
    expect(globToRegExp('[abc]').test('a')).toBe(false);
    expect(globToRegExp('[abc]').test('[abc]')).toBe(true);
    expect(globToRegExp('a.b').test('a.b')).toBe(true);
    expect(globToRegExp('a\\*').test('a\\anything')).toBe(true); // no escapes: \ is literal, * still a wildcard
    expect(globToRegExp('(x)+').test('(x)+')).toBe(true);
    expect(globToRegExp('^$').test('^$')).toBe(true);
    expect(globToRegExp('^$').test('')).toBe(false);
  });

  it('agrees with the textbook definition on random globs and strings', () => {
    const alphabet = fc.constantFrom('a', 'b', '*', '?', '.', '\\', '[', '😀');
    const glob = fc.array(alphabet, { maxLength: 10 }).map((cs) => cs.join(''));
    const text = fc
      .array(fc.constantFrom('a', 'b', '.', '\\', '[', '😀', '*'), { maxLength: 14 })
      .map((cs) => cs.join(''));
    let matched = 0;
    fc.assert(
      fc.property(glob, text, (g, t) => {
        const expected = globMatches(g, t);
        if (expected) matched++;
        expect(globToRegExp(g).test(t)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
    expect(matched).toBeGreaterThan(100); // the generator does produce matches
  });

  it('stays linear-ish on inputs that make a naive .* translation explode', () => {
    const glob = '*a*a*a*a*a*a*b';
    const text = 'a'.repeat(20_000);
    const regex = globToRegExp(glob);
    const t0 = performance.now();
    expect(regex.test(text)).toBe(false);
    expect(regex.test(text + 'b')).toBe(true);
    // A naive ^.*a.*a.*a.*a.*a.*a.*b$ needs O(n^7) steps here: it would not finish.
    expect(performance.now() - t0).toBeLessThan(200);
  });
});

describe('compileGlobList', () => {
  it('matches a string when any glob matches it, literals and trailing stars included', () => {
    // Lone surrogates: a u-flag regex reads a pair as one code point, where startsWith would not.
    const alphabet = fc.constantFrom('a', 'b', '*', '?', ':', '😀', '\uD83D', '\uDE00');
    const glob = fc.oneof(
      fc.array(alphabet, { maxLength: 6 }).map((cs) => cs.join('')),
      fc.array(fc.constantFrom('a', 'b', ':', '\uD83D'), { maxLength: 4 }).map((cs) => cs.join('') + '*'),
      fc.array(fc.constantFrom('a', 'b', ':'), { maxLength: 4 }).map((cs) => cs.join('')),
    );
    const text = fc
      .array(fc.constantFrom('a', 'b', ':', '😀', '\uD83D', '\uDE00', '*'), { maxLength: 8 })
      .map((cs) => cs.join(''));
    let matched = 0;
    fc.assert(
      fc.property(fc.array(glob, { maxLength: 4 }), text, (globs, t) => {
        const expected = globs.some((g) => globMatches(g, t));
        if (expected) matched++;
        expect(compileGlobList(globs)(t)).toBe(expected);
        expect(globs.some((g) => globToRegExp(g).test(t))).toBe(expected);
      }),
      { numRuns: 5000 },
    );
    expect(matched).toBeGreaterThan(500);
    expect(compileGlobList(['a\uD83D*'])('a😀')).toBe(false);
    expect(compileGlobList(['*'])('')).toBe(true);
    expect(compileGlobList([])('')).toBe(false);
  });
});
