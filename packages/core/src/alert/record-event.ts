import type { AuditEvent } from '../event/audit-event.js';
import { summaryOf, type SummaryRecord } from './summarize-event.js';

/**
 * The event as far as a summary record knows it: its summary's fields put back where an audit event
 * has them (the last source address as the only one, the decision as its annotation). Rules and
 * messages read facts by those paths, so a message rendered from it equals the one rendered from the
 * event whenever it reads nothing else: open alerts keep no message of their own when it does (see
 * `suppress`), and the equality is checked when the alert opens.
 */
export function recordEvent(record: SummaryRecord): AuditEvent {
  const s = summaryOf(record);
  const event: AuditEvent = {};
  if (s.auditID !== undefined) event.auditID = s.auditID;
  if (s.stage !== undefined) event.stage = s.stage;
  if (s.verb !== undefined) event.verb = s.verb;
  if (s.requestURI !== undefined) event.requestURI = s.requestURI;
  if (s.user !== undefined || s.groups !== undefined) {
    event.user = {};
    if (s.user !== undefined) event.user.username = s.user;
    if (s.groups !== undefined) event.user.groups = s.groups;
  }
  if (s.impersonatedUser !== undefined) event.impersonatedUser = { username: s.impersonatedUser };
  if (s.objectRef !== undefined) event.objectRef = s.objectRef;
  if (s.sourceIP !== undefined) event.sourceIPs = [s.sourceIP];
  if (s.userAgent !== undefined) event.userAgent = s.userAgent;
  if (s.responseCode !== undefined) event.responseStatus = { code: s.responseCode };
  if (s.decision !== undefined) event.annotations = { 'authorization.k8s.io/decision': s.decision };
  return event;
}
