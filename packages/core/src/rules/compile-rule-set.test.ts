import { describe, expect, it, vi } from 'vitest';
import { KauditError } from '../errors.js';
import { auditEvent } from '../testing/audit-event-builder.js';
import { compileRuleSet, ruleSetProblems, type CompiledRule } from './compile-rule-set.js';
import type { RuleSetSpec, RuleSpec, TopLevelCondition } from './rule-file.js';
import { RulesError } from './rule-problem.js';

function rule(
  name: string,
  conditions: TopLevelCondition,
  extra: Partial<RuleSpec> = {},
  index = 0,
  file = 'rules/a.json',
): RuleSpec {
  return {
    name,
    title: name,
    severity: 'high',
    tags: [],
    enabled: true,
    conditions,
    source: { file, index },
    ...extra,
  };
}

function ruleSet(rules: RuleSpec[], extra: Partial<RuleSetSpec> = {}): RuleSetSpec {
  return { lists: {}, conditions: {}, files: ['rules/a.json'], rules, ...extra };
}

const secretRead = rule('secret-read', {
  all: [
    { fact: 'objectRef.resource', operator: 'equal', value: 'secrets' },
    { fact: 'verb', operator: 'in', value: { fact: 'read-verbs' } },
  ],
});

describe('compileRuleSet', () => {
  const spec = ruleSet(
    [
      secretRead,
      rule('any-get', { all: [{ fact: 'verb', operator: 'equal', value: 'get' }] }, {}, 1),
      rule('disabled-get', { all: [{ fact: 'verb', operator: 'equal', value: 'get' }] }, { enabled: false }, 2),
    ],
    { lists: { 'read-verbs': ['get', 'list', 'watch'] } },
  );
  const compiled = compileRuleSet(spec);

  it('pushes the enabled rules that match, in order, and counts them', () => {
    const out: CompiledRule[] = [];
    expect(compiled.match(auditEvent({ verb: 'get', objectRef: { resource: 'secrets' } }), out)).toBe(2);
    expect(out.map((r) => r.name)).toEqual(['secret-read', 'any-get']);
    expect(compiled.match(auditEvent({ verb: 'list', objectRef: { resource: 'secrets' } }), out)).toBe(1);
    expect(out.map((r) => r.name)).toEqual(['secret-read', 'any-get', 'secret-read']);
    expect(compiled.match(auditEvent({ verb: 'delete' }), out)).toBe(0);
  });

  it('keeps disabled rules in `rules` (their test still works) and their specs', () => {
    expect(compiled.rules.map((r) => r.name)).toEqual(['secret-read', 'any-get', 'disabled-get']);
    expect(compiled.rules[2]!.test(auditEvent({ verb: 'get' }))).toBe(true);
    expect(compiled.rules[0]!.spec).toBe(secretRead);
    expect(compiled.spec).toBe(spec);
  });
});

