import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { Engine } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import {
  compileComparison,
  DECORATORS,
  ipv4Number,
  KAUDIT_OPERATORS,
  OPERATORS,
  parseOperator,
  type Comparison,
  type ComparisonValue,
  type FactTest,
  type ValueProblem,
} from './operators.js';
import { referenceOperator } from './reference-engine.js';
import { MATCH_INPUT_LIMIT } from './safe-regex.js';

/** Compiles `operator` (decorators allowed) with a literal value; throws on problems. */
function bound(operator: string, value: unknown): FactTest {
  const parsed = parseOperator(operator);
  if ('problem' in parsed) throw new Error(parsed.problem);
  const problems: ValueProblem[] = [];
  const comparison = compileComparison(parsed, { known: true, value }, problems);
  if (comparison === undefined || comparison.kind !== 'bound')
    throw new Error(problems.map((p) => p.problem).join('; '));
  return comparison.test;
}

/** The problems of `operator` with `value`. */
function problemsOf(operator: string, value: unknown, known = true): ValueProblem[] {
  const parsed = parseOperator(operator);
  if ('problem' in parsed) return [{ problem: parsed.problem }];
  const problems: ValueProblem[] = [];
  compileComparison(parsed, known ? { known: true, value } : { known: false }, problems);
  return problems;
}

/** Facts of every shape an event (or an attacker) can produce. */
const ODD_FACTS: unknown[] = [
  undefined,
  null,
  0,
  -0,
  1.5,
  true,
  '',
  'x'.repeat(10_000),
  [],
  [1, 'a', null],
  {},
  { toString: 1, valueOf: 1 },
  Object.create(null),
  [[['deep']]],
];

describe('parseOperator', () => {
  it('splits decorators outermost first, like json-rules-engine', () => {
    const parsed = parseOperator('someFact:not:startsWith');
    expect(parsed).toMatchObject({ decorators: ['someFact', 'not'], operator: { name: 'startsWith' } });
  });

  it('names what is unknown', () => {
    expect(parseOperator('equals')).toEqual({ problem: expect.stringContaining('unknown operator "equals"') });
    expect(parseOperator('sometimes:equal')).toEqual({
      problem: expect.stringContaining('unknown decorator "sometimes"'),
    });
    expect(parseOperator('not:')).toEqual({ problem: expect.stringContaining('unknown operator "" in "not:"') });
    expect(parseOperator(':equal')).toEqual({ problem: expect.stringContaining('unknown operator ":equal"') });
  });
});

describe('built-in operators: values that cannot work are refused at load time', () => {
  it.each([
    ['in', 5, 'needs an array'],
    ['in', 'get', 'substrings'],
    ['notIn', { a: 1 }, 'needs an array'],
    ['equal', ['a'], 'never equals'],
    ['notEqual', {}, 'never equals'],
    ['contains', ['a'], 'never found'],
    ['lessThan', null, 'needs a number'],
    ['greaterThanInclusive', [1], 'needs a number'],
    ['someValue:equal', 'a', 'someValue needs an array'],
    ['everyValue:in', [['a'], 'b'], 'needs an array'],
  ])('%s with %j', (operator, value, message) => {
    const problems = problemsOf(operator, value);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.problem).toContain(message);
  });

  it('locates a bad element under someValue', () => {
    expect(problemsOf('someValue:in', [['a'], 'b'])).toEqual([
      { problem: expect.stringContaining('in needs an array'), at: [1] },
    ]);
  });

  it('accepts what json-rules-engine users write', () => {
    expect(bound('in', ['get', 'list'])('get')).toBe(true);
    expect(bound('notIn', ['get', 'list'])('create')).toBe(true);
    expect(bound('lessThan', '2019-01-01')('2018-10-26T13:38:34Z')).toBe(true); // ISO time compares as text
    expect(bound('greaterThanInclusive', 400)(403)).toBe(true);
    expect(bound('contains', 'system:masters')(['system:masters'])).toBe(true);
    expect(bound('doesNotContain', 'x')('not an array')).toBe(false); // the validator fails first
  });

  it('in with a long list agrees with indexOf (Set path)', () => {
    const values: unknown[] = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? `v${i}` : i));
    const test = bound('in', values);
    for (const fact of ['v0', 'v1', 1, 2, '1', 0, -0, null, undefined, NaN]) {
      expect(test(fact)).toBe(values.indexOf(fact) > -1);
    }
  });
});

