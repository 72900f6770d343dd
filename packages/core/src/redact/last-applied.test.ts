import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../event/audit-event.js';
import { createRedactor } from './create-redactor.js';
import { LAST_APPLIED_ANNOTATION } from './last-applied.js';
import { REDACTED } from './marker.js';

const SECRET = 'cGFzc3dvcmQtaW4tbGFzdC1hcHBsaWVk';
// What kubectl apply stores: the whole applied object, Secret data included.
const APPLIED = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db' },
  data: { password: SECRET },
});

const redact = createRedactor();

function event(fields: Partial<AuditEvent>): AuditEvent {
  return {
    kind: 'Event',
    level: 'RequestResponse',
    stage: 'ResponseComplete',
    verb: 'patch',
    requestURI: '/apis/apps/v1/namespaces/default/deployments/web?fieldManager=kubectl-client-side-apply',
    objectRef: { resource: 'deployments', namespace: 'default', name: 'web', apiGroup: 'apps' },
    ...fields,
  };
}

const annotated = () => ({
  kind: 'Deployment',
  metadata: { name: 'web', annotations: { [LAST_APPLIED_ANNOTATION]: APPLIED, 'team.example.com/owner': 'payments' } },
});

describe('kubectl last-applied-configuration annotation', () => {
  it('is replaced whole in request and response objects, other annotations kept', () => {
    const e = event({ requestObject: annotated(), responseObject: annotated() });
    expect(redact(e)).toBe(2);
    expect(JSON.stringify(e)).not.toContain(SECRET);
    for (const body of [e.requestObject, e.responseObject]) {
      expect(body).toEqual({
        kind: 'Deployment',
        metadata: {
          name: 'web',
          annotations: { [LAST_APPLIED_ANNOTATION]: REDACTED, 'team.example.com/owner': 'payments' },
        },
      });
    }
  });

  it('is replaced in a merge patch and inside the items of a List', () => {
    const e = event({
      requestObject: { metadata: { annotations: { [LAST_APPLIED_ANNOTATION]: APPLIED } } },
      responseObject: { kind: 'List', items: [annotated(), annotated()] },
    });
    expect(redact(e)).toBe(3);
    expect(JSON.stringify(e)).not.toContain(SECRET);
  });

  it('is replaced when a JSON patch sets it by path (with ~1 for the slash)', () => {
    const e = event({
      requestObject: [
        { op: 'add', path: '/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration', value: APPLIED },
        { op: 'add', path: '/metadata/annotations', value: { [LAST_APPLIED_ANNOTATION]: APPLIED, keep: 'me' } },
      ],
    });
    expect(redact(e)).toBe(2);
    expect(JSON.stringify(e)).not.toContain(SECRET);
    expect(e.requestObject).toEqual([
      { op: 'add', path: '/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration', value: REDACTED },
      { op: 'add', path: '/metadata/annotations', value: { [LAST_APPLIED_ANNOTATION]: REDACTED, keep: 'me' } },
    ]);
  });

  it('keeps the managedFields entry that only names the annotation', () => {
    const fields = { 'f:metadata': { 'f:annotations': { [`f:${LAST_APPLIED_ANNOTATION}`]: {} } } };
    const e = event({ responseObject: { metadata: { managedFields: [{ manager: 'kubectl', fieldsV1: fields }] } } });
    expect(redact(e)).toBe(0);
    expect(JSON.stringify(e)).toContain(`f:${LAST_APPLIED_ANNOTATION}`);
  });
});
