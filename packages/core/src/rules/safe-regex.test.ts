import { describe, expect, it } from 'vitest';
import {
  backtrackingProblem,
  compileSafeRegex,
  hasUnboundedRepetition,
  MATCH_INPUT_LIMIT,
  MAX_PATTERN_LENGTH,
  testCapped,
  vetPatterns,
} from './safe-regex.js';
import { matchPatterns } from './match-patterns.js';
import { recheckRuns } from './recheck-child.js';

function problem(source: unknown): string | undefined {
  const result = compileSafeRegex(source);
  return 'problem' in result ? result.problem : undefined;
}

describe('compileSafeRegex', () => {
  it.each([
    '^system:node:[a-z0-9.-]+$',
    '\\b(bash|sh|zsh|dash)\\b',
    '^/api/v1/namespaces/[^/]+/secrets',
    '^\\d+(\\.\\d+)*$',
    '(curl|wget)/', // no repetition at all: no recheck needed
    'curl.*http', // quadratic (unanchored search): allowed, the input is capped
    '^(.*)=(.*)$', // quadratic: allowed
  ])('accepts %s', (source) => {
    expect(problem(source)).toBeUndefined();
  });

  it.each([
    ['(a+)+$', 'exponentially'],
    ['^(a|a)*$', 'exponentially'],
    ['(\\w+\\s?)*$', 'exponentially'],
    ['^.*a.*a.*$', 'O(n^3)'],
    ['.*.*.*=.*', 'O(n^4)'],
  ])('refuses %s (%s)', (source, words) => {
    expect(problem(source)).toContain(words);
  });

  it('refuses invalid syntax under the u flag, non-strings and huge patterns', () => {
    expect(problem('(')).toContain('invalid regular expression');
    expect(problem('a{')).toContain('invalid regular expression'); // a literal brace without u, an error with it
    expect(problem(42)).toContain('must be a string');
    expect(problem('a'.repeat(MAX_PATTERN_LENGTH + 1))).toContain('longer than');
  });

  it('caches verdicts: a second load of the same pattern does not run recheck again', () => {
    const source = '^kaudit-cache-probe-[a-z]+x*$';
    const first = backtrackingProblem(source);
    const runs = recheckRuns.count;
    expect(backtrackingProblem(source)).toBe(first);
    expect(compileSafeRegex(source)).toHaveProperty('regex');
    expect(recheckRuns.count).toBe(runs);
  });

  it('vets a batch of patterns in one checker run, then compiles each from the cache', () => {
    const batch = ['^batch-a-[a-z]+$', '^(b+)+c-batch$', 'batch-c.*x.*y.*z', 'no-repetition'];
    const runs = recheckRuns.count;
    vetPatterns(batch);
    expect(recheckRuns.count).toBe(runs + 1);
    expect(problem(batch[0])).toBeUndefined();
    expect(problem(batch[1])).toContain('exponentially');
    expect(problem(batch[2])).toContain('O(n^4)');
    expect(problem(batch[3])).toBeUndefined();
    expect(recheckRuns.count).toBe(runs + 1);
    vetPatterns(batch); // all judged already: no run at all
    expect(recheckRuns.count).toBe(runs + 1);
  });
});

describe('hasUnboundedRepetition', () => {
  it.each([
    ['abc', false],
    ['^(get|list)$', false],
    ['a?b??', false],
    ['\\*\\+\\{', false],
    ['[*+{]', false],
    ['[\\]*]x', false],
    ['a*', true],
    ['(ab)+', true],
    ['a{2,}', true],
    ['[a]*', true],
    ['\\p{L}', true], // conservative: a recheck run, never a wrong "safe"
  ])('%s -> %s', (source, expected) => {
    expect(hasUnboundedRepetition(source)).toBe(expected);
  });
});

describe('testCapped', () => {
  it('only matches strings, and only their first MATCH_INPUT_LIMIT code units', () => {
    const regex = /z/u;
    expect(testCapped(regex, 'z')).toBe(true);
    expect(testCapped(regex, ['z'])).toBe(false);
    expect(testCapped(regex, { toString: () => 'z' })).toBe(false);
    expect(testCapped(regex, 'a'.repeat(MATCH_INPUT_LIMIT) + 'z')).toBe(false);
  });

  it('keeps an allowed quadratic pattern fast on the worst input the cap lets through', () => {
    const compiled = compileSafeRegex('\\s*a\\s*$');
    if (!('regex' in compiled)) throw new Error(compiled.problem);
    const attack = ' '.repeat(100_000); // recheck's attack shape for this pattern, far over the cap
    testCapped(compiled.regex, attack); // warm up
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) expect(testCapped(compiled.regex, attack)).toBe(false);
    const perTest = (performance.now() - t0) / 3;
    // ~15 ms measured on a laptop core; uncapped this input takes seconds. Generous for slow CI.
    expect(perTest).toBeLessThan(150);
  });
});

describe('matchPatterns', () => {
  it('collects literal patterns and the lists that matches operators name, across documents', () => {
    const rules = {
      rules: [
        {
          name: 'r',
          conditions: {
            all: [
              { fact: 'userAgent', operator: 'matches', value: '^curl/.*' },
              { fact: 'requestURI', operator: 'not:matches', value: ['/a+', '/b+'] },
              { fact: 'user.username', operator: 'matches', value: { fact: 'odd-users' } },
              { fact: 'verb', operator: 'in', value: ['get.*'] },
            ],
          },
        },
      ],
    };
    const lists = { lists: { 'odd-users': ['^x-.*'], unrelated: ['^y-.*'] } };
    const profile = { profile: 'p', lists: { 'odd-users': ['^z-.*'] } };
    expect(matchPatterns([rules, lists, profile]).sort()).toEqual(['/a+', '/b+', '^curl/.*', '^x-.*', '^z-.*']);
    expect(matchPatterns([null, 'text', 42, { rules: 'not an array' }])).toEqual([]);
  });
});
