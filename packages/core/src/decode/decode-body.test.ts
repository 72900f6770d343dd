import { describe, expect, it } from 'vitest';
import { KauditError } from '../errors.js';
import { decodeBody, decodeValue } from './decode-body.js';

const ev = (auditID: string, extra: Record<string, unknown> = {}) => ({
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'Metadata',
  auditID,
  stage: 'ResponseComplete',
  verb: 'get',
  requestURI: `/api/v1/namespaces/default/pods/${auditID}`,
  user: { username: 'alice' },
  ...extra,
});

function decodeError(fn: () => unknown): KauditError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KauditError) return err;
    throw err;
  }
  throw new Error('expected a KauditError');
}

describe('decodeBody: one JSON document', () => {
  it('decodes an EventList, from a string and from bytes', () => {
    const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [ev('a'), ev('b')] });
    const fromString = decodeBody(body);
    expect(fromString).toEqual({ events: [ev('a'), ev('b')], rejected: [] });
    expect(decodeBody(new TextEncoder().encode(body))).toEqual(fromString);
  });

  it('keeps going past a bad item in an EventList, with its index', () => {
    const body = JSON.stringify({ kind: 'EventList', items: [ev('a'), { kind: 'Event', auditID: 'x' }, ev('c'), 7] });
    const result = decodeBody(body);
    expect(result.events.map((e) => e.auditID)).toEqual(['a', 'c']);
    expect(result.rejected).toEqual([
      { index: 1, reason: 'verb and requestURI are both missing' },
      { index: 3, reason: 'an event must be a JSON object, got 7' },
    ]);
  });

  it('is not fatal when every item of a list or array is invalid', () => {
    expect(decodeBody('{"kind":"EventList","items":[{"kind":0},{"verb":1}]}')).toEqual({
      events: [],
      rejected: [
        { index: 0, reason: 'kind is 0, expected "Event"' },
        { index: 1, reason: 'verb is 1, expected a string' },
      ],
    });
    expect(decodeBody('[1, 2]').rejected).toHaveLength(2);
    expect(decodeBody('[]')).toEqual({ events: [], rejected: [] });
    expect(decodeBody('{"items":[]}')).toEqual({ events: [], rejected: [] });
  });

  it('decodes a single event, an array, and a v1beta1 event', () => {
    expect(decodeBody(JSON.stringify(ev('a'))).events).toEqual([ev('a')]);
    expect(decodeBody(JSON.stringify([ev('a'), ev('b')])).events).toHaveLength(2);
    const beta = {
      level: 'Request',
      timestamp: '2018-10-26T13:38:34Z',
      verb: 'delete',
      requestURI: '/api/v1/namespaces/foo',
    };
    expect(decodeBody(JSON.stringify(beta))).toEqual({ events: [beta], rejected: [] });
  });

  it('rejects a lone malformed event with a reason rather than failing the body', () => {
    expect(decodeBody('{"kind": 0}')).toEqual({ events: [], rejected: [{ reason: 'kind is 0, expected "Event"' }] });
  });

  it('unwraps the AKS records wrapper, with string and object logs', () => {
    const body = JSON.stringify({
      records: [
        { category: 'kube-audit', properties: { log: `${JSON.stringify(ev('s'))}\n`, stream: 'stdout' } },
        { category: 'kube-audit', properties: { log: ev('o') } },
        { category: 'kube-audit', properties: { log: '{"kind":"Event"' } },
        { category: 'kube-audit', properties: { log: JSON.stringify({ kind: 'Event', verb: 9 }) } },
      ],
    });
    const result = decodeBody(body);
    expect(result.events).toEqual([ev('s'), ev('o')]);
    expect(result.rejected).toEqual([
      { index: 2, reason: expect.stringMatching(/^records\[2\]\.properties\.log is not JSON: /) as unknown },
      { index: 3, reason: 'verb is 9, expected a string' },
    ]);
  });

  it('accepts a byte order mark', () => {
    expect(decodeBody(`\uFEFF${JSON.stringify(ev('a'))}`).events).toHaveLength(1);
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify([ev('a')]))]);
    expect(decodeBody(bytes).events).toHaveLength(1);
  });

  it('applies limits and removes prototype keys', () => {
    // Too deep outside the bodies: the event is refused.
    const deep = { verb: 'get', user: { extra: { a: { b: { c: {} } } } } };
    expect(decodeBody(JSON.stringify(deep), { limits: { maxDepth: 3 } }).rejected).toEqual([
      { reason: 'nesting deeper than 3' },
    ]);
    // Too deep inside a body: the event is kept, that body is dropped and says why.
    const deepBody = { verb: 'get', requestObject: { a: { b: { c: { d: {} } } } }, responseObject: { ok: 1 } };
    expect(decodeBody(JSON.stringify(deepBody), { limits: { maxDepth: 3 } }).events).toEqual([
      {
        verb: 'get',
        requestObject: { 'kaudit.dropped': 'requestObject dropped: nesting deeper than 3' },
        responseObject: { ok: 1 },
      },
    ]);
    const result = decodeBody('[{"verb":"get","__proto__":{"isAdmin":true},"user":{"prototype":1}}]');
    expect(result.events).toEqual([{ verb: 'get', user: {} }]);
    expect(Object.hasOwn(result.events[0] as object, '__proto__')).toBe(false);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('names the source in rejections', () => {
    expect(decodeBody('[{"kind":0}]', { source: 'webhook' }).rejected).toEqual([
      { index: 0, reason: 'kind is 0, expected "Event"', source: 'webhook' },
    ]);
  });
});