describe('startsWith / endsWith', () => {
  it('tests strings against one value or any of several', () => {
    expect(bound('startsWith', 'kubectl/')('kubectl/v1.30.0')).toBe(true);
    expect(bound('startsWith', ['curl/', 'kubectl/'])('kubectl/v1.30.0')).toBe(true);
    expect(bound('startsWith', ['curl/', 'wget/'])('kubectl/v1.30.0')).toBe(false);
    expect(bound('endsWith', '/leader-election')('kube-scheduler/v1.32.2 kubernetes/67a30c0/leader-election')).toBe(
      true,
    );
    expect(bound('endsWith', [])('anything')).toBe(false);
  });

  it('is false for anything that is not a string', () => {
    for (const op of ['startsWith', 'endsWith']) {
      const test = bound(op, '');
      for (const fact of ODD_FACTS) expect(test(fact)).toBe(typeof fact === 'string');
    }
  });

  it('refuses values that are not strings', () => {
    expect(problemsOf('startsWith', 5)[0]!.problem).toContain('needs a string or an array of strings');
    expect(problemsOf('endsWith', ['a', 2])).toEqual([{ problem: expect.stringContaining('needs strings'), at: [1] }]);
  });
});

describe('matches', () => {
  it('searches unanchored, with the u flag', () => {
    expect(bound('matches', '(curl|wget)/')('Mozilla curl/8.0')).toBe(true);
    expect(bound('matches', '^(curl|wget)/')('Mozilla curl/8.0')).toBe(false);
    expect(bound('matches', ['^a$', '^b$'])('b')).toBe(true);
    expect(bound('matches', '^.$')('😀')).toBe(true); // one code point, thanks to u
  });

  it('reads only the first MATCH_INPUT_LIMIT characters', () => {
    const test = bound('matches', 'needle');
    expect(test('x'.repeat(MATCH_INPUT_LIMIT - 6) + 'needle')).toBe(true);
    expect(test('x'.repeat(MATCH_INPUT_LIMIT) + 'needle')).toBe(false);
    expect(bound('matches', 'x$')('x'.repeat(MATCH_INPUT_LIMIT) + 'y')).toBe(true); // sees the cut end
  });

  it('refuses invalid and catastrophic patterns, locating the element', () => {
    expect(problemsOf('matches', '[')[0]!.problem).toContain('invalid regular expression');
    expect(problemsOf('matches', '\\-')[0]!.problem).toContain('invalid regular expression'); // u flag: no needless escapes
    expect(problemsOf('matches', ['ok', '(a+)+$'])).toEqual([
      { problem: expect.stringContaining('exponentially'), at: [1] },
    ]);
    expect(problemsOf('matches', '^.*a.*a.*$')[0]!.problem).toContain('O(n^3)');
    expect(problemsOf('matches', 7)[0]!.problem).toContain('needs a string');
  });

  it('refuses a pattern known only per event (from event data)', () => {
    expect(problemsOf('matches', undefined, false)[0]!.problem).toContain('known when the rules load');
    expect(problemsOf('swap:matches', 'abc')[0]!.problem).toContain('known when the rules load');
  });

  it('is false for anything that is not a string', () => {
    const test = bound('matches', '');
    for (const fact of ODD_FACTS) expect(test(fact)).toBe(typeof fact === 'string');
  });
});

describe('glob', () => {
  it('matches whole strings with * and ?, everything else literal', () => {
    expect(bound('glob', 'system:serviceaccount:kube-system:*')('system:serviceaccount:kube-system:x')).toBe(true);
    expect(bound('glob', 'system:serviceaccount:kube-system:*')('xsystem:serviceaccount:kube-system:x')).toBe(false);
    expect(bound('glob', ['/proc*', '/var/run/*.sock'])('/var/run/docker.sock')).toBe(true);
    expect(bound('glob', 'a.c')('abc')).toBe(false);
    expect(bound('glob', 'a?c')('abc')).toBe(true);
  });

  it('is false for anything that is not a string', () => {
    const test = bound('glob', '*');
    for (const fact of ODD_FACTS) expect(test(fact)).toBe(typeof fact === 'string');
  });

  it('refuses non-strings and patterns from event data', () => {
    expect(problemsOf('glob', [1])).toEqual([{ problem: expect.stringContaining('needs strings'), at: [0] }]);
    expect(problemsOf('glob', undefined, false)[0]!.problem).toContain('known when the rules load');
  });
});

describe('intersects', () => {
  const test = bound('intersects', ['system:masters', 'cluster-admins', 3, null]);

  it('compares an array fact element by element, a scalar fact as one element', () => {
    expect(test(['system:authenticated', 'system:masters'])).toBe(true);
    expect(test(['system:authenticated'])).toBe(false);
    expect(test('cluster-admins')).toBe(true);
    expect(test(3)).toBe(true);
    expect(test('3')).toBe(false);
    expect(test(null)).toBe(true);
    expect(test(undefined)).toBe(false);
    expect(test([])).toBe(false);
    expect(test([['system:masters']])).toBe(false);
  });

  it('never throws and refuses unusable values', () => {
    for (const fact of ODD_FACTS) expect(typeof test(fact)).toBe('boolean');
    expect(problemsOf('intersects', 'a')[0]!.problem).toContain('needs an array');
    expect(problemsOf('intersects', ['a', {}])).toEqual([{ problem: expect.stringContaining('never found'), at: [1] }]);
  });
});

