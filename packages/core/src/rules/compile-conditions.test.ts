import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../event/audit-event.js';
import { auditEvent } from '../testing/audit-event-builder.js';
import {
  ConditionCompiler,
  conditionProblems,
  jsonPathProblem,
  pathMayThrow,
  sharedConditionProblems,
  type ConditionScope,
} from './compile-conditions.js';
import { createReferenceEngine } from './reference-engine.js';
import type { Condition, RuleSetSpec } from './rule-file.js';

const LISTS = {
  'read-verbs': ['get', 'list', 'watch'],
  'private-cidrs': ['10.0.0.0/8', '192.168.0.0/16'],
  'bad-cidrs': ['10.0.0.0/8', 'nope'],
  'unsafe-patterns': ['^ok$', '(a+)+$'],
};
const SCOPE: ConditionScope = {
  lists: LISTS,
  conditions: {
    'reads-pods': {
      all: [
        { fact: 'objectRef.resource', operator: 'equal', value: 'pods' },
        { fact: 'verb', operator: 'in', value: { fact: 'read-verbs' } },
      ],
    },
  },
};

/** Compiles a top-level condition; fails the test on problems. */
function compile(condition: unknown, scope: ConditionScope = SCOPE) {
  const compiler = new ConditionCompiler(scope);
  const compiled = compiler.compileTopLevel(condition, '/rules/0/conditions');
  expect(compiler.problems).toEqual([]);
  return compiled;
}

type Outcome = boolean | 'error';
function run(test: (e: AuditEvent) => boolean, event: AuditEvent): Outcome {
  try {
    return test(event);
  } catch {
    return 'error';
  }
}

/** What json-rules-engine itself says about the same condition. */
async function reference(condition: unknown, event: AuditEvent): Promise<Outcome> {
  const spec: RuleSetSpec = {
    lists: LISTS,
    conditions: SCOPE.conditions as Record<string, Condition>,
    files: ['test.json'],
    rules: [
      {
        name: 'r',
        title: 'r',
        severity: 'low',
        tags: [],
        enabled: true,
        conditions: condition as RuleSetSpec['rules'][number]['conditions'],
        source: { file: 'test.json', index: 0 },
      },
    ],
  };
  const outcome = (await createReferenceEngine(spec).runEach(event)).get('r');
  return outcome instanceof Error ? 'error' : outcome!;
}

/** Both the compiled condition and json-rules-engine give `expected`. */
async function expectBoth(condition: unknown, event: AuditEvent, expected: Outcome): Promise<void> {
  expect(run(compile(condition).test, event)).toBe(expected);
  expect(await reference(condition, event)).toBe(expected);
}

// A fact test that throws on every event: `in` against a fact reference that is undefined.
const THROWS = { fact: 'verb', operator: 'in', value: { fact: 'objectRef.no.such.field' } };
const FALSE = { fact: 'verb', operator: 'equal', value: 'never' };
const TRUE = { fact: 'verb', operator: 'equal', value: 'get' };

describe('evaluation semantics (checked against json-rules-engine too)', () => {
  const event = auditEvent({ verb: 'get' });

  it('all / any with no child are true; with one child are that child', async () => {
    await expectBoth({ all: [] }, event, true);
    await expectBoth({ any: [] }, event, true);
    await expectBoth({ any: [FALSE] }, event, false);
    await expectBoth({ not: { any: [] } }, event, false);
  });

  it('evaluates every member of a priority group: an error counts even after a decisive false', async () => {
    await expectBoth({ all: [FALSE, THROWS] }, event, 'error');
    await expectBoth({ all: [THROWS, FALSE] }, event, 'error');
    await expectBoth({ any: [TRUE, THROWS] }, event, 'error');
  });

  it('stops between priority groups once decided, highest priority first', async () => {
    await expectBoth({ all: [{ ...FALSE, priority: 2 }, THROWS] }, event, false);
    await expectBoth({ all: [{ ...TRUE, priority: 2 }, THROWS] }, event, 'error');
    await expectBoth({ any: [THROWS, { ...TRUE, priority: 5 }] }, event, true);
    await expectBoth(
      {
        any: [
          { any: [THROWS], priority: 1 },
          { all: [TRUE], priority: 3 },
        ],
      },
      event,
      true,
    );
    // A reference's own priority places it; the shared condition's inside does not matter.
    await expectBoth(
      { all: [{ condition: 'reads-pods', priority: 4 }, THROWS] },
      auditEvent({ objectRef: { resource: 'secrets' } }),
      false,
    );
  });

  it('reads lists, derived facts, fact references and JSONPath like json-rules-engine', async () => {
    const sa = auditEvent({
      user: { username: 'system:serviceaccount:ci:deployer' },
      objectRef: { resource: 'pods', namespace: 'prod' },
    });
    await expectBoth(
      { all: [{ fact: 'serviceAccountNamespace', operator: 'notEqual', value: { fact: 'objectRef.namespace' } }] },
      sa,
      true,
    );
    await expectBoth({ all: [{ fact: 'read-verbs', operator: 'contains', value: 'list' }] }, sa, true);
    await expectBoth(
      { all: [{ fact: 'verb', operator: 'equal', value: { fact: 'read-verbs', path: '$[0]' } }] },
      sa,
      true,
    );
    // path on a non-object: the raw value.
    await expectBoth({ all: [{ fact: 'verb', path: '$.x', operator: 'equal', value: 'get' }] }, sa, true);
    // wrap:false: no match is undefined; one match without array expression is the value itself.
    await expectBoth({ all: [{ fact: 'objectRef', path: '$.missing', operator: 'exists', value: false }] }, sa, true);
    await expectBoth({ all: [{ fact: 'objectRef', path: '$.namespace', operator: 'equal', value: 'prod' }] }, sa, true);
    await expectBoth(
      { all: [{ fact: 'user', path: '$.*', operator: 'contains', value: 'system:serviceaccount:ci:deployer' }] },
      sa,
      true,
    );
    await expectBoth({ condition: 'reads-pods' }, sa, true);
  });
});

