import { describe, expect, it } from 'vitest';
import { auditEvent } from '../testing/audit-event-builder.js';
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
