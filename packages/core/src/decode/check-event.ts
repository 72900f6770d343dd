import type { AuditEvent } from '../event/audit-event.js';
import { parseTimestamp } from '../event/parse-timestamp.js';
import { describeValue } from './describe-value.js';
import { DEFAULT_LIMITS, requireRedactionWalk, sanitize, type Limits } from './sanitize.js';

/** The audit API versions kaudit accepts on events and event lists. */
export const AUDIT_API_VERSIONS: ReadonlySet<string> = new Set([
  'audit.k8s.io/v1',
  'audit.k8s.io/v1beta1',
  'audit.k8s.io/v1alpha1',
]);

/** The outcome of {@link checkEvent}: the accepted event, or why it was refused. */
export type CheckResult = { event: AuditEvent } | { reason: string };

type Fields = Record<string, unknown>;

const OBJECT_REF_STRINGS = [
  'resource',
  'namespace',
  'name',
  'uid',
  'apiGroup',
  'apiVersion',
  'resourceVersion',
  'subresource',
] as const;
const STATUS_STRINGS = ['status', 'reason', 'message'] as const;
const EVENT_STRINGS = ['level', 'auditID', 'stage', 'userAgent'] as const;
const TIMESTAMPS = ['requestReceivedTimestamp', 'stageTimestamp', 'timestamp'] as const;

/** The key of the object that stands in for a request or response body dropped for breaking a limit. */
export const BODY_DROPPED = 'kaudit.dropped';

const BODIES = ['requestObject', 'responseObject'] as const;

/**
 * When an event breaks a limit only inside its request or response body (a large ConfigMap, a CRD's
 * last-applied annotation), the event is still a security event worth evaluating: the offending body
 * is replaced by `{ "kaudit.dropped": reason }` and the rest is kept. Returns the reason to refuse the
 * event when the rest breaks a limit too.
 */
function dropUnsafeBodies(e: Fields, limits: Limits): string | undefined {
  const bodies = BODIES.map((key) => e[key]);
  if (bodies.every((body) => body === undefined)) return sanitize(e, limits);
  for (const key of BODIES) if (e[key] !== undefined) e[key] = null;
  const rest = sanitize(e, limits);
  if (rest !== undefined) return rest;
  BODIES.forEach((key, i) => {
    const body = bodies[i];
    if (body === undefined) return;
    const why = sanitize(body, limits);
    e[key] = why === undefined ? body : { [BODY_DROPPED]: `${key} dropped: ${why}` };
  });
  return undefined;
}

/**
 * Decides whether one decoded item is an audit event kaudit can evaluate, and sanitizes it (see
 * {@link sanitize}). Only what rules depend on is required: a string `verb` or `requestURI`;
 * auditID, stage and level are optional because hand-written detection events omit them. Typed
 * fields that are present must have their documented type; unknown fields are kept as they are.
 * A typed field that is `null` is removed, as if absent: log shippers write null for Go's omitted
 * fields, and refusing the whole event for it would lose it.
 */
export function checkEvent(item: unknown, limits: Limits = DEFAULT_LIMITS): CheckResult {
  const reason = eventProblem(item, limits);
  return reason === undefined ? { event: item as AuditEvent } : { reason };
}

/**
 * {@link checkEvent} without the result object: `undefined` when `item` is an acceptable event,
 * else the reason. The decoders use it so an accepted event costs no allocation.
 */
export function eventProblem(item: unknown, limits: Limits): string | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return `an event must be a JSON object, got ${describeValue(item)}`;
  }
  const e = item as Fields;
  const kind = e.kind;
  if (kind !== undefined && kind !== 'Event') return `kind is ${describeValue(kind)}, expected "Event"`;
  const apiVersion = e.apiVersion;
  if (apiVersion !== undefined && !(typeof apiVersion === 'string' && AUDIT_API_VERSIONS.has(apiVersion))) {
    return `apiVersion is ${describeValue(apiVersion)}, expected audit.k8s.io/v1, v1beta1 or v1alpha1`;
  }
  const verb = e.verb;
  const requestURI = e.requestURI;
  if (typeof verb !== 'string' && typeof requestURI !== 'string') {
    if (verb != null) return `verb is ${describeValue(verb)}, expected a string`;
    if (requestURI != null) return `requestURI is ${describeValue(requestURI)}, expected a string`;
    return 'verb and requestURI are both missing';
  }

  // Sanitize before any check that iterates, so those iterations are already bounded.
  const unsafe = sanitize(e, limits);
  if (unsafe !== undefined) {
    const rest = dropUnsafeBodies(e, limits);
    if (rest !== undefined) return rest;
    // The last sanitize call saw one body only, and a drop reason quotes a key.
    requireRedactionWalk();
  }

  // Nearly every event is well-typed: confirm that with named property reads, and only walk the
  // slower checks, which find the precise reason and drop nulls, when something is off.
  if (wellTyped(e as AuditEvent)) return undefined;
  return (
    stringField(e, 'verb', '') ??
    stringField(e, 'requestURI', '') ??
    stringFields(e, EVENT_STRINGS, '') ??
    userProblem(e, 'user') ??
    userProblem(e, 'impersonatedUser') ??
    stringArrayField(e, 'sourceIPs', '') ??
    objectRefProblem(e) ??
    responseStatusProblem(e) ??
    timestampsProblem(e) ??
    annotationsProblem(e)
  );
}

const optString = (v: unknown): boolean => v === undefined || typeof v === 'string';

function optStringArray(v: unknown): boolean {
  if (v === undefined) return true;
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false;
  return true;
}

function optTime(v: unknown): boolean {
  return v === undefined || (typeof v === 'string' && !Number.isNaN(parseTimestamp(v)));
}

