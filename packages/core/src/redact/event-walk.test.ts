import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../event/audit-event.js';
import { createRedactor } from './create-redactor.js';
import {
  FAKE_BEARER_CREDENTIAL,
  FAKE_JWT,
  FAKE_TOKENS,
  FAKE_WEBHOOK_PATH,
  FAKE_WEBHOOK_URL,
} from './fake-credentials.js';
import { REDACTED } from './marker.js';

const redact = createRedactor();

function metadataEvent(fields: Partial<AuditEvent> = {}): AuditEvent {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: '5b1e2f40-0000-4000-8000-000000000042',
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/pods?limit=500',
    verb: 'list',
    user: { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts'] },
    sourceIPs: ['10.0.0.7'],
    userAgent: 'kubectl/v1.29.1 (linux/amd64) kubernetes/bc401b9',
    objectRef: { resource: 'pods', namespace: 'default', apiVersion: 'v1' },
    responseStatus: { code: 200 },
    requestReceivedTimestamp: '2024-02-01T10:11:12.000000Z',
    stageTimestamp: '2024-02-01T10:11:12.050000Z',
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' },
    ...fields,
  };
}

describe('token-shaped strings anywhere in the event', () => {
  it('are replaced in the request URI, keeping the rest of the URI', () => {
    const e = metadataEvent({ requestURI: `/api/v1/namespaces/default/pods?access_token=${FAKE_JWT}&limit=500` });
    expect(redact(e)).toBe(1);
    expect(e.requestURI).toBe(`/api/v1/namespaces/default/pods?access_token=${REDACTED}&limit=500`);
  });

  it('are replaced in the user agent, audit annotations, user.extra and the status message', () => {
    const e = metadataEvent({
      userAgent: `deploy-bot/1.0 (token ${FAKE_TOKENS.githubPat})`,
      annotations: { 'authorization.k8s.io/decision': 'allow', 'example.com/webhook': FAKE_WEBHOOK_URL },
      user: {
        username: 'arn:aws:sts::123412341234:assumed-role/dev',
        extra: { accessKeyId: [FAKE_TOKENS.awsTemporaryKeyId!] },
      },
      responseStatus: { code: 401, message: `Unauthorized: Bearer ${FAKE_BEARER_CREDENTIAL} is not valid` },
    });
    expect(redact(e)).toBe(4);
    const json = JSON.stringify(e);
    for (const secret of [
      FAKE_TOKENS.githubPat!,
      FAKE_WEBHOOK_PATH,
      FAKE_TOKENS.awsTemporaryKeyId!,
      FAKE_BEARER_CREDENTIAL,
    ]) {
      expect(json).not.toContain(secret);
    }
    expect(e.userAgent).toBe(`deploy-bot/1.0 (token ${REDACTED})`);
    expect(e.annotations).toEqual({
      'authorization.k8s.io/decision': 'allow',
      'example.com/webhook': `https://hooks.slack.com/services/${REDACTED}`,
    });
    expect(e.user).toEqual({
      username: 'arn:aws:sts::123412341234:assumed-role/dev',
      extra: { accessKeyId: [REDACTED] },
    });
    expect(e.responseStatus).toEqual({ code: 401, message: `Unauthorized: Bearer ${REDACTED} is not valid` });
  });

  it('are replaced in any string of any body, at any depth, in arrays and in keys', () => {
    const e = metadataEvent({
      level: 'RequestResponse',
      verb: 'create',
      objectRef: { resource: 'widgets', apiGroup: 'example.com' },
      requestObject: {
        kind: 'Widget',
        spec: {
          args: ['--verbose', `--slack-token=${FAKE_TOKENS.slackBot}`],
          config: { nested: [{ deeper: { key: FAKE_TOKENS.pemPrivateKey } }] },
          tokensByUser: { [FAKE_TOKENS.slackUser!]: 'alice' },
        },
      },
    });
    expect(redact(e)).toBe(3);
    const json = JSON.stringify(e);
    for (const secret of [FAKE_TOKENS.slackBot!, FAKE_TOKENS.pemPrivateKey!, FAKE_TOKENS.slackUser!])
      expect(json).not.toContain(secret);
    expect(e.requestObject).toEqual({
      kind: 'Widget',
      spec: {
        args: ['--verbose', `--slack-token=${REDACTED}`],
        config: { nested: [{ deeper: { key: REDACTED } }] },
        tokensByUser: { [REDACTED]: 'alice' },
      },
    });
  });

  it('keeps both values when two keys redact to the same marker', () => {
    const e = metadataEvent({
      requestObject: { m: { [FAKE_TOKENS.githubPat!]: 'a', [FAKE_TOKENS.githubServer!]: 'b' } },
    });
    expect(redact(e)).toBe(2);
    const m = (e.requestObject as { m: Record<string, string> }).m;
    expect(Object.values(m).sort()).toEqual(['a', 'b']);
    expect(Object.keys(m).every((k) => k.startsWith(REDACTED))).toBe(true);
  });

  it('leaves an ordinary Metadata-level event exactly as it was', () => {
    const e = metadataEvent();
    const before = structuredClone(e);
    expect(redact(e)).toBe(0);
    expect(e).toEqual(before);
  });

  it('walks bodies nested far deeper than the call stack allows', () => {
    const depth = 100_000;
    const root: Record<string, unknown> = {};
    let node = root;
    for (let i = 0; i < depth; i++) {
      const next: Record<string, unknown> = {};
      node.child = next;
      node = next;
    }
    node.leaf = `Bearer ${FAKE_BEARER_CREDENTIAL}`;
    const e = metadataEvent({ requestObject: root });
    expect(redact(e)).toBe(1);
    expect(node.leaf).toBe(`Bearer ${REDACTED}`);
  });
});
