import { describe, expect, it } from 'vitest';
import type { PipelineNotice } from '../alert/alert.js';
import type { Sink } from '../sink/sink.js';
import { auditEvent } from '../testing/audit-event-builder.js';
import { parseRuleSet } from '../rules/load-rule-files.js';
import { compileRuleSet } from '../rules/compile-rule-set.js';
import type { RuleFile } from '../rules/rule-file.js';
import { memoryDeadLetters } from '../delivery/dead-letter.js';
import { createManualClock } from '../delivery/manual-clock.js';
import { decodeBody } from '../decode/decode-body.js';
import { FAKE_JWT } from '../redact/fake-credentials.js';
import { createPipeline } from './create-pipeline.js';

const ruleFile: RuleFile = {
  rules: [
    {
      name: 'secret-created',
      title: 'Secret created',
      severity: 'medium',
      conditions: {
        all: [
          { fact: 'objectRef.resource', operator: 'equal', value: 'secrets' },
          { fact: 'verb', operator: 'equal', value: 'create' },
          { fact: 'requestObject', path: '$.data.password', operator: 'exists', value: true },
        ],
      },
      message: '{{user.username}} created {{objectRef.name}} with password {{requestObject.data.password}}',
    },
    {
      name: 'pod-with-env',
      title: 'Pod created',
      severity: 'low',
      conditions: { all: [{ fact: 'objectRef.resource', operator: 'equal', value: 'pods' }] },
      message: 'env: {{requestObject.spec.containers}}',
    },
  ],
};

const rules = compileRuleSet(parseRuleSet([{ file: 'inline.json', json: ruleFile }]));
const PASSWORD = 'cGFzc3dvcmQtMTIzNDU2';
const ENV_SECRET = 'sk-live-do-not-leak-0987654321';

function eventList() {
  return {
    kind: 'EventList',
    apiVersion: 'audit.k8s.io/v1',
    items: [
      auditEvent({
        verb: 'create',
        level: 'RequestResponse',
        objectRef: { resource: 'secrets', namespace: 'shop', name: 'db' },
        requestObject: { kind: 'Secret', metadata: { name: 'db' }, data: { password: PASSWORD } },
      }),
      { kind: 0 },
      auditEvent({
        verb: 'create',
        level: 'Request',
        objectRef: { resource: 'pods', namespace: 'shop', name: 'api' },
        requestObject: {
          kind: 'Pod',
          spec: { containers: [{ name: 'api', env: [{ name: 'TOKEN', value: ENV_SECRET }] }] },
        },
      }),
    ],
  };
}

function recordingSink(): Sink & { received: PipelineNotice[] } {
  const received: PipelineNotice[] = [];
  return {
    id: 'recorder',
    type: 'test',
    received,
    async send(notice) {
      received.push(notice);
      return { status: 'delivered' };
    },
  };
}