describe('mayThrow', () => {
  it('is false for what cannot throw, so siblings may stop early', () => {
    expect(compile({ all: [TRUE, FALSE] }).mayThrow).toBe(false);
    expect(compile({ all: [{ fact: 'verb', operator: 'in', value: ['get'] }] }).mayThrow).toBe(false);
    expect(
      compile({ all: [{ fact: 'objectRef', path: '$.name', operator: 'startsWith', value: 'web' }] }).mayThrow,
    ).toBe(false);
  });

  it('is true for what json-rules-engine can throw on', () => {
    expect(compile({ all: [THROWS] }).mayThrow).toBe(true);
    expect(compile({ all: [{ fact: 'responseStatus.code', operator: 'greaterThan', value: 399 }] }).mayThrow).toBe(
      true,
    );
    expect(
      compile({
        all: [{ fact: 'requestObject', path: '$.spec.containers[?(@.x.y)]', operator: 'exists', value: true }],
      }).mayThrow,
    ).toBe(true);
    expect(compile({ not: { all: [TRUE, THROWS] } }).mayThrow).toBe(true);
  });
});

describe('problems, located by JSON pointer', () => {
  const at = (condition: unknown, scope: ConditionScope = SCOPE) =>
    conditionProblems(condition, scope, '/rules/3/conditions').map((p) => [p.pointer, p.message]);

  it('operators, decorators and values', () => {
    expect(at({ all: [TRUE, { fact: 'verb', operator: 'equals', value: 'x' }] })).toEqual([
      ['/rules/3/conditions/all/1/operator', expect.stringContaining('unknown operator "equals"')],
    ]);
    expect(at({ all: [{ fact: 'verb', operator: 'in', value: 5 }] })).toEqual([
      ['/rules/3/conditions/all/0/value', expect.stringContaining('in needs an array')],
    ]);
    expect(at({ any: [{ fact: 'verb', operator: 'someValue:matches', value: ['^a', '(a+)+$'] }] })).toEqual([
      ['/rules/3/conditions/any/0/value/1', expect.stringContaining('exponentially')],
    ]);
    expect(at({ all: [{ fact: 'sourceIP', operator: 'inCIDR', value: { fact: 'bad-cidrs' } }] })).toEqual([
      ['/rules/3/conditions/all/0/value', expect.stringMatching(/"nope".*\(in list "bad-cidrs" at 1\)/)],
    ]);
    expect(at({ all: [{ fact: 'userAgent', operator: 'matches', value: { fact: 'unsafe-patterns' } }] })).toEqual([
      ['/rules/3/conditions/all/0/value', expect.stringContaining('list "unsafe-patterns" at 1')],
    ]);
    expect(at({ all: [{ fact: 'userAgent', operator: 'glob', value: { fact: 'objectRef.name' } }] })).toEqual([
      ['/rules/3/conditions/all/0/value', expect.stringContaining('known when the rules load')],
    ]);
  });

  it('facts, paths and priorities', () => {
    expect(at({ all: [{ fact: 'user..name', operator: 'exists', value: true }] })).toEqual([
      ['/rules/3/conditions/all/0/fact', expect.stringContaining('empty segment')],
    ]);
    expect(at({ all: [{ fact: 'verb', operator: 'in', value: { fact: 'a.__proto__' } }] })).toEqual([
      ['/rules/3/conditions/all/0/value/fact', expect.stringContaining('forbidden key')],
    ]);
    expect(at({ all: [{ fact: 'requestObject', path: '$[?(@.a ==', operator: 'exists', value: true }] })).toEqual([
      ['/rules/3/conditions/all/0/path', expect.stringContaining('invalid JSONPath')],
    ]);
    expect(at({ all: [{ fact: 'requestObject', path: 7, operator: 'exists', value: true }] })).toEqual([
      ['/rules/3/conditions/all/0/path', expect.stringContaining('must be a JSONPath string')],
    ]);
    expect(at({ all: [{ ...TRUE, priority: 'high' }] })).toEqual([
      ['/rules/3/conditions/all/0/priority', expect.stringContaining('must be a number')],
    ]);
  });

  it('shape', () => {
    expect(at({ fact: 'verb', operator: 'equal', value: 'get' })).toEqual([
      ['/rules/3/conditions', expect.stringContaining('"all", "any", "not" or "condition"')],
    ]);
    expect(at({ not: [TRUE] })).toEqual([['/rules/3/conditions/not', expect.stringContaining('not an array')]]);
    expect(at({ all: {} })).toEqual([['/rules/3/conditions/all', expect.stringContaining('must be an array')]]);
    expect(at({ all: [null, { fact: 'verb', operator: 'equal' }] })).toEqual([
      ['/rules/3/conditions/all/0', expect.stringContaining('must be an object')],
      ['/rules/3/conditions/all/1', expect.stringContaining('missing "value"')],
    ]);
  });

  it('references: unknown names are reported, unless shared conditions are not known yet', () => {
    expect(at({ all: [{ condition: 'reads-pod' }] })).toEqual([
      ['/rules/3/conditions/all/0/condition', expect.stringContaining('unknown shared condition "reads-pod"')],
    ]);
    expect(at({ all: [{ condition: 'defined-elsewhere' }] }, { lists: {}, conditions: undefined })).toEqual([]);
  });

  it('reports every problem at once', () => {
    const problems = at({
      all: [{ fact: 'verb', operator: 'in', value: 1 }, { fact: '', operator: 'x', value: 1 }, { condition: 'nope' }],
    });
    expect(problems.map(([p]) => p)).toEqual([
      '/rules/3/conditions/all/0/value',
      '/rules/3/conditions/all/1/fact',
      '/rules/3/conditions/all/1/operator',
      '/rules/3/conditions/all/2/condition',
    ]);
  });
});

