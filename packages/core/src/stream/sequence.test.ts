import fc from 'fast-check';
import { filter, from, map, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { Alert, PipelineNotice } from '../alert/alert.js';
import type { AuditEvent } from '../event/audit-event.js';
import { compileRuleSet } from '../rules/compile-rule-set.js';
import { parseRuleSet } from '../rules/load-rule-files.js';
import type { RulesError } from '../rules/rule-problem.js';
import { auditEvent } from '../testing/audit-event-builder.js';
import { detect, type DetectOptions } from './detect.js';
import { createStreamStats } from './stream-stats.js';
import { testSequenceRule, testRuleSet } from './test-rules.js';
import type { CompiledRule } from '../rules/compile-rule-set.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const MIN = 60_000;

/** A RoleBinding created for `user` at `minutes`. */
function grant(user: string, minutes: number): AuditEvent {
  return auditEvent({
    verb: 'create',
    user: { username: 'admin' },
    objectRef: { resource: 'rolebindings', namespace: 'prod', name: `bind-${user}` },
    requestObject: { subjects: [{ kind: 'User', name: user }] },
    at: T0 + minutes * MIN,
    auditID: `grant-${user}-${minutes}`,
  });
}

/** `user` reading a secret at `minutes`. */
function use(user: string, minutes: number): AuditEvent {
  return auditEvent({
    verb: 'get',
    user: { username: user },
    objectRef: { resource: 'secrets', namespace: 'prod', name: 'db' },
    at: T0 + minutes * MIN,
    auditID: `use-${user}-${minutes}`,
  });
}

const isGrant = (e: AuditEvent) => e.objectRef?.resource === 'rolebindings' && e.verb === 'create';
const isUse = (e: AuditEvent) => e.objectRef?.resource === 'secrets' && e.verb === 'get';

const grantThenUse = testSequenceRule(
  { name: 'grant-then-use', message: '{{user.username}} used a fresh grant: {{count}} steps within {{within}}' },
  [
    { test: isGrant, key: ['requestObject.subjects.0.name'] },
    { test: isUse, key: ['user.username'] },
  ],
  10 * MIN,
);

function run(
  events: AuditEvent[],
  rules: CompiledRule[] = [grantThenUse],
  options: DetectOptions = {},
): PipelineNotice[] {
  const out: PipelineNotice[] = [];
  from(events)
    .pipe(detect(testRuleSet(rules), { tick: false, ...options }))
    .subscribe((n) => out.push(n));
  return out;
}

const alerts = (notices: PipelineNotice[]): Alert[] => notices.filter((n) => n.type === 'alert').map((n) => n.alert);

describe('sequence rules', () => {
  it('keep sequences in progress across a reload that leaves the rule unchanged, and restart a changed one', () => {
    const same = testSequenceRule(
      { name: 'grant-then-use' },
      [
        { test: isGrant, key: ['requestObject.subjects.0.name'] },
        { test: isUse, key: ['user.username'] },
      ],
      10 * MIN,
    );
    const longer = testSequenceRule(
      { name: 'grant-then-use' },
      [
        { test: isGrant, key: ['requestObject.subjects.0.name'] },
        { test: isUse, key: ['user.username'] },
      ],
      20 * MIN,
    );
    const runReloaded = (after: CompiledRule): PipelineNotice[] => {
      let current = testRuleSet([grantThenUse]);
      const out: PipelineNotice[] = [];
      from([grant('alice', 0), use('alice', 1)])
        .pipe(
          map((e) => {
            if (e.auditID === 'use-alice-1') current = testRuleSet([after]);
            return e;
          }),
          detect(() => current, { tick: false }),
        )
        .subscribe((n) => out.push(n));
      return out.filter((n) => n.type === 'alert');
    };
    expect(runReloaded(same)).toHaveLength(1);
    expect(runReloaded(longer)).toHaveLength(0);
  });

  it('fire when the steps come in order with equal keys, keyed by the last step, with every step in the sample', () => {
    const [alert, ...rest] = alerts(run([grant('mallory', 0), use('mallory', 4)]));
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({
      rule: 'grant-then-use',
      key: { 'user.username': 'mallory' },
      count: 2,
      firstSeen: new Date(T0).toISOString(),
      lastSeen: new Date(T0 + 4 * MIN).toISOString(),
      message: 'mallory used a fresh grant: 2 steps within 10m',
    });
    expect(alert!.events.map((e) => e.auditID)).toEqual(['grant-mallory-0', 'use-mallory-4']);
  });

  it('stay quiet for a use before the grant, another user, or a use later than within', () => {
    expect(alerts(run([use('mallory', 0), grant('mallory', 1)]))).toEqual([]);
    expect(alerts(run([grant('mallory', 0), use('bob', 1)]))).toEqual([]);
    expect(alerts(run([grant('mallory', 0), use('mallory', 10.5)]))).toEqual([]);
    // `within` includes its end.
    expect(alerts(run([grant('mallory', 0), use('mallory', 10)]))).toHaveLength(1);
  });

  it('consume a finished sequence: a second use needs a second grant; the latest grant counts', () => {
    const twice = alerts(run([grant('m', 0), use('m', 1), use('m', 2), grant('m', 3), use('m', 4)]));
    expect(twice.map((a) => [a.firstSeen, a.lastSeen])).toEqual([
      [new Date(T0).toISOString(), new Date(T0 + MIN).toISOString()],
      [new Date(T0 + 3 * MIN).toISOString(), new Date(T0 + 4 * MIN).toISOString()],
    ]);
    // An old grant is outrun by a newer one, which still has time left.
    const [latest] = alerts(run([grant('m', 0), grant('m', 8), use('m', 15)]));
    expect(latest!.firstSeen).toBe(new Date(T0 + 8 * MIN).toISOString());
  });

  it('follow three steps, an event matching several steps finishing the sequence before starting one', () => {
    const isAny = (e: AuditEvent) => e.verb === 'get' || e.verb === 'create';
    const three = testSequenceRule(
      { name: 'three' },
      [
        { test: isGrant, key: ['objectRef.namespace'] },
        { test: isAny, key: ['objectRef.namespace'] },
        { test: isUse, key: ['objectRef.namespace'] },
      ],
      10 * MIN,
    );
    const fired = alerts(run([grant('a', 0), use('a', 1), use('a', 2)], [three]));
    expect(fired.map((a) => a.events.map((e) => e.auditID))).toEqual([['grant-a-0', 'use-a-1', 'use-a-2']]);
    expect(alerts(run([grant('a', 0), use('a', 1)], [three]))).toEqual([]);
  });

  it('give the same alerts for any arrival order within the lateness', () => {
    const events = [
      grant('a', 0),
      use('a', 3),
      grant('b', 1),
      use('b', 12),
      use('c', 2),
      grant('c', 4),
      use('c', 5),
      use('a', 6),
      grant('a', 7),
      use('a', 9),
    ];
    const summary = (notices: PipelineNotice[]) =>
      alerts(notices)
        .map((a) => `${a.key['user.username']} ${a.firstSeen} ${a.lastSeen}`)
        .sort();
    const expected = summary(run(events, [grantThenUse], { lateness: 30 * MIN }));
    expect(expected).toHaveLength(3);
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: events.length }), (shuffled) => {
        expect(summary(run(shuffled, [grantThenUse], { lateness: 30 * MIN }))).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });

  it('drop a sequence once the watermark passes its end: a late step no longer finishes it', () => {
    const stats = createStreamStats();
    // The grant at 0 can finish until 10m; an event at 20m moves the watermark to 15m (lateness 5m).
    const late = run([grant('m', 0), use('z', 20), use('m', 9)], [grantThenUse], { lateness: 5 * MIN, stats });
    expect(alerts(late)).toEqual([]);
    expect(stats.late).toBe(1);
    // Without the watermark having passed, the same late-arriving step finishes it.
    expect(alerts(run([grant('m', 0), use('z', 12), use('m', 9)], [grantThenUse], { lateness: 5 * MIN }))).toHaveLength(
      1,
    );
  });

  it('expire in virtual time: with no newer event, the idle tick moves the watermark past the sequence', () => {
    const outcome = (gap: string) => {
      const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
      let rules: string[] = [];
      scheduler.run(({ cold }) => {
        // The grant (event time 0) arrives, then nothing for `gap` of wall time, then a use at event time 9m.
        cold(`a ${gap} b|`, { a: grant('m', 0), b: use('m', 9) })
          .pipe(
            detect(testRuleSet([grantThenUse]), { lateness: 5 * MIN, tick: 1000, scheduler }),
            filter((n) => n.type === 'alert'),
            map((n) => n.alert.rule),
            toArray(),
          )
          .subscribe((r) => (rules = r));
      });
      return rules;
    };
    // After 3 quiet minutes the watermark is at -2m: the use still finishes the sequence.
    expect(outcome('3m')).toEqual(['grant-then-use']);
    // After 20 quiet minutes it is at 15m: the grant (which could finish until 10m) is gone, the use is late.
    expect(outcome('20m')).toEqual([]);
  });

  it('keep at most maxKeys keys in progress, counting what they drop', () => {
    const stats = createStreamStats();
    const fired = alerts(
      run([grant('a', 0), grant('b', 1), use('a', 2), use('b', 3)], [grantThenUse], { maxKeys: 1, stats }),
    );
    expect(fired.map((a) => a.key['user.username'])).toEqual(['b']);
    expect(stats.evicted).toBe(1);
  });
});

