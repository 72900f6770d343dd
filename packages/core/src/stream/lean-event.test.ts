import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Alert, PipelineNotice } from '../alert/alert.js';
import { summarizeEvent } from '../alert/summarize-event.js';
import type { AuditEvent } from '../event/audit-event.js';
import { eventFactGetter } from '../event/resolve-fact.js';
import { auditEvent } from '../testing/audit-event-builder.js';
import { auditFixtureFiles, fixtureEvents, skipWithoutFixtures } from '../testing/fixtures.js';
import { detect } from './detect.js';
import { canHoldLean, LEAN_FACTS, leanEvent, stepMask } from './lean-event.js';
import { testRule, testRuleSet, testSequenceRule, thresholdSpec } from './test-rules.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const MIN = 60_000;

const built: AuditEvent[] = [
  auditEvent({
    verb: 'create',
    user: { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts', 'system:authenticated'] },
    impersonatedUser: { username: 'alice' },
    objectRef: {
      resource: 'pods',
      subresource: 'exec',
      namespace: 'prod',
      name: 'web-1',
      apiGroup: '',
      apiVersion: 'v1',
    },
    requestURI: '/api/v1/namespaces/prod/pods/web-1/exec?command=sh&command=-c&container=app',
    sourceIPs: ['10.0.0.1', '192.168.0.9'],
    responseStatus: { code: 101 },
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC' },
    requestObject: { big: 'body' },
    auditID: 'built-1',
  }),
  // Odd shapes: fields of the wrong type must read the same on both.
  { ...auditEvent({ verb: 'get' }), user: 'not-an-object', objectRef: [] } as unknown as AuditEvent,
  { ...auditEvent({ verb: 'get' }), sourceIPs: 'x', annotations: null } as unknown as AuditEvent,
];

function allEvents(): AuditEvent[] {
  if (skipWithoutFixtures('lean events on real data')) return built;
  return [...built, ...auditFixtureFiles().flatMap((f) => fixtureEvents(f).slice(0, 2000))];
}

describe('leanEvent', () => {
  it('answers every lean fact and the summary exactly as the whole event does', () => {
    const getters = [...LEAN_FACTS].map((f) => [f, eventFactGetter(f)] as const);
    for (const event of allEvents()) {
      const lean = leanEvent(event);
      for (const [fact, get] of getters) expect([fact, get(lean)]).toEqual([fact, get(event)]);
      expect(summarizeEvent(lean, 5)).toEqual(summarizeEvent(event, 5));
    }
  });

  it('keeps no body, timestamp or other annotation', () => {
    const lean = leanEvent(built[0]!) as unknown as Record<string, unknown>;
    expect(lean.requestObject).toBeUndefined();
    expect(lean.requestReceivedTimestamp).toBeUndefined();
    expect(lean.annotations).toEqual({ 'authorization.k8s.io/decision': 'allow' });
  });
});

describe('canHoldLean', () => {
  const match = () => true;
  it('holds lean the rules whose key, window and message read lean facts only', () => {
    const burst = testRule(
      { name: 'a', threshold: thresholdSpec(5, MIN, ['effectiveUser']), message: '{{user.username}} {{count}}' },
      match,
    );
    expect(canHoldLean(burst)).toBe(true);
    expect(
      canHoldLean(testRule({ name: 'b', suppress: { for: MIN, forText: '1m', key: ['objectRef.uid'] } }, match)),
    ).toBe(false);
    expect(
      canHoldLean(
        testRule(
          { name: 'c', suppress: { for: MIN, forText: '1m', key: [] }, message: '{{requestObject.kind}}' },
          match,
        ),
      ),
    ).toBe(false);
  });

  it('records the steps a sequence match matched, whatever they read', () => {
    const rule = testSequenceRule(
      { name: 's' },
      [
        { test: (e) => e.requestObject !== undefined, key: ['user.username'] },
        { test: (e) => e.verb === 'get', key: ['user.username'] },
        { test: (e) => e.verb === 'create', key: ['user.username'] },
      ],
      MIN,
    );
    expect(canHoldLean(rule)).toBe(true);
    expect(stepMask(rule, built[0]!)).toBe(0b101);
    expect(stepMask(rule, built[1]!)).toBe(0b010);
  });
});

describe('held lean in the stream', () => {
  it('a sequence whose steps read the request body still fires once its matches are held lean', () => {
    // Step 1 reads requestObject, which the lean event drops: the step mask taken on arrival decides.
    const rule = testSequenceRule(
      { name: 'grant-then-use', message: '{{user.username}} used {{objectRef.name}}' },
      [
        { test: (e) => (e.requestObject as { grant?: boolean } | undefined)?.grant === true, key: ['user.username'] },
        { test: (e) => e.verb === 'get', key: ['user.username'] },
      ],
      10 * MIN,
    );
    const events = [
      auditEvent({ verb: 'create', user: { username: 'bob' }, requestObject: { grant: true }, at: T0, auditID: 'g' }),
      auditEvent({
        verb: 'get',
        user: { username: 'bob' },
        objectRef: { resource: 'secrets', name: 'db' },
        at: T0 + MIN,
        auditID: 'u',
      }),
    ];
    const out: PipelineNotice[] = [];
    from(events)
      .pipe(detect(testRuleSet([rule]), { tick: false }))
      .subscribe((n) => out.push(n));
    const alerts: Alert[] = out.filter((n) => n.type === 'alert').map((n) => n.alert);
    expect(alerts.map((a) => [a.message, a.count, a.events.map((e) => e.auditID)])).toEqual([
      ['bob used db', 2, ['g', 'u']],
    ]);
  });
});
