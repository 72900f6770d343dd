import { describe, expect, it } from 'vitest';
import { checkEvent, type CheckResult } from './check-event.js';
import { DEFAULT_LIMITS, resolveLimits } from './sanitize.js';

function reasonOf(result: CheckResult): string | undefined {
  return 'reason' in result ? result.reason : undefined;
}

const v1Event = () => ({
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'Metadata',
  auditID: 'a1',
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/default/pods/web/exec?command=sh',
  verb: 'create',
  user: { username: 'alice', uid: 'u1', groups: ['dev', 'system:authenticated'], extra: { scopes: ['a', 'b'] } },
  impersonatedUser: { username: 'bob' },
  sourceIPs: ['10.0.0.7'],
  userAgent: 'kubectl/v1.30.0',
  objectRef: { resource: 'pods', namespace: 'default', name: 'web', apiVersion: 'v1', subresource: 'exec' },
  responseStatus: { metadata: {}, code: 101 },
  requestReceivedTimestamp: '2024-03-01T10:00:00.123456Z',
  stageTimestamp: '2024-03-01T10:00:00.223456Z',
  annotations: { 'authorization.k8s.io/decision': 'allow' },
});

describe('checkEvent', () => {
  it('accepts a full v1 event and returns the same object', () => {
    const e = v1Event();
    const result = checkEvent(e);
    expect(result).toEqual({ event: e });
    expect('event' in result && result.event).toBe(e);
  });

  it('accepts a v1beta1 event with timestamp and no apiVersion or kind', () => {
    const e = {
      metadata: { creationTimestamp: '2018-10-26T13:38:34Z' },
      timestamp: '2018-10-26T13:38:34Z',
      level: 'Request',
      verb: 'create',
      requestURI: '/api/v1/namespaces/default/pods',
      user: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
    };
    expect(checkEvent(e)).toEqual({ event: e });
    expect(checkEvent({ ...e, apiVersion: 'audit.k8s.io/v1beta1' })).toHaveProperty('event');
    expect(checkEvent({ ...e, apiVersion: 'audit.k8s.io/v1alpha1' })).toHaveProperty('event');
  });

  it('needs only a verb or a requestURI', () => {
    expect(checkEvent({ verb: 'list' })).toHaveProperty('event');
    expect(checkEvent({ requestURI: '/healthz' })).toHaveProperty('event');
    expect(reasonOf(checkEvent({ kind: 'Event', auditID: 'x', stage: 'ResponseComplete' }))).toBe(
      'verb and requestURI are both missing',
    );
    expect(reasonOf(checkEvent({ verb: null, requestURI: null }))).toBe('verb and requestURI are both missing');
  });

  it('gives short, specific reasons for kind, apiVersion and shape', () => {
    expect(reasonOf(checkEvent({ kind: 0 }))).toBe('kind is 0, expected "Event"');
    expect(reasonOf(checkEvent({ kind: 'Pod', verb: 'get' }))).toBe('kind is "Pod", expected "Event"');
    expect(reasonOf(checkEvent({ apiVersion: 'v1', verb: 'get' }))).toBe(
      'apiVersion is "v1", expected audit.k8s.io/v1, v1beta1 or v1alpha1',
    );
    expect(reasonOf(checkEvent([{ verb: 'get' }]))).toBe('an event must be a JSON object, got an array');
    expect(reasonOf(checkEvent('get'))).toBe('an event must be a JSON object, got "get"');
    expect(reasonOf(checkEvent(null))).toBe('an event must be a JSON object, got null');
    expect(reasonOf(checkEvent({ verb: 5 }))).toBe('verb is 5, expected a string');
    expect(reasonOf(checkEvent({ verb: 'get', requestURI: 7 }))).toBe('requestURI is 7, expected a string');
  });

  it('checks the types of the fields rules read', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ level: 2 }, 'level is 2, expected a string'],
      [{ user: 'bob' }, 'user is "bob", expected an object'],
      [{ user: [] }, 'user is an array, expected an object'],
      [{ user: { username: 1 } }, 'user.username is 1, expected a string'],
      [{ user: { groups: 'system:masters' } }, 'user.groups is "system:masters", expected an array of strings'],
      [{ user: { groups: ['ok', 3] } }, 'user.groups[1] is 3, expected a string'],
      [{ user: { extra: { scopes: 'x' } } }, 'user.extra["scopes"] is "x", expected an array of strings'],
      [{ impersonatedUser: { username: false } }, 'impersonatedUser.username is false, expected a string'],
      [{ sourceIPs: '10.0.0.1' }, 'sourceIPs is "10.0.0.1", expected an array of strings'],
      [{ sourceIPs: ['10.0.0.1', {}] }, 'sourceIPs[1] is an object, expected a string'],
      [{ objectRef: 'pods' }, 'objectRef is "pods", expected an object'],
      [{ objectRef: { namespace: 5 } }, 'objectRef.namespace is 5, expected a string'],
      [{ responseStatus: 200 }, 'responseStatus is 200, expected an object'],
      [{ responseStatus: { code: '200' } }, 'responseStatus.code is "200", expected a number'],
      [{ responseStatus: { code: 403, reason: 1 } }, 'responseStatus.reason is 1, expected a string'],
      [{ annotations: [] }, 'annotations is an array, expected an object'],
      [{ annotations: { 'a/b': true } }, 'annotations["a/b"] is true, expected a string'],
      [{ stageTimestamp: 1700000000 }, 'stageTimestamp is 1700000000, expected a string'],
      [{ requestReceivedTimestamp: 'yesterday' }, 'requestReceivedTimestamp is "yesterday", not an RFC 3339 time'],
      [{ timestamp: '2018-13-01T00:00:00Z' }, 'timestamp is "2018-13-01T00:00:00Z", not an RFC 3339 time'],
    ];
    for (const [fields, reason] of cases) {
      expect(reasonOf(checkEvent({ verb: 'get', ...fields })), JSON.stringify(fields)).toBe(reason);
    }
  });

  it('accepts the timestamp forms real logs carry', () => {
    for (const t of [
      '2022-11-29 00:09:04.38',
      '2023-01-27T18:28:08.129781Z',
      '2020-05-08T22:44:17Z',
      '2024-01-01T00:00:00+02:00',
    ]) {
      expect(checkEvent({ verb: 'get', requestReceivedTimestamp: t }), t).toHaveProperty('event');
    }
  });

  it('treats a null typed field as absent and removes it', () => {
    const e: Record<string, unknown> = { verb: 'get', user: null, objectRef: { namespace: null, resource: 'pods' } };
    expect(checkEvent(e)).toHaveProperty('event');
    expect(e).toEqual({ verb: 'get', objectRef: { resource: 'pods' } });
    expect(Object.hasOwn(e, 'user')).toBe(false);
  });

  it('keeps unknown fields, top-level and nested', () => {
    const e = { verb: 'get', futureField: { x: [1, 2] }, user: { username: 'a', newThing: 1 }, requestObject: null };
    const copy = structuredClone(e);
    expect(checkEvent(e)).toEqual({ event: copy });
  });

  it('sanitizes: limits apply and prototype keys go', () => {
    let deep: unknown = {};
    for (let i = 0; i < 70; i++) deep = { a: deep };
    expect(reasonOf(checkEvent({ verb: 'get', annotations: deep }))).toBe('nesting deeper than 64');
    expect(reasonOf(checkEvent({ verb: 'get', user: { extra: { b: 1 } } }, resolveLimits({ maxDepth: 2 })))).toBe(
      'nesting deeper than 2',
    );
    const parsed = JSON.parse(
      '{"verb":"get","__proto__":{"admin":true},"user":{"constructor":{"x":1},"username":"a"}}',
    );
    const result = checkEvent(parsed, DEFAULT_LIMITS);
    expect(result).toEqual({ event: { verb: 'get', user: { username: 'a' } } });
    expect(Object.hasOwn(parsed as object, '__proto__')).toBe(false);
  });

  it('keeps an event whose body alone breaks a limit, dropping that body with the reason', () => {
    const huge = 'x'.repeat(DEFAULT_LIMITS.maxStringLength + 1);
    const annotation = 'kubectl.kubernetes.io/last-applied-configuration';
    const event = {
      verb: 'create',
      objectRef: { resource: 'customresourcedefinitions', name: 'big.example.com' },
      requestObject: { metadata: { annotations: { [annotation]: huge } } },
      responseObject: { metadata: { name: 'big.example.com' } },
    };
    const result = checkEvent(event);
    expect(result).toEqual({
      event: {
        verb: 'create',
        objectRef: { resource: 'customresourcedefinitions', name: 'big.example.com' },
        requestObject: {
          'kaudit.dropped': expect.stringMatching(/^requestObject dropped: the string at key .* longer than 262144$/),
        },
        responseObject: { metadata: { name: 'big.example.com' } },
      },
    });
    // The same string outside a body still refuses the event: there is no body to drop.
    expect(reasonOf(checkEvent({ verb: 'get', userAgent: huge }))).toMatch(/longer than/);
  });

  it('never copies long values into reasons', () => {
    const secret = `token-${'s'.repeat(100)}`;
    const reason = reasonOf(checkEvent({ verb: 'get', user: secret }));
    expect(reason).toMatch(/^user is "token-s+…", expected an object$/);
    expect(reason?.length).toBeLessThan(70);
  });
});
