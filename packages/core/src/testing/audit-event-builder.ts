import type { AuditEvent } from '../event/audit-event.js';

/** Fields to override in {@link auditEvent}; `at` sets both timestamps from an ISO time or epoch ms. */
export type AuditEventInit = Partial<AuditEvent> & { at?: string | number };

let counter = 0;

/**
 * A realistic `audit.k8s.io/v1` event for tests: a `get` of a pod by a user, ResponseComplete, 200.
 * Override any field; `at` sets the event time.
 *
 * @example
 * auditEvent({ verb: 'get', objectRef: { resource: 'secrets', namespace: 'default', name: 'db' }, at: '2024-01-01T00:00:05Z' })
 */
export function auditEvent(init: AuditEventInit = {}): AuditEvent {
  const { at, ...fields } = init;
  const time = at === undefined ? '2024-05-01T12:00:00.000000Z' : new Date(at).toISOString();
  counter++;
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/pods/web-0',
    verb: 'get',
    user: { username: 'alice@example.com', groups: ['developers', 'system:authenticated'] },
    sourceIPs: ['10.0.0.12'],
    userAgent: 'kubectl/v1.30.0 (linux/amd64) kubernetes/abcdef',
    objectRef: { resource: 'pods', namespace: 'default', name: 'web-0', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: time,
    stageTimestamp: time,
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' },
    ...fields,
  };
}