describe('decodeBody: JSON lines', () => {
  it('decodes every good line and rejects bad ones with their line numbers', () => {
    const body = [
      JSON.stringify(ev('1')),
      '',
      'this is not json',
      JSON.stringify(ev('4')),
      '{"hello":1}',
      '   ',
      JSON.stringify({ kind: 'Event', verb: 'get', sourceIPs: 'x' }),
      JSON.stringify({ kind: 'EventList', items: [ev('8a'), { kind: 0 }, ev('8c')] }),
      JSON.stringify(ev('9')),
    ].join('\n');
    const result = decodeBody(body);
    expect(result.events.map((e) => e.auditID)).toEqual(['1', '4', '8a', '8c', '9']);
    expect(result.rejected).toEqual([
      { line: 3, reason: expect.stringMatching(/^not JSON: Unexpected token/) as unknown },
      { line: 5, reason: expect.stringMatching(/^not an audit event: expected an audit Event/) as unknown },
      { line: 7, reason: 'sourceIPs is "x", expected an array of strings' },
      { line: 8, index: 1, reason: 'kind is 0, expected "Event"' },
    ]);
  });

  it('handles CRLF and a missing final newline', () => {
    const body = `${JSON.stringify(ev('a'))}\r\n\r\n${JSON.stringify(ev('b'))}\r\n${JSON.stringify(ev('c'))}`;
    expect(decodeBody(body).events.map((e) => e.auditID)).toEqual(['a', 'b', 'c']);
  });

  it('does not copy input into JSON error reasons', () => {
    const result = decodeBody(`${JSON.stringify(ev('a'))}\nBearer-s3cr3t-t0ken-value`);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]?.reason).not.toContain('s3cr3t');
  });
});

describe('decodeBody: fatal bodies', () => {
  it('throws invalid_json for text that is not JSON', () => {
    const err = decodeError(() => decodeBody('hello world'));
    expect(err.code).toBe('invalid_json');
    expect(err.component).toBe('decode');
    expect(err.message).toBe("[decode] the input is not JSON: Unexpected token 'h'");
    expect(decodeError(() => decodeBody('{"kind":"Event","verb":"get"')).code).toBe('invalid_json');
    expect(decodeError(() => decodeBody('not\njson\nat all')).code).toBe('invalid_json');
  });

  it('throws invalid_json for an empty body', () => {
    const err = decodeError(() => decodeBody('  \n\n'));
    expect(err.code).toBe('invalid_json');
    expect(err.message).toBe('[decode] the input is empty');
    expect(decodeError(() => decodeBody(new Uint8Array(0))).code).toBe('invalid_json');
  });

  it('throws not_audit_events for JSON with no audit shape', () => {
    const err = decodeError(() => decodeBody('{"hello":1}', { source: 'POST /audit' }));
    expect(err.code).toBe('not_audit_events');
    expect(err.message).toBe(
      '[decode] POST /audit: the input holds no audit events: expected an audit Event, an EventList, an array of events or an Azure {"records":[...]} wrapper, got an object with keys "hello"',
    );
    expect(decodeError(() => decodeBody('42')).code).toBe('not_audit_events');
    expect(decodeError(() => decodeBody('"Event"')).code).toBe('not_audit_events');
    expect(decodeError(() => decodeBody('{"kind":"Pod","apiVersion":"v1"}')).code).toBe('not_audit_events');
    expect(decodeError(() => decodeBody('{"kind":"EventList","apiVersion":"v1","items":[]}')).code).toBe(
      'not_audit_events',
    );
  });

  it('throws not_audit_events for JSON lines none of which is audit data', () => {
    const err = decodeError(() => decodeBody('{"hello":1}\n{"hello":2}\nnot json'));
    expect(err.code).toBe('not_audit_events');
    expect(err.message).toMatch(/holds no audit events in its 2 JSON lines; line 1: not an audit event/);
  });
});

describe('decodeValue', () => {
  it('decodes objects a caller already holds, in every shape', () => {
    expect(decodeValue(ev('a')).events).toEqual([ev('a')]);
    expect(decodeValue([ev('a'), ev('b')]).events).toHaveLength(2);
    expect(decodeValue({ kind: 'EventList', items: [ev('a'), { kind: 0 }] })).toEqual({
      events: [ev('a')],
      rejected: [{ index: 1, reason: 'kind is 0, expected "Event"' }],
    });
  });

  it('sanitizes held objects too', () => {
    const e = ev('a') as Record<string, unknown>;
    Object.defineProperty(e, '__proto__', {
      value: { isAdmin: true },
      enumerable: true,
      configurable: true,
      writable: true,
    });
    expect(Object.hasOwn(e, '__proto__')).toBe(true);
    expect(decodeValue([e]).events).toEqual([ev('a')]);
    expect(Object.hasOwn(e, '__proto__')).toBe(false);

    expect(decodeValue([ev('b', { requestReceivedTimestamp: new Date(0) })]).rejected).toEqual([
      { index: 0, reason: 'a Date object is not JSON data' },
    ]);
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(decodeValue(ev('c', { requestObject: deep })).events[0]!.requestObject).toEqual({
      'kaudit.dropped': 'requestObject dropped: nesting deeper than 64',
    });
    expect(decodeValue(ev('c', { user: { extra: deep } })).rejected).toEqual([{ reason: 'nesting deeper than 64' }]);
  });

  it('throws not_audit_events for values with no audit shape', () => {
    expect(decodeError(() => decodeValue({ hello: 1 })).code).toBe('not_audit_events');
    expect(decodeError(() => decodeValue(undefined)).code).toBe('not_audit_events');
  });
});