function wellTypedUser(u: unknown): boolean {
  if (u === undefined) return true;
  if (!isRecord(u)) return false;
  if (!(optString(u.username) && optString(u.uid) && optStringArray(u.groups))) return false;
  const extra = u.extra;
  if (extra === undefined) return true;
  if (!isRecord(extra)) return false;
  for (const name in extra) if (!optStringArray(extra[name]) || extra[name] === undefined) return false;
  return true;
}

/** True when every typed field is absent or right; `false` sends the event to the precise checks. */
function wellTyped(e: AuditEvent): boolean {
  if (!(
    optString(e.verb) &&
    optString(e.requestURI) &&
    optString(e.level) &&
    optString(e.auditID) &&
    optString(e.stage) &&
    optString(e.userAgent) &&
    wellTypedUser(e.user) &&
    wellTypedUser(e.impersonatedUser) &&
    optStringArray(e.sourceIPs) &&
    optTime(e.requestReceivedTimestamp) &&
    optTime(e.stageTimestamp) &&
    optTime(e.timestamp)
  )) {
    return false;
  }
  const ref: unknown = e.objectRef;
  if (ref !== undefined) {
    if (!isRecord(ref)) return false;
    if (!(
      optString(ref.resource) &&
      optString(ref.namespace) &&
      optString(ref.name) &&
      optString(ref.uid) &&
      optString(ref.apiGroup) &&
      optString(ref.apiVersion) &&
      optString(ref.resourceVersion) &&
      optString(ref.subresource)
    )) {
      return false;
    }
  }
  const status: unknown = e.responseStatus;
  if (status !== undefined) {
    if (!isRecord(status)) return false;
    const code = status.code;
    if (code !== undefined && typeof code !== 'number') return false;
    if (!(optString(status.status) && optString(status.reason) && optString(status.message))) return false;
  }
  const annotations: unknown = e.annotations;
  if (annotations !== undefined) {
    if (!isRecord(annotations)) return false;
    for (const key in annotations) if (typeof annotations[key] !== 'string') return false;
  }
  return true;
}

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `null` counts as absent and is removed so the AuditEvent type stays true. */
function absent(owner: Fields, key: string): boolean {
  const value = owner[key];
  if (value === undefined) return true;
  if (value === null) {
    delete owner[key];
    return true;
  }
  return false;
}

function stringField(owner: Fields, key: string, where: string): string | undefined {
  const value = owner[key];
  if (typeof value === 'string' || absent(owner, key)) return undefined;
  return `${where}${key} is ${describeValue(value)}, expected a string`;
}

function stringFields(owner: Fields, keys: readonly string[], where: string): string | undefined {
  for (const key of keys) {
    const problem = stringField(owner, key, where);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function objectField(owner: Fields, key: string, where: string): Fields | string | undefined {
  if (absent(owner, key)) return undefined;
  const value = owner[key];
  return isRecord(value) ? value : `${where}${key} is ${describeValue(value)}, expected an object`;
}

function stringArray(value: unknown, what: string): string | undefined {
  if (!Array.isArray(value)) return `${what} is ${describeValue(value)}, expected an array of strings`;
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') return `${what}[${i}] is ${describeValue(value[i])}, expected a string`;
  }
  return undefined;
}

function stringArrayField(owner: Fields, key: string, where: string): string | undefined {
  return absent(owner, key) ? undefined : stringArray(owner[key], `${where}${key}`);
}

function userProblem(e: Fields, key: 'user' | 'impersonatedUser'): string | undefined {
  const user = objectField(e, key, '');
  if (user === undefined || typeof user === 'string') return user;
  const where = `${key}.`;
  const problem =
    stringField(user, 'username', where) ?? stringField(user, 'uid', where) ?? stringArrayField(user, 'groups', where);
  if (problem !== undefined) return problem;
  const extra = objectField(user, 'extra', where);
  if (extra === undefined || typeof extra === 'string') return extra;
  for (const name in extra) {
    const values = stringArray(extra[name], `${where}extra[${JSON.stringify(name)}]`);
    if (values !== undefined) return values;
  }
  return undefined;
}

function objectRefProblem(e: Fields): string | undefined {
  const ref = objectField(e, 'objectRef', '');
  if (ref === undefined || typeof ref === 'string') return ref;
  return stringFields(ref, OBJECT_REF_STRINGS, 'objectRef.');
}

function responseStatusProblem(e: Fields): string | undefined {
  const status = objectField(e, 'responseStatus', '');
  if (status === undefined || typeof status === 'string') return status;
  const code = status.code;
  if (typeof code !== 'number' && !absent(status, 'code')) {
    return `responseStatus.code is ${describeValue(code)}, expected a number`;
  }
  return stringFields(status, STATUS_STRINGS, 'responseStatus.');
}

function timestampsProblem(e: Fields): string | undefined {
  for (const key of TIMESTAMPS) {
    const problem = stringField(e, key, '');
    if (problem !== undefined) return problem;
    const value = e[key];
    if (typeof value === 'string' && Number.isNaN(parseTimestamp(value))) {
      return `${key} is ${describeValue(value)}, not an RFC 3339 time`;
    }
  }
  return undefined;
}

function annotationsProblem(e: Fields): string | undefined {
  const annotations = objectField(e, 'annotations', '');
  if (annotations === undefined || typeof annotations === 'string') return annotations;
  for (const key in annotations) {
    const value = annotations[key];
    if (typeof value !== 'string') {
      return `annotations[${JSON.stringify(key)}] is ${describeValue(value)}, expected a string`;
    }
  }
  return undefined;
}
