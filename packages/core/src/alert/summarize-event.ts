import type { AuditEvent } from '../event/audit-event.js';
import type { EventSummary } from './alert.js';
import { internSummaryText } from './intern.js';

const MAX_TEXT = 2_048;

function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…` : value;
}

/** {@link text}, shared through the intern table: for fields with few distinct values. */
function common(value: unknown): string | undefined {
  const s = text(value);
  return s === undefined ? undefined : internSummaryText(s);
}

/**
 * The part of an event an alert carries. Bodies are left out on purpose: they are large and, even
 * redacted, more than a responder needs; strings are capped so one event cannot bloat an alert.
 * Summaries are held for minutes in windows and open alerts: the fields with few distinct values
 * (verb, stage, resource, namespace, groups, address, user agent, decision) are interned.
 */
export function summarizeEvent(event: AuditEvent, time: number): EventSummary {
  const summary: EventSummary = {};
  if (typeof event.auditID === 'string') summary.auditID = event.auditID;
  if (time === time) summary.time = new Date(time).toISOString();
  if (typeof event.stage === 'string') summary.stage = internSummaryText(event.stage);
  if (typeof event.verb === 'string') summary.verb = internSummaryText(event.verb);
  const user = text(event.user?.username);
  if (user !== undefined) summary.user = user;
  if (Array.isArray(event.user?.groups)) {
    summary.groups = event.user.groups
      .filter((g): g is string => typeof g === 'string')
      .slice(0, 20)
      .map(internSummaryText);
  }
  const impersonated = text(event.impersonatedUser?.username);
  if (impersonated !== undefined) summary.impersonatedUser = impersonated;
  const ref = event.objectRef;
  if (ref && typeof ref === 'object') {
    const o: NonNullable<EventSummary['objectRef']> = {};
    const resource = common(ref.resource);
    const subresource = common(ref.subresource);
    const namespace = common(ref.namespace);
    const name = text(ref.name);
    const apiGroup = common(ref.apiGroup);
    if (resource !== undefined) o.resource = resource;
    if (subresource !== undefined) o.subresource = subresource;
    if (namespace !== undefined) o.namespace = namespace;
    if (name !== undefined) o.name = name;
    if (apiGroup !== undefined) o.apiGroup = apiGroup;
    summary.objectRef = o;
  }
  const uri = text(event.requestURI);
  if (uri !== undefined) summary.requestURI = uri;
  const ips = event.sourceIPs;
  if (Array.isArray(ips) && ips.length > 0) {
    const ip = common(ips[ips.length - 1]);
    if (ip !== undefined) summary.sourceIP = ip;
  }
  const agent = common(event.userAgent);
  if (agent !== undefined) summary.userAgent = agent;
  const code = event.responseStatus?.code;
  if (typeof code === 'number') summary.responseCode = code;
  const decision = common(event.annotations?.['authorization.k8s.io/decision']);
  if (decision !== undefined) summary.decision = decision;
  return summary;
}