describe('exists', () => {
  it('tells absent (undefined) from present (null included)', () => {
    expect(bound('exists', true)(null)).toBe(true);
    expect(bound('exists', true)(undefined)).toBe(false);
    expect(bound('exists', false)(undefined)).toBe(true);
    expect(bound('exists', false)('')).toBe(false);
    expect(problemsOf('exists', 'yes')[0]!.problem).toContain('true or false');
  });
});

describe('inCIDR', () => {
  const test = bound('inCIDR', ['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '::ffff:172.16.0.0/108']);

  it('matches IPv4 and IPv6 addresses against ranges of their kind', () => {
    expect(test('10.1.2.3')).toBe(true);
    expect(test('11.1.2.3')).toBe(false);
    expect(test('192.168.1.7')).toBe(true); // a bare address is a /32
    expect(test('192.168.1.8')).toBe(false);
    expect(test('fd12:3456::1')).toBe(true);
    expect(test('fe80::1')).toBe(false);
    expect(test('fd00::1%eth0')).toBe(true);
  });

  it('treats IPv4-mapped IPv6 as IPv4, on both sides', () => {
    expect(test('::ffff:10.9.8.7')).toBe(true);
    expect(test('::ffff:0a09:0807')).toBe(true);
    expect(test('172.16.5.5')).toBe(true); // from the mapped range ::ffff:172.16.0.0/108 = 172.16.0.0/12
    expect(test('172.32.0.1')).toBe(false);
  });

  it('is false for invalid and non-canonical addresses', () => {
    for (const fact of [
      '10.1',
      '010.0.0.1',
      '0x0a.0.0.1',
      '10.0.0.1 ',
      ' 10.0.0.1',
      '10.0.0.256',
      '::ffff:0x0a.0.0.1',
      '1::2::3',
      'localhost',
      '',
    ]) {
      expect(test(fact)).toBe(false);
    }
    for (const fact of ODD_FACTS) expect(test(fact)).toBe(false);
  });

  it('reads dotted text exactly as ipaddr.js reads four-part decimal IPv4, inside every prefix length', () => {
    // The oracle: ipaddr.js's own validation, parse and match.
    const reference = (text: string, range: string): boolean => {
      if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return false;
      const [address, bits] = ipaddr.parseCIDR(range);
      return ipaddr.IPv4.parse(text).match(address as ipaddr.IPv4, bits);
    };
    // Few octet values, so that addresses often fall inside the ranges.
    const octet = fc.constantFrom(0, 10, 127, 128, 192, 255);
    const part = fc.oneof(
      octet.map(String),
      fc.integer({ min: 0, max: 255 }).map(String),
      fc.constantFrom('256', '999', '1000', '00', '01', '007', '', 'x', '0x1', '-1', '1e2', ' 1'),
    );
    const text = fc.oneof(
      fc.array(octet, { minLength: 4, maxLength: 4 }).map((os) => os.join('.')),
      fc.array(part, { minLength: 4, maxLength: 4 }).map((ps) => ps.join('.')),
      fc.array(part, { minLength: 1, maxLength: 6 }).map((ps) => ps.join('.')),
      fc.string({ maxLength: 16 }),
    );
    const range = fc
      .tuple(
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 0, max: 32 }),
      )
      .map(([octets, bits]) => `${octets.join('.')}/${bits}`);
    let inside = 0;
    fc.assert(
      fc.property(text, range, (t, r) => {
        const expected = reference(t, r);
        if (expected) inside++;
        expect(bound('inCIDR', r)(t)).toBe(expected);
        expect(ipv4Number(t) >= 0).toBe(ipaddr.IPv4.isValidFourPartDecimal(t));
      }),
      { numRuns: 3000 },
    );
    expect(inside).toBeGreaterThan(50);
    expect(bound('inCIDR', '10.0.0.0/8')('10.255.255.255')).toBe(true);
    expect(bound('inCIDR', '0.0.0.0/0')('255.255.255.255')).toBe(true);
    expect(bound('inCIDR', '255.255.255.255/32')('255.255.255.255')).toBe(true);
    expect(bound('inCIDR', '128.0.0.0/1')('127.255.255.255')).toBe(false);
  });

  it('refuses bad CIDRs at load time, locating the element', () => {
    expect(problemsOf('inCIDR', ['10.0.0.0/8', '10.0.0.0/33'])).toEqual([
      { problem: expect.stringContaining('prefix length'), at: [1] },
    ]);
    expect(problemsOf('inCIDR', '10.0.0/8')[0]!.problem).toContain('not an IPv4 or IPv6');
    expect(problemsOf('inCIDR', 'fd00::/129')[0]!.problem).toContain('prefix length');
    expect(problemsOf('inCIDR', '10.0.0.0/08')[0]!.problem).toContain('prefix length');
    expect(problemsOf('inCIDR', 10)[0]!.problem).toContain('needs a string');
  });
});

