import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditEvent } from '../testing/audit-event-builder.js';
import type { AuditEvent } from './audit-event.js';
import { DERIVED_FACTS } from './derived-facts.js';

const objectName = (init: Parameters<typeof auditEvent>[0]) => DERIVED_FACTS.objectName!.get(auditEvent(init));
const created = { verb: 'create', objectRef: { resource: 'pods', namespace: 'shop' } };

describe('objectName', () => {
  it('is objectRef.name when the request named the object', () => {
    expect(objectName({ objectRef: { resource: 'pods', namespace: 'shop', name: 'web-0' } })).toBe('web-0');
  });

  it('takes the name the API server chose from the response (generateName)', () => {
    const requestObject = { metadata: { generateName: 'web-7d9c-' } };
    const responseObject = { metadata: { name: 'web-7d9c-x2k4f', generateName: 'web-7d9c-' } };
    expect(objectName({ ...created, requestObject, responseObject })).toBe('web-7d9c-x2k4f');
  });

  it('falls back to the request name, then to the generateName prefix', () => {
    expect(objectName({ ...created, requestObject: { metadata: { name: 'db-0' } } })).toBe('db-0');
    expect(objectName({ ...created, requestObject: { metadata: { generateName: 'web-7d9c-' } } })).toBe('web-7d9c-*');
  });

  it('is undefined without any name, and reads only own, non-empty string fields', () => {
    expect(objectName({ ...created })).toBeUndefined();
    expect(objectName({ ...created, requestObject: { metadata: { name: '' } } })).toBeUndefined();
    expect(objectName({ ...created, requestObject: { metadata: { name: 5 } } })).toBeUndefined();
    const inherited = Object.create({ metadata: { name: 'from-prototype' } }) as object;
    expect(objectName({ ...created, requestObject: inherited })).toBeUndefined();
  });
});

describe('isAnonymous', () => {
  // The definition as documented, written plainly: the fact's faster body must agree with it.
  const reference = (e: AuditEvent): boolean => {
    const name = e.user?.username;
    return (
      (typeof name === 'string' ? name : undefined) === 'system:anonymous' ||
      (Array.isArray(e.user?.groups) && e.user.groups.includes('system:unauthenticated'))
    );
  };
  it('is true for system:anonymous or the system:unauthenticated group, whatever else the user holds', () => {
    const name = fc.oneof(fc.constantFrom('system:anonymous', 'alice', ''), fc.integer(), fc.constant(null));
    const groups = fc.oneof(
      fc.array(fc.constantFrom('system:unauthenticated', 'system:authenticated', 'dev'), { maxLength: 3 }),
      fc.constantFrom('system:unauthenticated', null, 7),
    );
    const user = fc.oneof(
      fc.record({ username: name, groups }, { requiredKeys: [] }),
      fc.constantFrom(null, 'system:anonymous', 3),
    );
    fc.assert(
      fc.property(fc.record({ user }, { requiredKeys: [] }), (e) => {
        expect(DERIVED_FACTS.isAnonymous!.get(e as AuditEvent)).toBe(reference(e as AuditEvent));
      }),
      { numRuns: 500 },
    );
  });
});
