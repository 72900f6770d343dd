import fc from 'fast-check';
import { from, map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Alert, PipelineNotice } from '../alert/alert.js';
import type { AuditEvent } from '../event/audit-event.js';
import { compileRuleSet } from '../rules/compile-rule-set.js';
import { parseRuleSet } from '../rules/load-rule-files.js';
import { auditEvent } from '../testing/audit-event-builder.js';
import { detect, type DetectOptions } from './detect.js';
import { createStreamStats } from './stream-stats.js';
import { newTermSpec, testRule, testRuleSet } from './test-rules.js';
import type { CompiledRule } from '../rules/compile-rule-set.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

/** `user` listing secrets with `agent` at `minutes`. */
function list(user: string, agent: string | undefined, minutes: number): AuditEvent {
  return auditEvent({
    verb: 'list',
    user: { username: user },
    objectRef: { resource: 'secrets', namespace: 'prod' },
    ...(agent !== undefined ? { userAgent: agent } : { userAgent: undefined }),
    at: T0 + minutes * MIN,
    auditID: `${user}-${agent}-${minutes}`,
  });
}

const newAgent = testRule(
  {
    name: 'new-agent-lists-secrets',
    newTerm: newTermSpec(['user.username', 'userAgent'], 24 * HOUR, HOUR),
    message: '{{user.username}} listed secrets with a new client {{userAgent}}',
  },
  (e) => e.verb === 'list' && e.objectRef?.resource === 'secrets',
);

function run(events: AuditEvent[], rules: CompiledRule[] = [newAgent], options: DetectOptions = {}): PipelineNotice[] {
  const out: PipelineNotice[] = [];
  from(events)
    .pipe(detect(testRuleSet(rules), { tick: false, ...options }))
    .subscribe((n) => out.push(n));
  return out;
}

const alerts = (notices: PipelineNotice[]): Alert[] => notices.filter((n) => n.type === 'alert').map((n) => n.alert);
const fired = (notices: PipelineNotice[]) => alerts(notices).map((a) => a.events[0]!.auditID);

