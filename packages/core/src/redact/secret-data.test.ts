import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../event/audit-event.js';
import { createRedactor } from './create-redactor.js';
import { REDACTED } from './marker.js';

// Secret values that no token pattern recognises: only the Secret rules can remove them.
const PASSWORD = 'aHVudGVyMi1rYXVkaXQtcGFzc3dvcmQ=';
const USERNAME = 'a2F1ZGl0LWFkbWlu';
const PLAIN = 'plain-text-kaudit-secret';

const redact = createRedactor();

function secretEvent(fields: Partial<AuditEvent>): AuditEvent {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'RequestResponse',
    auditID: 'a1b2c3d4-0000-4000-8000-000000000001',
    stage: 'ResponseComplete',
    verb: 'create',
    requestURI: '/api/v1/namespaces/default/secrets',
    user: { username: 'alice', groups: ['system:authenticated'] },
    objectRef: { resource: 'secrets', namespace: 'default', name: 'db', apiVersion: 'v1' },
    responseStatus: { code: 201 },
    ...fields,
  };
}

function secret(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'Secret',
    apiVersion: 'v1',
    metadata: { name: 'db', namespace: 'default', labels: { app: 'db' } },
    type: 'Opaque',
    data: { password: PASSWORD, username: USERNAME },
    ...extra,
  };
}

function expectNoSecrets(event: AuditEvent): void {
  const json = JSON.stringify(event);
  for (const s of [PASSWORD, USERNAME, PLAIN]) expect(json).not.toContain(s);
}

