import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../event/audit-event.js';
import { createRedactor } from './create-redactor.js';
import { REDACTED } from './marker.js';

const DB_PASSWORD = 'env-secret-value-kaudit';
const redact = createRedactor();

const env = () => [
  { name: 'DB_PASSWORD', value: DB_PASSWORD },
  { name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'api', key: 'key' } } },
];
const redactedEnv = [
  { name: 'DB_PASSWORD', value: REDACTED },
  { name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'api', key: 'key' } } },
];
const podSpec = () => ({
  containers: [{ name: 'app', image: 'app:1', env: env() }],
  initContainers: [{ name: 'init', image: 'init:1', env: env() }],
  ephemeralContainers: [{ name: 'debug', image: 'busybox', env: env() }],
});

function event(resource: string, fields: Partial<AuditEvent>): AuditEvent {
  return {
    kind: 'Event',
    level: 'RequestResponse',
    stage: 'ResponseComplete',
    verb: 'create',
    objectRef: { resource, namespace: 'default', name: 'web' },
    ...fields,
  };
}

function expectRedacted(e: AuditEvent, expected: number): void {
  expect(redact(e)).toBe(expected);
  const json = JSON.stringify(e);
  expect(json).not.toContain(DB_PASSWORD);
  expect(json).toContain('"name":"DB_PASSWORD","value":"[REDACTED]"');
  expect(json).toContain('"valueFrom":{"secretKeyRef":{"name":"api","key":"key"}}');
}

describe('container env values', () => {
  it('are replaced in a Pod for containers, init and ephemeral containers, name and valueFrom kept', () => {
    const e = event('pods', { requestObject: { kind: 'Pod', spec: podSpec() } });
    expectRedacted(e, 3);
    expect((e.requestObject as { spec: { containers: { env: unknown }[] } }).spec.containers[0]!.env).toEqual(
      redactedEnv,
    );
  });

  for (const [kind, resource] of [
    ['Deployment', 'deployments'],
    ['StatefulSet', 'statefulsets'],
    ['DaemonSet', 'daemonsets'],
    ['ReplicaSet', 'replicasets'],
    ['Job', 'jobs'],
  ] as const) {
    it(`are replaced in the pod template of a ${kind}`, () => {
      const body = () => ({
        kind,
        spec: { replicas: 2, template: { metadata: { labels: { app: 'web' } }, spec: podSpec() } },
      });
      expectRedacted(event(resource, { requestObject: body(), responseObject: body() }), 6);
    });
  }

  it('are replaced in the job template of a CronJob', () => {
    const body = {
      kind: 'CronJob',
      spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: podSpec() } } } },
    };
    expectRedacted(event('cronjobs', { requestObject: body }), 3);
  });

  it('are replaced in the request of pods/ephemeralcontainers', () => {
    const e = event('pods', {
      verb: 'patch',
      objectRef: { resource: 'pods', subresource: 'ephemeralcontainers', name: 'web' },
      requestObject: { spec: { ephemeralContainers: [{ name: 'debugger', image: 'busybox', env: env() }] } },
    });
    expectRedacted(e, 1);
  });

  it('are replaced in a strategic merge patch of a Deployment', () => {
    const e = event('deployments', {
      verb: 'patch',
      requestObject: {
        spec: {
          template: {
            spec: { containers: [{ name: 'app', env: env() }], $setElementOrder: { env: [{ name: 'DB_PASSWORD' }] } },
          },
        },
      },
    });
    expectRedacted(e, 1);
  });

  it('are replaced by JSON patch: one value, one entry, a whole array', () => {
    const e = event('deployments', {
      verb: 'patch',
      requestObject: [
        { op: 'replace', path: '/spec/template/spec/containers/0/env/0/value', value: DB_PASSWORD },
        {
          op: 'add',
          path: '/spec/template/spec/containers/0/env/-',
          value: { name: 'DB_PASSWORD', value: DB_PASSWORD },
        },
        { op: 'add', path: '/spec/template/spec/initContainers/0/env', value: env() },
        { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'app:2' },
      ],
    });
    expectRedacted(e, 3);
    expect(e.requestObject).toEqual([
      { op: 'replace', path: '/spec/template/spec/containers/0/env/0/value', value: REDACTED },
      { op: 'add', path: '/spec/template/spec/containers/0/env/-', value: { name: 'DB_PASSWORD', value: REDACTED } },
      { op: 'add', path: '/spec/template/spec/initContainers/0/env', value: redactedEnv },
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'app:2' },
    ]);
  });

  it('are replaced in a pod list response', () => {
    const e = event('pods', {
      verb: 'list',
      responseObject: { kind: 'PodList', items: [{ spec: podSpec() }, { spec: podSpec() }] },
    });
    expectRedacted(e, 6);
  });
});