describe('newTerm rules', () => {
  it('keep what they learned across a reload with the same fields, and learn afresh when the fields change', () => {
    const spec = { message: 'new', newTerm: newTermSpec(['user.username', 'userAgent'], 24 * HOUR, HOUR) };
    const isList = (e: AuditEvent) => e.verb === 'list';
    const same = testRule({ name: 'new-agent-lists-secrets', ...spec }, isList);
    const otherFields = testRule(
      { name: 'new-agent-lists-secrets', newTerm: newTermSpec(['userAgent', 'user.username'], 24 * HOUR, HOUR) },
      isList,
    );
    const runReloaded = (after: CompiledRule): (string | undefined)[] => {
      let current = testRuleSet([newAgent]);
      const out: PipelineNotice[] = [];
      const events = [list('alice', 'kubectl', 0), list('alice', 'kubectl', 90), list('bob', 'curl', 91)];
      from(events)
        .pipe(
          map((e) => {
            if (e.auditID === 'alice-kubectl-90') current = testRuleSet([after]);
            return e;
          }),
          detect(() => current, { tick: false }),
        )
        .subscribe((n) => out.push(n));
      return fired(out);
    };
    // Learned alice+kubectl before the reload, past learning: only bob's client is new.
    expect(runReloaded(same)).toEqual(['bob-curl-91']);
    // Other fields: the old terms mean nothing now; a new hour of learning starts at the reload.
    expect(runReloaded(otherFields)).toEqual([]);
  });

  it('learn silently for learnFor, then fire once per combination not seen, keyed by the fields', () => {
    const notices = run([
      list('alice', 'kubectl', 0),
      list('bob', 'helm', 30), // still learning: the first match was at 0
      list('alice', 'kubectl', 70), // known
      list('alice', 'curl/8.0', 80), // new combination
      list('alice', 'curl/8.0', 90), // seen 10 minutes ago
      list('carol', 'kubectl', 100), // new user with a known agent: still a new combination
    ]);
    expect(fired(notices)).toEqual(['alice-curl/8.0-80', 'carol-kubectl-100']);
    expect(alerts(notices)[0]).toMatchObject({
      key: { 'user.username': 'alice', userAgent: 'curl/8.0' },
      count: 1,
      message: 'alice listed secrets with a new client curl/8.0',
    });
  });

  it('forget a term not seen for longer than history, so it fires again', () => {
    const day = 24 * 60;
    const notices = run([
      list('a', 'x', 0),
      list('a', 'y', 61),
      list('a', 'y', 61 + day),
      list('a', 'y', 62 + 2 * day),
    ]);
    // At 61 + 1d the term was seen exactly `history` before: still known. A day and a minute later: new again.
    expect(fired(notices)).toEqual(['a-y-61', `a-y-${62 + 2 * day}`]);
  });

  it('ignore events that lack one of the fields, neither learning nor firing on them', () => {
    expect(fired(run([list('a', 'x', 0), list('a', undefined, 90), list('a', 'z', 95)]))).toEqual(['a-z-95']);
  });

  it('give the same alerts for any arrival order within the lateness', () => {
    const events = [
      list('a', 'x', 0),
      list('a', 'y', 30),
      list('b', 'x', 65),
      list('a', 'y', 70),
      list('a', 'z', 75),
      list('b', 'x', 80),
      list('c', 'x', 90),
    ];
    const expected = fired(run(events, [newAgent], { lateness: 2 * HOUR })).sort();
    expect(expected).toEqual(['a-z-75', 'b-x-65', 'c-x-90']);
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: events.length }), (shuffled) => {
        expect(fired(run(shuffled, [newAgent], { lateness: 2 * HOUR })).sort()).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });

  it('remember at most maxKeys terms, counting the forgotten ones, which become new again', () => {
    const stats = createStreamStats();
    const notices = run([list('a', 'x', 0), list('a', 'y', 61), list('a', 'z', 62), list('a', 'y', 63)], [newAgent], {
      maxKeys: 2,
      stats,
    });
    // x, learnt, is forgotten when z arrives; y stays known.
    expect(fired(notices)).toEqual(['a-y-61', 'a-z-62']);
    expect(stats.evicted).toBe(1);
    const again = run([list('a', 'x', 0), list('a', 'y', 61), list('a', 'z', 62), list('a', 'x', 63)], [newAgent], {
      maxKeys: 2,
    });
    expect(fired(again)).toEqual(['a-y-61', 'a-z-62', 'a-x-63']);
  });

  it('fire on the first match when learnFor is zero, and roll repeats into one alert with suppress', () => {
    const rules = compileRuleSet(
      parseRuleSet([
        {
          file: 'nt.json',
          json: {
            rules: [
              {
                name: 'new-namespace-reader',
                severity: 'low',
                conditions: { all: [{ fact: 'verb', operator: 'equal', value: 'list' }] },
                newTerm: { fields: ['objectRef.namespace'], history: '7d' },
                suppress: { for: '1d', key: ['user.username'] },
              },
            ],
          },
        },
      ]),
    );
    const ns = (namespace: string, minutes: number) =>
      auditEvent({ verb: 'list', objectRef: { resource: 'pods', namespace }, at: T0 + minutes * MIN });
    const out: PipelineNotice[] = [];
    from([ns('a', 0), ns('a', 1), ns('b', 2)])
      .pipe(detect(rules, { tick: false }))
      .subscribe((n) => out.push(n));
    const closed = out.filter((n) => n.type === 'closed').map((n) => n.alert);
    expect(closed.map((a) => [a.count, a.suppressed, a.key])).toEqual([
      [2, 1, { 'user.username': 'alice@example.com' }],
    ]);
  });
});
