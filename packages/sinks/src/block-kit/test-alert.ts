import type { Alert } from '@kaudit/core';

/** An alert for tests, with one sampled event; override any part. */
export function testAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: 'alert-1',
    rule: 'exec-into-pod',
    title: 'Exec into a pod',
    severity: 'high',
    tags: ['execution'],
    message: 'mallory ran a shell in prod/web-0',
    key: { 'user.username': 'mallory' },
    count: 1,
    firstSeen: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-01-01T00:00:00.000Z',
    events: [
      {
        auditID: 'a-1',
        time: '2026-01-01T00:00:00.000Z',
        verb: 'create',
        user: 'mallory',
        objectRef: { resource: 'pods', subresource: 'exec', namespace: 'prod', name: 'web-0' },
        sourceIP: '10.0.0.7',
        userAgent: 'kubectl/v1.30.0',
        responseCode: 101,
        decision: 'allow',
      },
    ],
    suppressed: 0,
    ...overrides,
  };
}
