import { describe, expect, it } from 'vitest';
import { KauditError } from '../errors.js';
import type { AuditEvent } from '../event/audit-event.js';
import { createRedactor } from './create-redactor.js';
import { FAKE_JWT } from './fake-credentials.js';
import { LAST_APPLIED_ANNOTATION } from './last-applied.js';
import { REDACTED } from './marker.js';
import type { RedactionOptions } from './redaction-options.js';

const PASSWORD = 'cmVkYWN0b3ItdGVzdC1wYXNzd29yZA==';

/** One event holding a secret of each structural kind plus a token in the URI. */
function loadedEvent(): AuditEvent {
  return {
    kind: 'Event',
    level: 'RequestResponse',
    stage: 'ResponseComplete',
    verb: 'create',
    requestURI: `/api/v1/namespaces/default/secrets?token=${FAKE_JWT}`,
    objectRef: { resource: 'secrets', namespace: 'default', name: 'db' },
    requestObject: {
      kind: 'Secret',
      metadata: { name: 'db', annotations: { [LAST_APPLIED_ANNOTATION]: `{"data":{"password":"${PASSWORD}"}}` } },
      data: { password: PASSWORD },
    },
  };
}

describe('createRedactor', () => {
  it('redacts with the default marker and returns the number of values replaced', () => {
    const e = loadedEvent();
    expect(createRedactor()(e)).toBe(3);
    const json = JSON.stringify(e);
    expect(json).not.toContain(PASSWORD);
    expect(json).not.toContain(FAKE_JWT);
    expect(e.requestObject).toEqual({
      kind: 'Secret',
      metadata: { name: 'db', annotations: { [LAST_APPLIED_ANNOTATION]: REDACTED } },
      data: { password: REDACTED },
    });
    expect(REDACTED).toBe('[REDACTED]');
  });

  it('uses a configured marker everywhere', () => {
    const e = loadedEvent();
    expect(createRedactor({ marker: '***' })(e)).toBe(3);
    expect(e.requestURI).toBe('/api/v1/namespaces/default/secrets?token=***');
    expect(e.requestObject).toMatchObject({ data: { password: '***' } });
    expect(JSON.stringify(e)).not.toContain(REDACTED);
  });

  it('leaves every event untouched when disabled, even with paths and execCommand set', () => {
    const e = loadedEvent();
    const before = structuredClone(e);
    const redact = createRedactor({ enabled: false, paths: ['requestObject.kind'], execCommand: true });
    expect(redact(e)).toBe(0);
    expect(e).toEqual(before);
  });

  it('finds nothing the second time: redaction is idempotent and counts only new replacements', () => {
    const redact = createRedactor({ paths: ['objectRef.name'] });
    const e = loadedEvent();
    expect(redact(e)).toBe(4);
    const once = structuredClone(e);
    expect(redact(e)).toBe(0);
    expect(e).toEqual(once);
  });

  it('returns 0 for an event without bodies or secrets, and for input that is not an object', () => {
    const redact = createRedactor();
    expect(redact({ kind: 'Event', level: 'Metadata', verb: 'get', requestURI: '/healthz' })).toBe(0);
    expect(redact(null as unknown as AuditEvent)).toBe(0);
  });

  it('refuses a bad path even when redaction is off', () => {
    expect(() => createRedactor({ enabled: false, paths: ['requestObject..x'] })).toThrow(KauditError);
  });

  it('refuses options of the wrong type, as a config file could give them', () => {
    const bad: unknown[] = [{ enabled: 'no' }, { marker: 0 }, { paths: 'requestObject.x' }, { execCommand: 1 }, null];
    for (const options of bad) {
      expect(() => createRedactor(options as RedactionOptions), JSON.stringify(options)).toThrow(KauditError);
    }
  });
});
