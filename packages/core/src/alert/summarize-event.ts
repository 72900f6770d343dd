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

/** Group lists repeat from event to event: one shared (never exposed) array per distinct list. */
const groupLists = new Map<string, readonly string[]>();
const MAX_GROUP_LISTS = 1024;

function groupList(groups: readonly unknown[]): readonly string[] {
  const list = groups
    .filter((g): g is string => typeof g === 'string')
    .slice(0, 20)
    .map(internSummaryText);
  const key = JSON.stringify(list);
  const held = groupLists.get(key);
  if (held !== undefined) return held;
  if (groupLists.size >= MAX_GROUP_LISTS) groupLists.clear();
  groupLists.set(key, list);
  return list;
}

/**
 * What a summary is made of, in one flat object of fixed shape: windows hold one per sampled match
 * (up to `sampleSize` per key, for minutes) and turn it into an {@link EventSummary} only for the
 * samples of an alert that fires. Flat fields instead of a nested `objectRef`, the time as a number,
 * short repeated strings interned and group lists shared cost about half of the summary object.
 */
export class SummaryRecord {
  constructor(
    /** Event time (ms), `NaN` when it has none. */
    readonly time: number,
    readonly auditID: string | undefined,
    readonly stage: string | undefined,
    readonly verb: string | undefined,
    readonly user: string | undefined,
    /** Shared between records: copied when a summary is made. */
    readonly groups: readonly string[] | undefined,
    readonly impersonatedUser: string | undefined,
    readonly hasObjectRef: boolean,
    readonly resource: string | undefined,
    readonly subresource: string | undefined,
    readonly namespace: string | undefined,
    readonly name: string | undefined,
    readonly apiGroup: string | undefined,
    readonly requestURI: string | undefined,
    readonly sourceIP: string | undefined,
    readonly userAgent: string | undefined,
    readonly responseCode: number | undefined,
    readonly decision: string | undefined,
  ) {}
}

/**
 * The record of what an alert carries of an event (see {@link summarizeEvent}). Fields with few
 * distinct values (verb, stage, resource, namespace, groups, address, user agent, decision) are
 * interned through a bounded table.
 */
export function summaryRecord(event: AuditEvent, time: number): SummaryRecord {
  const ref = event.objectRef;
  const hasRef = ref !== null && ref !== undefined && typeof ref === 'object';
  const ips = event.sourceIPs;
  const code = event.responseStatus?.code;
  return new SummaryRecord(
    time,
    typeof event.auditID === 'string' ? event.auditID : undefined,
    typeof event.stage === 'string' ? internSummaryText(event.stage) : undefined,
    typeof event.verb === 'string' ? internSummaryText(event.verb) : undefined,
    text(event.user?.username),
    Array.isArray(event.user?.groups) ? groupList(event.user.groups) : undefined,
    text(event.impersonatedUser?.username),
    hasRef,
    hasRef ? common(ref.resource) : undefined,
    hasRef ? common(ref.subresource) : undefined,
    hasRef ? common(ref.namespace) : undefined,
    hasRef ? text(ref.name) : undefined,
    hasRef ? common(ref.apiGroup) : undefined,
    text(event.requestURI),
    Array.isArray(ips) && ips.length > 0 ? common(ips[ips.length - 1]) : undefined,
    common(event.userAgent),
    typeof code === 'number' ? code : undefined,
    common(event.annotations?.['authorization.k8s.io/decision']),
  );
}

/** The summary of a record, with its event time. */
export function summaryOf(r: SummaryRecord): EventSummary {
  const summary: EventSummary = {};
  const time = r.time;
  if (r.auditID !== undefined) summary.auditID = r.auditID;
  if (time === time) summary.time = new Date(time).toISOString();
  if (r.stage !== undefined) summary.stage = r.stage;
  if (r.verb !== undefined) summary.verb = r.verb;
  if (r.user !== undefined) summary.user = r.user;
  if (r.groups !== undefined) summary.groups = [...r.groups];
  if (r.impersonatedUser !== undefined) summary.impersonatedUser = r.impersonatedUser;
  if (r.hasObjectRef) {
    const o: NonNullable<EventSummary['objectRef']> = {};
    if (r.resource !== undefined) o.resource = r.resource;
    if (r.subresource !== undefined) o.subresource = r.subresource;
    if (r.namespace !== undefined) o.namespace = r.namespace;
    if (r.name !== undefined) o.name = r.name;
    if (r.apiGroup !== undefined) o.apiGroup = r.apiGroup;
    summary.objectRef = o;
  }
  if (r.requestURI !== undefined) summary.requestURI = r.requestURI;
  if (r.sourceIP !== undefined) summary.sourceIP = r.sourceIP;
  if (r.userAgent !== undefined) summary.userAgent = r.userAgent;
  if (r.responseCode !== undefined) summary.responseCode = r.responseCode;
  if (r.decision !== undefined) summary.decision = r.decision;
  return summary;
}

/**
 * The part of an event an alert carries. Bodies are left out on purpose: they are large and, even
 * redacted, more than a responder needs; strings are capped so one event cannot bloat an alert.
 */
export function summarizeEvent(event: AuditEvent, time: number): EventSummary {
  return summaryOf(summaryRecord(event, time));
}
