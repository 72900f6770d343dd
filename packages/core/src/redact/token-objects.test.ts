import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../event/audit-event.js';
import { createRedactor } from './create-redactor.js';
import { REDACTED } from './marker.js';

// Not JWT-shaped on purpose: only the TokenRequest / TokenReview rules can catch these.
const ISSUED = 'opaque-issued-token-kaudit-0001';
const REVIEWED = 'opaque-reviewed-token-kaudit-0002';

const redact = createRedactor();

function event(fields: Partial<AuditEvent>): AuditEvent {
  return { kind: 'Event', level: 'RequestResponse', stage: 'ResponseComplete', verb: 'create', ...fields };
}

describe('TokenRequest status.token', () => {
  const tokenRequest = (withKind: boolean) => ({
    ...(withKind ? { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1' } : {}),
    spec: { audiences: ['https://kubernetes.default.svc'], expirationSeconds: 3600 },
    status: { token: ISSUED, expirationTimestamp: '2024-02-01T11:00:00Z' },
  });

  it('is replaced in the response of serviceaccounts/token, the rest kept', () => {
    const e = event({
      requestURI: '/api/v1/namespaces/default/serviceaccounts/builder/token',
      objectRef: { resource: 'serviceaccounts', subresource: 'token', namespace: 'default', name: 'builder' },
      responseObject: tokenRequest(true),
    });
    expect(redact(e)).toBe(1);
    expect(JSON.stringify(e)).not.toContain(ISSUED);
    expect(e.responseObject).toEqual({
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      spec: { audiences: ['https://kubernetes.default.svc'], expirationSeconds: 3600 },
      status: { token: REDACTED, expirationTimestamp: '2024-02-01T11:00:00Z' },
    });
  });

  it('is replaced by kind alone, and by the subresource alone', () => {
    const byKind = event({ responseObject: tokenRequest(true) });
    const bySubresource = event({
      objectRef: { resource: 'serviceaccounts', subresource: 'token' },
      responseObject: tokenRequest(false),
    });
    expect(redact(byKind)).toBe(1);
    expect(redact(bySubresource)).toBe(1);
    expect(JSON.stringify([byKind, bySubresource])).not.toContain(ISSUED);
  });
});

describe('TokenReview spec.token', () => {
  const review = (withKind: boolean, status?: object) => ({
    ...(withKind ? { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1' } : {}),
    spec: { token: REVIEWED, audiences: ['api'] },
    ...(status ? { status } : {}),
  });

  it('is replaced in request and response, the review result kept', () => {
    const e = event({
      requestURI: '/apis/authentication.k8s.io/v1/tokenreviews',
      objectRef: { resource: 'tokenreviews', apiGroup: 'authentication.k8s.io' },
      requestObject: review(true),
      responseObject: review(true, {
        authenticated: true,
        user: { username: 'system:serviceaccount:default:builder' },
      }),
    });
    expect(redact(e)).toBe(2);
    expect(JSON.stringify(e)).not.toContain(REVIEWED);
    expect(e.responseObject).toMatchObject({
      spec: { token: REDACTED, audiences: ['api'] },
      status: { authenticated: true, user: { username: 'system:serviceaccount:default:builder' } },
    });
  });

  it('is replaced on the tokenreviews resource when the body has no kind', () => {
    const e = event({ objectRef: { resource: 'tokenreviews' }, requestObject: review(false) });
    expect(redact(e)).toBe(1);
    expect(JSON.stringify(e)).not.toContain(REVIEWED);
  });

  it('leaves a field named token on other objects alone', () => {
    const e = event({
      objectRef: { resource: 'configmaps' },
      requestObject: { kind: 'ConfigMap', spec: { token: 'not-a-credential-here' } },
    });
    expect(redact(e)).toBe(0);
  });
});
