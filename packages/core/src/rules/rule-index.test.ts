import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../event/audit-event.js';
import { auditFixtureFiles, fixtureEvents, skipWithoutFixtures } from '../testing/fixtures.js';
import { compileRuleSet, type CompiledRule, type CompiledRuleSet } from './compile-rule-set.js';
import { loadRuleFiles } from './load-rule-files.js';
import type { Condition, RuleSetSpec, RuleSpec, TopLevelCondition } from './rule-file.js';
import { buildRuleIndex, requiredValues } from './rule-index.js';

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const RESOURCES = ['pods', 'secrets', 'configmaps', 'leases', 'nodes'];
const STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];
const LISTS = { 'read-verbs': ['get', 'list', 'watch'], workloads: ['pods', 'deployments'] };

const spec = (rules: RuleSpec[], conditions: Record<string, Condition> = {}): RuleSetSpec => ({
  lists: LISTS,
  conditions,
  rules,
  files: ['index.json'],
});

function rule(name: string, conditions: TopLevelCondition, enabled = true): RuleSpec {
  return {
    name,
    title: name,
    severity: 'low',
    tags: [],
    enabled,
    conditions,
    source: { file: 'index.json', index: 0 },
  };
}

/** Every enabled rule that matches, without the index. */
function naive(ruleSet: CompiledRuleSet, event: AuditEvent): string[] {
  return ruleSet.rules.filter((r) => r.spec.enabled && r.test(event)).map((r) => r.name);
}

function indexed(ruleSet: CompiledRuleSet, event: AuditEvent): string[] {
  const out: CompiledRule[] = [];
  const n = ruleSet.match(event, out);
  expect(n).toBe(out.length);
  return out.map((r) => r.name);
}

describe('requiredValues', () => {
  const s = spec([], { reads: { all: [{ fact: 'verb', operator: 'in', value: { fact: 'read-verbs' } }] } });
  it('reads equal, in (literal or list), all, any and shared conditions', () => {
    expect(requiredValues({ all: [{ fact: 'verb', operator: 'equal', value: 'get' }] }, 'verb', s)).toEqual(
      new Set(['get']),
    );
    expect(requiredValues({ condition: 'reads' }, 'verb', s)).toEqual(new Set(['get', 'list', 'watch']));
    expect(
      requiredValues(
        { all: [{ condition: 'reads' }, { fact: 'verb', operator: 'in', value: ['list', 'create'] }] },
        'verb',
        s,
      ),
    ).toEqual(new Set(['list']));
    expect(
      requiredValues(
        {
          any: [
            { fact: 'verb', operator: 'equal', value: 'get' },
            { fact: 'verb', operator: 'equal', value: 'patch' },
          ],
        },
        'verb',
        s,
      ),
    ).toEqual(new Set(['get', 'patch']));
  });
  it('constrains nothing through not, decorators, paths, other operators or a partial any', () => {
    const none = [
      { not: { fact: 'verb', operator: 'equal', value: 'get' } },
      { all: [{ fact: 'verb', operator: 'not:in', value: ['get'] }] },
      { all: [{ fact: 'verb', operator: 'notEqual', value: 'get' }] },
      { all: [{ fact: 'verb', operator: 'equal', value: 'get', path: '$.x' }] },
      {
        any: [
          { fact: 'verb', operator: 'equal', value: 'get' },
          { fact: 'stage', operator: 'equal', value: 'Panic' },
        ],
      },
      { any: [] },
      { all: [] },
    ];
    for (const c of none) expect(requiredValues(c, 'verb', s), JSON.stringify(c)).toBeUndefined();
  });
});

// Generated rules over the indexed facts (and one that is not), in every form the index reads or
// must ignore, against generated events: the index never changes which rules match.
const fact = fc.constantFrom(
  'verb',
  'objectRef.resource',
  'stage',
  'objectRef.namespace',
  'responseStatus.code',
  'isAnonymous',
);
const valueFor = (f: string): fc.Arbitrary<unknown> =>
  f === 'verb'
    ? fc.constantFrom(...VERBS)
    : f === 'stage'
      ? fc.constantFrom(...STAGES)
      : f === 'responseStatus.code'
        ? fc.constantFrom(200, 403, 404)
        : f === 'isAnonymous'
          ? fc.boolean()
          : fc.constantFrom(...RESOURCES, 'kube-system');