describe("kaudit's operators never throw", () => {
  it('on any fact, with each operator, bound or evaluated per event', () => {
    const values: Record<string, unknown> = {
      startsWith: 'a',
      endsWith: ['a'],
      matches: 'a',
      glob: 'a*',
      intersects: ['a', 1],
      exists: true,
      inCIDR: '10.0.0.0/8',
    };
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.constantFrom(...ODD_FACTS)), fc.jsonValue(), (fact, runtimeValue) => {
        for (const op of KAUDIT_OPERATORS) {
          expect(typeof bound(op.name, values[op.name])(fact)).toBe('boolean');
          if (op.evaluate) expect(typeof op.evaluate(fact, runtimeValue)).toBe('boolean');
        }
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Against json-rules-engine's own OperatorMap: same answers, and errors exactly when it throws.

type JreOperator = { evaluate(fact: unknown, value: unknown): boolean };
function jreOperators(): { get(name: string): JreOperator | null } {
  const engine = new Engine();
  for (const op of KAUDIT_OPERATORS) engine.addOperator(op.name, referenceOperator(op));
  return (engine as unknown as { operators: { get(name: string): JreOperator | null } }).operators;
}

type Outcome = { ok: boolean } | { threw: true };
function outcome(run: () => boolean): Outcome {
  try {
    const ok = run();
    expect(typeof ok).toBe('boolean');
    return { ok };
  } catch {
    return { threw: true };
  }
}

describe('decorated operators agree with json-rules-engine', () => {
  const jre = jreOperators();
  const names = [...OPERATORS.keys()];
  const operatorName = fc
    .tuple(fc.array(fc.constantFrom(...DECORATORS), { maxLength: 3 }), fc.constantFrom(...names))
    .map(([decorators, base]) => [...decorators, base].join(':'));
  const scalar = fc.oneof(
    fc.constantFrom(
      'get',
      'list',
      'system:masters',
      'kubectl/v1',
      '10.1.2.3',
      '::ffff:10.0.0.1',
      'a*',
      '^k',
      '10.0.0.0/8',
      '',
      '5',
      'abc',
    ),
    fc.integer({ min: -3, max: 500 }),
    fc.boolean(),
    fc.constant(null),
  );
  const value = fc.oneof(
    scalar,
    fc.array(scalar, { maxLength: 4 }),
    fc.array(fc.array(scalar, { maxLength: 3 }), { maxLength: 3 }),
    fc.jsonValue(),
  );
  const fact = fc.oneof(value, fc.constantFrom(...ODD_FACTS));

  it('with values bound at load time (both answer, or both throw)', () => {
    let compared = 0;
    fc.assert(
      fc.property(operatorName, fact, value, (name, f, v) => {
        const parsed = parseOperator(name);
        if ('problem' in parsed) return;
        const comparison: Comparison | undefined = compileComparison(parsed, { known: true, value: v }, []);
        if (comparison === undefined) return; // refused at load time: never runs
        const reference = jre.get(name)!;
        const test = comparison.kind === 'bound' ? comparison.test : (x: unknown) => comparison.evaluate(x, v);
        const expected = outcome(() => reference.evaluate(f, v));
        const actual = outcome(() => test(f));
        expect(actual).toEqual(expected);
        if ('threw' in actual) expect(comparison.mayThrow).toBe(true);
        compared++;
      }),
      { numRuns: 4000 },
    );
    expect(compared).toBeGreaterThan(1000);
  });

  it('with values known only per event (fact references)', () => {
    let compared = 0;
    fc.assert(
      fc.property(operatorName, fact, fact, (name, f, v) => {
        const parsed = parseOperator(name);
        if ('problem' in parsed) return;
        const unknown: ComparisonValue = { known: false };
        const comparison = compileComparison(parsed, unknown, []);
        if (comparison === undefined) return;
        expect(comparison.kind).toBe('runtime');
        if (comparison.kind !== 'runtime') return;
        const expected = outcome(() => jre.get(name)!.evaluate(f, v));
        const actual = outcome(() => comparison.evaluate(f, v));
        expect(actual).toEqual(expected);
        if ('threw' in actual) expect(comparison.mayThrow).toBe(true);
        compared++;
      }),
      { numRuns: 3000 },
    );
    expect(compared).toBeGreaterThan(1000);
  });
});