describe('sequence rules from a rule file', () => {
  const file = (steps: unknown[]) => ({
    rules: [
      {
        name: 'exec-after-privileged-create',
        severity: 'high',
        sequence: { within: '10m', steps },
        suppress: { for: '1h' },
        message: '{{user.username}} exec into {{objectRef.namespace}}/{{objectRef.name}}',
      },
    ],
  });
  const STEPS = [
    {
      name: 'create',
      conditions: {
        all: [
          { fact: 'verb', operator: 'equal', value: 'create' },
          { fact: 'objectRef.resource', operator: 'equal', value: 'pods' },
        ],
      },
      key: ['objectRef.namespace', 'responseObject.metadata.name'],
    },
    {
      name: 'exec',
      conditions: { all: [{ fact: 'objectRef.subresource', operator: 'equal', value: 'exec' }] },
      key: ['objectRef.namespace', 'objectRef.name'],
    },
  ];

  it('compile each step, correlate keys read from different paths, and key the alert by the last step', () => {
    const ruleSet = compileRuleSet(parseRuleSet([{ file: 'seq.json', json: file(STEPS) }]));
    const create = auditEvent({
      verb: 'create',
      objectRef: { resource: 'pods', namespace: 'shop' },
      responseObject: { metadata: { name: 'debug-x7k2p' } },
      at: T0,
    });
    const exec = (name: string, minutes: number) =>
      auditEvent({
        verb: 'create',
        user: { username: 'eve' },
        objectRef: { resource: 'pods', subresource: 'exec', namespace: 'shop', name },
        at: T0 + minutes * MIN,
      });
    const out: PipelineNotice[] = [];
    from([create, exec('other', 1), exec('debug-x7k2p', 2), exec('debug-x7k2p', 3)])
      .pipe(detect(ruleSet, { tick: false }))
      .subscribe((n) => out.push(n));
    const fired = alerts(out);
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({
      key: { 'objectRef.namespace': 'shop', 'objectRef.name': 'debug-x7k2p' },
      message: 'eve exec into shop/debug-x7k2p',
    });
  });

  it('report a step condition problem at the step, and unequal key lengths', () => {
    const bad = [
      STEPS[0],
      { conditions: { all: [{ fact: 'verb', operator: 'nope', value: 1 }] }, key: ['objectRef.name'] },
    ];
    let problems: string[] = [];
    try {
      parseRuleSet([{ file: 'seq.json', json: file(bad) }]);
    } catch (err) {
      problems = (err as RulesError).problems.map((p) => `${p.pointer}: ${p.message}`);
    }
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^\/rules\/0\/sequence\/steps\/1\/conditions\/all\/0\/operator: unknown operator "nope"/,
    );
    expect(problems[1]).toMatch(
      /^\/rules\/0\/sequence\/steps\/1\/key: step 1 has 1 key fact\(s\) but the first step has 2/,
    );
  });

  it('refuse fewer than two steps, a threshold, and conditions beside the sequence', () => {
    let problems: string[] = [];
    const rule = { ...file([STEPS[0]]).rules[0], conditions: { all: [] }, threshold: { count: 2, within: '1m' } };
    try {
      parseRuleSet([{ file: 'seq.json', json: { rules: [rule] } }]);
    } catch (err) {
      problems = (err as RulesError).problems.map((p) => `${p.pointer}: ${p.message}`);
    }
    expect(problems).toEqual([
      '/rules/0/sequence: a rule has either "conditions" or a "sequence", not both: a sequence\'s conditions are its steps\'',
      '/rules/0/sequence/steps: sequence.steps must have at least 2 item(s); got an array',
      '/rules/0/threshold: a sequence rule cannot have a threshold: it fires once per completed sequence',
    ]);
  });
});
