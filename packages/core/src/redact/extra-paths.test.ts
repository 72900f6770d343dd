import { describe, expect, it } from 'vitest';
import { KauditError } from '../errors.js';
import type { AuditEvent } from '../event/audit-event.js';
import { createRedactor } from './create-redactor.js';
import { REDACTED } from './marker.js';

const PASSWORD = 'custom-resource-password';
const TOKEN = 'custom-resource-token';

function event(): AuditEvent {
  return {
    kind: 'Event',
    level: 'RequestResponse',
    verb: 'create',
    objectRef: { resource: 'databases', apiGroup: 'example.com' },
    requestObject: {
      kind: 'Database',
      spec: { password: PASSWORD, user: 'app', credentials: { a: PASSWORD, b: TOKEN } },
    },
    responseObject: {
      kind: 'DatabaseList',
      items: [
        { spec: { token: TOKEN, host: 'db-1' } },
        { spec: { token: TOKEN, host: 'db-2' } },
        { spec: { host: 'db-3' } },
      ],
    },
    annotations: { 'example.com/db.password': PASSWORD, 'example.com/db': 'orders' },
  };
}

describe('extra redaction paths', () => {
  it('replace the value at a dotted path and nothing beside it', () => {
    const e = event();
    expect(createRedactor({ paths: ['requestObject.spec.password'] })(e)).toBe(1);
    expect(e.requestObject).toEqual({
      kind: 'Database',
      spec: { password: REDACTED, user: 'app', credentials: { a: PASSWORD, b: TOKEN } },
    });
  });

  it('follow * through every array index, and skip items without the field', () => {
    const e = event();
    expect(createRedactor({ paths: ['responseObject.items.*.spec.token'] })(e)).toBe(2);
    expect(JSON.stringify(e.responseObject)).not.toContain(TOKEN);
    expect(e.responseObject).toEqual({
      kind: 'DatabaseList',
      items: [
        { spec: { token: REDACTED, host: 'db-1' } },
        { spec: { token: REDACTED, host: 'db-2' } },
        { spec: { host: 'db-3' } },
      ],
    });
  });

  it('replace every value of an object with a final *, or a whole object by its path', () => {
    const star = event();
    expect(createRedactor({ paths: ['requestObject.spec.credentials.*'] })(star)).toBe(2);
    expect(star.requestObject).toMatchObject({ spec: { credentials: { a: REDACTED, b: REDACTED } } });
    const whole = event();
    expect(createRedactor({ paths: ['requestObject.spec.credentials'] })(whole)).toBe(1);
    expect(whole.requestObject).toMatchObject({ spec: { credentials: REDACTED, password: PASSWORD } });
  });

  it('reach keys with dots through the \\. escape', () => {
    const e = event();
    expect(createRedactor({ paths: ['annotations.example\\.com/db\\.password'] })(e)).toBe(1);
    expect(e.annotations).toEqual({ 'example.com/db.password': REDACTED, 'example.com/db': 'orders' });
  });

  it('match nothing, without error, where the event lacks the path or holds a scalar on the way', () => {
    const e = event();
    const before = structuredClone(e);
    expect(createRedactor({ paths: ['requestObject.spec.user.name', 'responseObject.missing.*', 'verb.x'] })(e)).toBe(
      0,
    );
    expect(e).toEqual(before);
  });

  it('are refused at creation when they cannot be a path', () => {
    for (const bad of ['', 'requestObject..password', 'requestObject.__proto__.x']) {
      expect(() => createRedactor({ paths: [bad] }), bad).toThrow(KauditError);
    }
    expect(() => createRedactor({ paths: [''] })).toThrow(/invalid|empty/);
  });
});