describe('Secret data and stringData', () => {
  it('replaces each value of a created Secret in request and response, keeping keys and metadata', () => {
    const event = secretEvent({
      requestObject: secret({ stringData: { token: PLAIN } }),
      responseObject: secret(),
    });
    expect(redact(event)).toBe(5);
    expectNoSecrets(event);
    expect(event.requestObject).toEqual({
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 'db', namespace: 'default', labels: { app: 'db' } },
      type: 'Opaque',
      data: { password: REDACTED, username: REDACTED },
      stringData: { token: REDACTED },
    });
    expect(event.responseObject).toMatchObject({ data: { password: REDACTED, username: REDACTED } });
  });

  it('recognises a Secret by its kind when objectRef is missing or names another resource', () => {
    const event = secretEvent({ objectRef: undefined, requestObject: secret() });
    expect(redact(event)).toBe(2);
    expectNoSecrets(event);
  });

  it('redacts a merge patch on secrets, which carries no kind', () => {
    const event = secretEvent({
      verb: 'patch',
      requestObject: {
        data: { password: PASSWORD },
        stringData: { extra: PLAIN },
        metadata: { labels: { rotated: 'yes' } },
      },
    });
    expect(redact(event)).toBe(2);
    expectNoSecrets(event);
    expect(event.requestObject).toEqual({
      data: { password: REDACTED },
      stringData: { extra: REDACTED },
      metadata: { labels: { rotated: 'yes' } },
    });
  });

  it('leaves null values of a merge patch (key deletions) and metadata keys named data alone', () => {
    const event = secretEvent({
      verb: 'patch',
      requestObject: { data: { old: null, password: PASSWORD }, metadata: { annotations: { data: 'not secret' } } },
    });
    expect(redact(event)).toBe(1);
    expect(event.requestObject).toEqual({
      data: { old: null, password: REDACTED },
      metadata: { annotations: { data: 'not secret' } },
    });
  });

  it('redacts every item of a SecretList, whose items carry no kind', () => {
    const item = { metadata: { name: 'db' }, type: 'Opaque', data: { password: PASSWORD } };
    const event = secretEvent({
      verb: 'list',
      objectRef: undefined,
      responseObject: {
        kind: 'SecretList',
        apiVersion: 'v1',
        metadata: {},
        items: [item, { ...item, data: { username: USERNAME } }],
      },
    });
    expect(redact(event)).toBe(2);
    expectNoSecrets(event);
    expect(event.responseObject).toMatchObject({
      items: [{ metadata: { name: 'db' }, data: { password: REDACTED } }, { data: { username: REDACTED } }],
    });
  });

  it('redacts items of a list response on the secrets resource even without a list kind', () => {
    const event = secretEvent({ verb: 'list', responseObject: { items: [{ data: { password: PASSWORD } }] } });
    expect(redact(event)).toBe(1);
    expectNoSecrets(event);
  });

  it('redacts the Secret of a watch event on the secrets resource', () => {
    const event = secretEvent({
      verb: 'watch',
      responseObject: { type: 'ADDED', object: { data: { password: PASSWORD } } },
    });
    expect(redact(event)).toBe(1);
    expectNoSecrets(event);
  });

  it('redacts the Secrets inside a mixed kind: List (kubectl apply) and keeps ConfigMap data', () => {
    const event = secretEvent({
      objectRef: undefined,
      requestURI: '/api/v1/namespaces/default/configmaps',
      requestObject: {
        kind: 'List',
        apiVersion: 'v1',
        items: [
          { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cfg' }, data: { 'app.conf': 'color=blue' } },
          secret({ stringData: { token: PLAIN } }),
          { kind: 'List', items: [secret()] },
        ],
      },
    });
    expect(redact(event)).toBe(5);
    expectNoSecrets(event);
    const items = (event.requestObject as { items: Record<string, unknown>[] }).items;
    expect(items[0]).toMatchObject({ data: { 'app.conf': 'color=blue' } });
    expect(items[1]).toMatchObject({
      data: { password: REDACTED, username: REDACTED },
      stringData: { token: REDACTED },
    });
  });

  it('redacts JSON patch values that reach data or stringData, whole maps or single keys', () => {
    const event = secretEvent({
      verb: 'patch',
      requestObject: [
        { op: 'test', path: '/data/username', value: USERNAME },
        { op: 'replace', path: '/data/password', value: PASSWORD },
        { op: 'add', path: '/stringData', value: { token: PLAIN, other: PLAIN } },
        { op: 'add', path: '/data', value: { password: PASSWORD } },
        { op: 'remove', path: '/data/old' },
        { op: 'replace', path: '/metadata/labels/tier', value: 'backend' },
      ],
    });
    expect(redact(event)).toBe(5);
    expectNoSecrets(event);
    expect(event.requestObject).toEqual([
      { op: 'test', path: '/data/username', value: REDACTED },
      { op: 'replace', path: '/data/password', value: REDACTED },
      { op: 'add', path: '/stringData', value: { token: REDACTED, other: REDACTED } },
      { op: 'add', path: '/data', value: { password: REDACTED } },
      { op: 'remove', path: '/data/old' },
      { op: 'replace', path: '/metadata/labels/tier', value: 'backend' },
    ]);
  });

  it('redacts a JSON patch replacing the whole Secret', () => {
    const event = secretEvent({
      verb: 'patch',
      requestObject: [{ op: 'replace', path: '', value: { data: { password: PASSWORD } } }],
    });
    expect(redact(event)).toBe(1);
    expectNoSecrets(event);
  });

  it('keeps data paths of JSON patches and bodies on other resources (ConfigMap data is not secret)', () => {
    const event = secretEvent({
      verb: 'patch',
      objectRef: { resource: 'configmaps', namespace: 'default', name: 'cfg' },
      requestObject: [{ op: 'replace', path: '/data/color', value: PLAIN }],
      responseObject: { kind: 'ConfigMap', data: { color: PLAIN } },
    });
    expect(redact(event)).toBe(0);
    expect(JSON.stringify(event)).toContain(PLAIN);
  });

  it('replaces a malformed data field that is not a map as a whole', () => {
    const event = secretEvent({ requestObject: { kind: 'Secret', data: PASSWORD } });
    expect(redact(event)).toBe(1);
    expect(event.requestObject).toEqual({ kind: 'Secret', data: REDACTED });
  });
});