describe('problems', () => {
  const bad = ruleSet(
    [
      rule('ok', { all: [{ fact: 'verb', operator: 'equal', value: 'get' }] }, {}, 0, 'rules/a.json'),
      rule('bad-in', { all: [{ fact: 'verb', operator: 'in', value: 5 }] }, {}, 4, 'rules/b.json'),
      rule(
        'bad-regex',
        { any: [{ fact: 'userAgent', operator: 'matches', value: ['^ok', '(a|a)*$'] }, { condition: 'missing' }] },
        {},
        1,
        'rules/c.json',
      ),
    ],
    {
      files: ['rules/a.json'],
      conditions: {
        loop: { all: [{ condition: 'loop' }] },
        'bad-cidr': { all: [{ fact: 'sourceIP', operator: 'inCIDR', value: '300.0.0.0/8' }] },
      },
    },
  );

  it('ruleSetProblems lists every problem with file, rule and pointer, without throwing', () => {
    expect(ruleSetProblems(bad)).toEqual([
      {
        file: 'rules/a.json',
        pointer: '/conditions/loop/all/0/condition',
        message: expect.stringContaining('loop -> loop'),
      },
      {
        file: 'rules/a.json',
        pointer: '/conditions/bad-cidr/all/0/value',
        message: expect.stringContaining('"300.0.0.0/8"'),
      },
      {
        file: 'rules/b.json',
        rule: 'bad-in',
        pointer: '/rules/4/conditions/all/0/value',
        message: expect.stringContaining('in needs an array'),
      },
      {
        file: 'rules/c.json',
        rule: 'bad-regex',
        pointer: '/rules/1/conditions/any/0/value/1',
        message: expect.stringContaining('exponentially'),
      },
      {
        file: 'rules/c.json',
        rule: 'bad-regex',
        pointer: '/rules/1/conditions/any/1/condition',
        message: expect.stringContaining('unknown shared condition "missing"'),
      },
    ]);
    expect(ruleSetProblems(ruleSet([secretRead], { lists: { 'read-verbs': ['get'] } }))).toEqual([]);
  });

  it('compileRuleSet throws a RulesError carrying them', () => {
    let error: unknown;
    try {
      compileRuleSet(bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RulesError);
    expect(error).toBeInstanceOf(KauditError);
    const rulesError = error as RulesError;
    expect(rulesError.code).toBe('invalid_rules');
    expect(rulesError.component).toBe('rules');
    expect(rulesError.problems).toEqual(ruleSetProblems(bad));
    expect(rulesError.message).toContain('5 problems');
    expect(rulesError.message).toContain('rules/b.json#/rules/4/conditions/all/0/value (rule bad-in)');
  });
});

describe('unknown facts', () => {
  it('refuses a misspelled list or field instead of reading a missing field on every event', () => {
    const spec = ruleSet(
      [
        rule('typo-list', { all: [{ fact: 'verb', operator: 'in', value: { fact: 'read-verb' } }] }),
        rule('typo-field', { all: [{ fact: 'objetRef.resource', operator: 'equal', value: 'secrets' }] }, {}, 1),
      ],
      { lists: { 'read-verbs': ['get'] } },
    );
    expect(ruleSetProblems(spec)).toEqual([
      {
        file: 'rules/a.json',
        rule: 'typo-list',
        pointer: '/rules/0/conditions/all/0/value/fact',
        message:
          'unknown fact "read-verb": not a list of the rule set, a derived fact, or a field of an audit event (did you mean "read-verbs"?)',
      },
      {
        file: 'rules/a.json',
        rule: 'typo-field',
        pointer: '/rules/1/conditions/all/0/fact',
        message: expect.stringContaining('(did you mean "objectRef"?)'),
      },
    ]);
  });

  it('accepts lists, derived facts, and any path under an audit event field', () => {
    const spec = ruleSet(
      [
        rule('ok', {
          all: [
            { fact: 'verb', operator: 'in', value: { fact: 'read-verbs' } },
            { fact: 'sourceIP', operator: 'exists', value: true },
            { fact: 'requestObject.spec.no.such.field', operator: 'exists', value: false },
            { fact: 'metadata.creationTimestamp', operator: 'exists', value: false },
          ],
        }),
      ],
      { lists: { 'read-verbs': ['get'] } },
    );
    expect(ruleSetProblems(spec)).toEqual([]);
  });
});

describe('runtime errors', () => {
  // `in` against a fact reference: an array on some events, missing (undefined.indexOf) on others.
  const spec = ruleSet([
    rule('group-in-extra', { all: [{ fact: 'verb', operator: 'in', value: { fact: 'user.extra.verbs' } }] }),
    rule('any-get', { all: [{ fact: 'verb', operator: 'equal', value: 'get' }] }, {}, 1),
  ]);

  it('make the rule not match that event, are counted per rule, and spare the other rules', () => {
    const onError = vi.fn();
    const compiled = compileRuleSet(spec, { onError });
    const out: CompiledRule[] = [];
    const broken = auditEvent({ verb: 'get' });
    expect(compiled.match(broken, out)).toBe(1);
    expect(out.map((r) => r.name)).toEqual(['any-get']);
    expect(compiled.errors.get('group-in-extra')).toBe(1);
    expect(compiled.errors.has('any-get')).toBe(false);
    expect(onError).toHaveBeenCalledWith(compiled.rules[0], expect.any(TypeError), broken);

    const working = auditEvent({ verb: 'get', user: { username: 'u', extra: { verbs: ['get'] } } });
    expect(compiled.rules[0]!.test(working)).toBe(true);
    expect(compiled.rules[0]!.test(broken)).toBe(false);
    expect(compiled.errors.get('group-in-extra')).toBe(2);
  });

  it('survive a throwing onError', () => {
    const compiled = compileRuleSet(spec, {
      onError: () => {
        throw new Error('logger down');
      },
    });
    expect(compiled.rules[0]!.test(auditEvent())).toBe(false);
    expect(compiled.errors.get('group-in-extra')).toBe(1);
  });
});

describe('a group decided before its throwing member runs', () => {
  // json-rules-engine evaluates every member of a priority group: lessThan on an object that cannot
  // become a string fails the rule even when another member is already false. The compiled rule runs
  // the cheap member first and the throwing one only when it could throw on the event.
  const spec = ruleSet([
    rule('anonymous-error', {
      all: [
        { fact: 'user.username', operator: 'equal', value: 'system:anonymous' },
        { fact: 'responseStatus.code', operator: 'lessThan', value: 400 },
      ],
    }),
  ]);

  it('still raises the error json-rules-engine raises, and only then', async () => {
    const { createReferenceEngine } = await import('./reference-engine.js');
    const reference = createReferenceEngine(spec);
    const compiled = compileRuleSet(spec);
    const unprintable = Object.create(null) as object;
    const cases = [
      { event: auditEvent({ user: { username: 'alice' }, responseStatus: { code: 200 } }), error: false, match: false },
      {
        event: auditEvent({ user: { username: 'system:anonymous' }, responseStatus: { code: 200 } }),
        error: false,
        match: true,
      },
      {
        event: auditEvent({ user: { username: 'alice' }, responseStatus: { code: unprintable as never } }),
        error: true,
        match: false,
      },
      {
        event: auditEvent({ user: { username: 'alice' }, responseStatus: { code: [1, 2] as never } }),
        error: false,
        match: false,
      },
    ];
    for (const [i, c] of cases.entries()) {
      const before = compiled.errors.get('anonymous-error') ?? 0;
      const out: CompiledRule[] = [];
      compiled.match(c.event, out);
      const errored = (compiled.errors.get('anonymous-error') ?? 0) > before;
      const expected = (await reference.runEach(c.event)).get('anonymous-error');
      expect(errored, `case ${i}`).toBe(c.error);
      expect(expected instanceof Error, `case ${i} (json-rules-engine)`).toBe(c.error);
      expect(out.length === 1, `case ${i}`).toBe(c.match);
      if (!c.error) expect(expected, `case ${i}`).toBe(c.match);
    }
  });
});