describe('createPipeline', () => {
  it('decodes a body, rejects the bad item only, redacts, evaluates and delivers', async () => {
    const sink = recordingSink();
    const pipeline = createPipeline({ rules, sinks: [sink], tick: false });
    const notices: PipelineNotice[] = [];
    pipeline.notices$.subscribe((n) => notices.push(n));
    const result = pipeline.pushBody(JSON.stringify(eventList()));
    expect(result.accepted).toBe(2);
    expect(result.rejected).toEqual([expect.objectContaining({ index: 1, reason: 'kind is 0, expected "Event"' })]);
    await pipeline.end();

    expect(sink.received.map((n) => [n.type, n.alert.rule])).toEqual([
      ['alert', 'secret-created'],
      ['alert', 'pod-with-env'],
    ]);
    // The password key still matched `exists`, but its value is gone from everything downstream.
    expect(sink.received[0]!.alert.message).toBe('alice@example.com created db with password [REDACTED]');
    const everything = JSON.stringify([notices, sink.received, pipeline.stats]);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(ENV_SECRET);
    expect(pipeline.stats).toMatchObject({
      events: 2,
      rejected: 1,
      rejectedByReason: { 'kind is 0, expected "Event"': 1 },
      alerts: 2,
      matches: { 'secret-created': 1, 'pod-with-env': 1 },
      deliveries: { recorder: { alerts: 2, delivered: 2, retried: 0, deadLettered: 0, queued: 0 } },
    });
    expect(pipeline.stats.redacted).toBeGreaterThanOrEqual(2);
  });

  it('redacts a body in its one decode pass exactly as pushDecoded redacts decoded events', async () => {
    const lines = [
      ...eventList().items,
      { kind: 'Event', verb: 'get', requestURI: `/api/v1/pods?token=${FAKE_JWT}`, auditID: 'clean-but-a-token' },
      { kind: 'Event', verb: 'list', requestURI: '/api/v1/pods', auditID: 'clean' },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const run = async (push: (p: ReturnType<typeof createPipeline>) => void) => {
      const pipeline = createPipeline({ rules, tick: false });
      const notices: PipelineNotice[] = [];
      pipeline.notices$.subscribe((n) => notices.push(n));
      push(pipeline);
      await pipeline.end();
      return { notices: JSON.stringify(notices), redacted: pipeline.stats.redacted, events: pipeline.stats.events };
    };
    const onePass = await run((p) => p.pushBody(lines));
    const apart = await run((p) => p.pushDecoded(decodeBody(lines)));
    expect(onePass.events).toBe(4);
    expect(onePass.redacted).toBeGreaterThanOrEqual(3);
    expect(onePass.notices).not.toContain(FAKE_JWT);
    expect(onePass).toEqual(apart);
  });

  it('accepts objects from library callers and refuses a body that is not audit events', async () => {
    const pipeline = createPipeline({ rules, tick: false });
    expect(pipeline.push([eventList().items[0]]).accepted).toBe(1);
    expect(() => pipeline.pushBody('{"hello": "world"}')).toThrow(/not_audit|audit/);
    expect(() => pipeline.pushBody('not json')).toThrow();
    await pipeline.end();
    expect(pipeline.stats.alerts).toBe(1);
  });

  it('never lets a failing sink block the pipeline or the other sinks', async () => {
    const good = recordingSink();
    const failing: Sink = {
      id: 'broken',
      type: 'test',
      send: () => Promise.reject(new Error('boom')),
    };
    const dead = memoryDeadLetters();
    const pipeline = createPipeline({
      rules,
      sinks: [failing, good],
      tick: false,
      delivery: { deadLetter: dead, rate: { perSecond: 100, burst: 10 } },
    });
    pipeline.pushBody(JSON.stringify(eventList()));
    await pipeline.end();
    expect(good.received).toHaveLength(2);
    // A throwing sink is a bug, not an outage: one minimal try each, then the dead letters.
    expect(pipeline.stats.deliveries.broken).toMatchObject({ alerts: 2, deadLettered: 2, rejectedPayload: 4 });
    expect(dead.entries.map((e) => [e.sink, e.code, e.notice.alert.rule])).toEqual([
      ['broken', 'sink_error', 'secret-created'],
      ['broken', 'sink_error', 'pod-with-env'],
    ]);
  });
  it('delivers at 1 message/s per destination by default (virtual time), and end() waits for it', async () => {
    const clock = createManualClock();
    const times: number[] = [];
    const sink: Sink = {
      id: 'timed',
      type: 'test',
      async send() {
        times.push(clock.now());
        return { status: 'delivered' };
      },
    };
    const pipeline = createPipeline({ rules, sinks: [sink], tick: false, delivery: { clock } });
    for (let i = 0; i < 3; i++) pipeline.pushBody(JSON.stringify(eventList()));
    let ended = false;
    const end = pipeline.end().then(() => (ended = true));
    await clock.advance(2999);
    expect(ended).toBe(false);
    await clock.runAll();
    await end;
    // Burst of 3, then one per second.
    expect(times).toEqual([0, 0, 0, 1000, 2000, 3000]);
    expect(pipeline.delivery.stats.timed).toMatchObject({ alerts: 6, delivered: 6, queued: 0 });
  });
});