describe('shared conditions', () => {
  it('reports reference cycles, including a condition naming itself', () => {
    const problems = sharedConditionProblems({
      lists: {},
      conditions: {
        a: { all: [{ condition: 'b' }] },
        b: { any: [TRUE, { not: { condition: 'a' } }] },
        self: { condition: 'self' },
        fine: { all: [{ condition: 'b' }] },
      },
    });
    expect(problems).toEqual([
      { pointer: '/conditions/b/any/1/not/condition', message: expect.stringContaining('a -> b -> a') },
      { pointer: '/conditions/self/condition', message: expect.stringContaining('self -> self') },
    ]);
  });

  it('requires all / any / not / condition at their root, as setCondition does', () => {
    expect(sharedConditionProblems({ lists: {}, conditions: { leaf: TRUE as Condition } })).toEqual([
      { pointer: '/conditions/leaf', message: expect.stringContaining('at its root') },
    ]);
  });

  it('are compiled once and shared by every reference', () => {
    const compiler = new ConditionCompiler(SCOPE);
    const a = compiler.compileShared('reads-pods');
    expect(compiler.compileShared('reads-pods')).toBe(a);
  });
});

describe('JSONPath helpers', () => {
  it('jsonPathProblem accepts what jsonpath-plus evaluates and refuses what it never could', () => {
    for (const path of [
      '$.spec.containers[*].image',
      '$..hostPath.path',
      "$['metadata']['name']",
      '$.data.*~',
      '$.spec.containers[?(@.securityContext && @.securityContext.privileged == true)]',
    ]) {
      expect(jsonPathProblem(path)).toBeUndefined();
    }
    expect(jsonPathProblem('$.a[?(@ ==')).toContain('invalid JSONPath');
    expect(jsonPathProblem('$.a.@other()')).toContain('@other()');
  });

  it('pathMayThrow is false only for names, indexes and wildcards', () => {
    expect(pathMayThrow('$.spec.containers[0].image')).toBe(false);
    expect(pathMayThrow("$['a.b'][*]")).toBe(false);
    expect(pathMayThrow('spec.replicas')).toBe(false);
    expect(pathMayThrow('$..image')).toBe(true);
    expect(pathMayThrow('$[?(@.x)]')).toBe(true);
  });
});