const leaf: fc.Arbitrary<Condition> = fact.chain((f) =>
  fc.oneof(
    valueFor(f).map((value) => ({ fact: f, operator: 'equal', value })),
    fc.array(valueFor(f), { maxLength: 3 }).map((value) => ({ fact: f, operator: 'in', value })),
    fc.constantFrom('read-verbs', 'workloads').map((list) => ({ fact: f, operator: 'in', value: { fact: list } })),
    valueFor(f).map((value) => ({ fact: f, operator: 'notEqual', value })),
    fc.array(valueFor(f), { maxLength: 3 }).map((value) => ({ fact: f, operator: 'not:in', value })),
    // Throws on events whose verb is not a string array: never skipped by the index.
    valueFor(f).map((value) => ({ fact: 'verb', operator: 'swap:in', value })),
    // Throws only when the code is an object that cannot become a string: skipped by the index
    // when ruled out and its check says it cannot throw.
    fc.constantFrom(300, 404).map((value) => ({ fact: 'responseStatus.code', operator: 'lessThan', value })),
    // Presence, indexed for rules that pin no verb or resource.
    fc
      .tuple(fc.constantFrom('impersonatedUser', 'userAgent', 'objectRef.namespace', 'sourceIP'), fc.boolean())
      .map(([fact, value]) => ({ fact, operator: 'exists', value })),
  ),
);
const condition: fc.Arbitrary<Condition> = fc.letrec((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('c'), { maxLength: 3 }).map((all) => ({ all }) as Condition),
    fc.array(tie('c'), { maxLength: 3 }).map((any) => ({ any }) as Condition),
    tie('c').map((not) => ({ not }) as Condition),
  ),
})).c;
const topLevel = fc.oneof(
  fc.array(condition, { maxLength: 4 }).map((all) => ({ all }) as TopLevelCondition),
  fc.array(condition, { maxLength: 3 }).map((any) => ({ any }) as TopLevelCondition),
);
const event = fc.record(
  {
    verb: fc.oneof(fc.constantFrom(...VERBS, 'deletecollection'), fc.constant(['get'] as unknown as string)),
    stage: fc.constantFrom(...STAGES),
    objectRef: fc.record(
      {
        resource: fc.constantFrom(...RESOURCES, 'deployments', 'events'),
        namespace: fc.constantFrom('default', 'kube-system'),
      },
      { requiredKeys: [] },
    ),
    responseStatus: fc.record(
      // An object without a prototype cannot become a string: lessThan throws on it.
      { code: fc.constantFrom<unknown>(200, 403, 404, 500, '250', {}, Object.create(null)) },
      { requiredKeys: [] },
    ),
    impersonatedUser: fc.record({ username: fc.constantFrom('bob', 'system:admin') }, { requiredKeys: [] }),
    userAgent: fc.constantFrom('kubectl/v1.30', 'curl/8'),
    sourceIPs: fc.constantFrom(['10.0.0.1'], [], ['203.0.113.7', '10.0.0.1']),
    user: fc.record(
      {
        username: fc.constantFrom('alice', 'system:anonymous'),
        groups: fc.constantFrom(['system:authenticated'], ['system:unauthenticated']),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<AuditEvent>;

describe('rule index', () => {
  it('offers only the rules that can match the event, and always those that may throw', () => {
    const s = spec([]);
    const conditions = [
      {
        all: [
          { fact: 'objectRef.resource', operator: 'equal', value: 'secrets' },
          { fact: 'verb', operator: 'in', value: { fact: 'read-verbs' } },
        ],
      },
      {
        all: [
          { fact: 'objectRef.resource', operator: 'in', value: ['pods', 'leases'] },
          { fact: 'stage', operator: 'equal', value: 'ResponseComplete' },
        ],
      },
      { all: [{ fact: 'objectRef.resource', operator: 'equal', value: 'secrets' }] },
      {
        any: [
          { fact: 'verb', operator: 'equal', value: 'delete' },
          { fact: 'user.username', operator: 'equal', value: 'x' },
        ],
      },
    ];
    const mayThrow = [false, false, true, false];
    const index = buildRuleIndex(
      ['a', 'b', 'c', 'd'],
      conditions.map((c, i) => ({ conditions: c, mayThrow: mayThrow[i]! })),
      s,
    );
    expect(
      index.candidates({ verb: 'watch', stage: 'ResponseComplete', objectRef: { resource: 'leases' } }).rules,
    ).toEqual(['b', 'c', 'd']);
    expect(
      index.candidates({ verb: 'get', stage: 'ResponseStarted', objectRef: { resource: 'secrets' } }).rules,
    ).toEqual(['a', 'c', 'd']);
    expect(index.candidates({ verb: 'create', objectRef: { resource: 'configmaps' } }).rules).toEqual(['c', 'd']);
    expect(index.candidates({}).rules).toEqual(['c', 'd']);
  });

  it('skips a rule that pins no verb or resource when a fact it requires with exists is absent or present', () => {
    const conditions = [
      { all: [{ fact: 'impersonatedUser', operator: 'exists', value: true }] },
      { all: [{ fact: 'userAgent', operator: 'exists', value: false }] },
      {
        all: [
          { fact: 'verb', operator: 'equal', value: 'get' },
          { fact: 'requestObject', operator: 'exists', value: true },
        ],
      },
    ];
    const index = buildRuleIndex(
      ['a', 'b', 'c'],
      conditions.map((c) => ({ conditions: c, mayThrow: false })),
      spec([]),
    );
    expect(index.candidates({ verb: 'get', impersonatedUser: { username: 'x' } }).rules).toEqual(['a', 'b', 'c']);
    expect(index.candidates({ verb: 'get', userAgent: 'kubectl' }).rules).toEqual(['c']);
    expect(index.candidates({ verb: 'list', userAgent: 'kubectl', impersonatedUser: null }).rules).toEqual(['a']);
  });

  it('skips a rule that may throw only when the indexed facts rule it out and its check says it cannot throw', () => {
    const conditions = [
      {
        all: [
          { fact: 'verb', operator: 'equal', value: 'get' },
          { fact: 'responseStatus.code', operator: 'lessThan', value: 400 },
        ],
      },
    ];
    const throwy = (e: object) => typeof (e as AuditEvent).responseStatus?.code === 'object';
    const index = buildRuleIndex(['a'], [{ conditions: conditions[0], mayThrow: true, mightThrow: throwy }], spec([]));
    const list = index.candidates({ verb: 'list', responseStatus: { code: 200 } });
    expect(list.rules).toEqual(['a']);
    expect(list.checks).toEqual([throwy]);
    expect(index.candidates({ verb: 'get', responseStatus: { code: 200 } })).toEqual({
      rules: ['a'],
      checks: undefined,
    });
    // Compiled: a ruled-out event still fails the rule when its code cannot become a string.
    const ruleSet = compileRuleSet(spec([rule('a', conditions[0] as TopLevelCondition)]));
    const bad = { verb: 'list', responseStatus: { code: Object.create(null) } } as unknown as AuditEvent;
    expect(indexed(ruleSet, { verb: 'list', responseStatus: { code: 200 } })).toEqual([]);
    expect(ruleSet.errors.size).toBe(0);
    expect(indexed(ruleSet, bad)).toEqual([]);
    expect(ruleSet.errors.get('a')).toBe(1);
  });

  it('matches exactly the rules a plain loop matches, in rule order, with the same errors', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(topLevel, fc.boolean()), { minLength: 1, maxLength: 12 }),
        fc.array(event, { minLength: 1, maxLength: 20 }),
        (defs, events) => {
          const rules = defs.map(([c, enabled], i) => rule(`r${i}`, c, enabled || i === 0));
          const withIndex = compileRuleSet(spec(rules));
          const reference = compileRuleSet(spec(rules));
          for (const e of events) {
            expect(indexed(withIndex, e)).toEqual(naive(reference, e));
          }
          expect(withIndex.errors).toEqual(reference.errors);
        },
      ),
      { numRuns: 400 },
    );
  });

  const SKIP = skipWithoutFixtures('rule index');
  it.skipIf(SKIP)('changes no match of the default rules on any fixture event', { timeout: 60_000 }, async () => {
    const library = await loadRuleFiles([fileURLToPath(new URL('../../../../rules', import.meta.url))]);
    const withIndex = compileRuleSet(library);
    const reference = compileRuleSet(library);
    let events = 0;
    let matches = 0;
    for (const file of auditFixtureFiles()) {
      for (const e of fixtureEvents(file)) {
        const got = indexed(withIndex, e);
        expect(got, `${file} ${e.auditID}`).toEqual(naive(reference, e));
        events++;
        matches += got.length;
      }
    }
    expect(events).toBeGreaterThan(16_000);
    expect(matches).toBeGreaterThan(0);
  });
});
