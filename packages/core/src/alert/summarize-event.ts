import type { AuditEvent } from '../event/audit-event.js';
import type { EventSummary } from './alert.js';
import { internSummaryText } from './intern.js';
import { packUuid, unpackUuid } from './packed-uuid.js';

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

let lastList: readonly string[] = [];

function groupList(groups: readonly unknown[]): readonly string[] {
  const list = groups
    .filter((g): g is string => typeof g === 'string')
    .slice(0, 20)
    .map(internSummaryText);
  // Consecutive events mostly come from the same kind of user: no key text for them.
  if (list.length === lastList.length && list.every((g, i) => g === lastList[i])) return lastList;
  const key = JSON.stringify(list);
  const held = groupLists.get(key);
  if (held !== undefined) return (lastList = held);
  if (groupLists.size >= MAX_GROUP_LISTS) groupLists.clear();
  groupLists.set(key, list);
  lastList = list;
  return list;
}

/**
 * The fields of a summary with few distinct values, one shared object per combination: on a busy
 * cluster thousands of samples share a handful of (stage, verb, groups, impersonated user,
 * resource, namespace, address, user agent, code, decision) combinations.
 */
export class SummaryContext {
  constructor(
    readonly stage: string | undefined,
    readonly verb: string | undefined,
    /** Shared between records: copied when a summary is made. */
    readonly groups: readonly string[] | undefined,
    /** Impersonation is rare, and by few identities: shared rather than a field of every record. */
    readonly impersonatedUser: string | undefined,
    readonly hasObjectRef: boolean,
    readonly resource: string | undefined,
    readonly subresource: string | undefined,
    readonly namespace: string | undefined,
    readonly apiGroup: string | undefined,
    readonly sourceIP: string | undefined,
    readonly userAgent: string | undefined,
    readonly responseCode: number | undefined,
    readonly decision: string | undefined,
  ) {}
}

const contexts = new Map<string, SummaryContext>();
const MAX_CONTEXTS = 4096;
const MAX_CONTEXT_KEY = 1024;

let lastContext: SummaryContext | undefined;
/** An id per shared group list: equal ids mean the same list, hence equal groups. */
const groupIds = new WeakMap<readonly string[], number>();
let nextGroupId = 0;

const sameContext = (a: SummaryContext, b: SummaryContext): boolean =>
  a.stage === b.stage &&
  a.verb === b.verb &&
  a.groups === b.groups &&
  a.impersonatedUser === b.impersonatedUser &&
  a.hasObjectRef === b.hasObjectRef &&
  a.resource === b.resource &&
  a.subresource === b.subresource &&
  a.namespace === b.namespace &&
  a.apiGroup === b.apiGroup &&
  a.sourceIP === b.sourceIP &&
  a.userAgent === b.userAgent &&
  a.responseCode === b.responseCode &&
  a.decision === b.decision;

/** A text that no other value gives: `-` for undefined, else the length, a colon and the text. */
const part = (v: string | undefined): string => (v === undefined ? '-' : `${v.length}:${v}`);

/** The shared context with these values (bounded: a full table starts afresh). */
function contextOf(c: SummaryContext): SummaryContext {
  // Consecutive matches are mostly alike: the last context first, with no key text.
  if (lastContext !== undefined && sameContext(c, lastContext)) return lastContext;
  // Group lists are shared (groupList), so their identity stands for their content within this table.
  let groups = c.groups === undefined ? -1 : groupIds.get(c.groups);
  if (groups === undefined) {
    groups = nextGroupId++;
    groupIds.set(c.groups!, groups);
  }
  const key =
    part(c.stage) +
    part(c.verb) +
    part(c.resource) +
    part(c.subresource) +
    part(c.namespace) +
    part(c.apiGroup) +
    part(c.sourceIP) +
    part(c.userAgent) +
    part(c.decision) +
    part(c.impersonatedUser) +
    `${groups}|${c.hasObjectRef ? 1 : 0}|${c.responseCode ?? '-'}`;
  // A context of long texts is rare and not worth a table slot that would keep them alive.
  if (key.length > MAX_CONTEXT_KEY) return (lastContext = c);
  const held = contexts.get(key);
  if (held !== undefined) return (lastContext = held);
  if (contexts.size >= MAX_CONTEXTS) contexts.clear();
  contexts.set(key, c);
  return (lastContext = c);
}

/** Bits of {@link SummaryRecord.lengths}: which of the joined fields are present, and two lengths. */
const HAS_AUDIT_ID = 1;
const HAS_URI = 2;
const HAS_NAME = 4;
/** The auditID is a lowercase UUID, held as its 16 bytes (one character each). */
const PACKED_UUID = 1 << 27;
const LENGTH_BITS = 12;
const LENGTH_MASK = (1 << LENGTH_BITS) - 1;
// requestURI and name are capped at MAX_TEXT + 1 characters (the ellipsis): their lengths fit in
// LENGTH_BITS each. auditID, never capped, comes last: its length is what is left.
const URI_SHIFT = 3;
const NAME_SHIFT = URI_SHIFT + LENGTH_BITS;

/**
 * What a summary is made of, in flat objects of fixed shape: windows and open alerts hold one per
 * sampled match (up to `sampleSize` per key, for minutes) and make it an {@link EventSummary} only
 * for a notice. The fields proper to the event are the record's own; the rest is a shared
 * {@link SummaryContext}. The three texts no two events share (requestURI, object name, auditID)
 * are held as one flat string and cut when read: a string costs 16 bytes of header and up to 7 of
 * padding, so three cost about 40 bytes more than one (a tenth of a tracked key).
 */
export class SummaryRecord {
  constructor(
    /** Event time (ms), `NaN` when it has none. */
    readonly time: number,
    /** requestURI, object name and auditID, those present, joined in that order (internal). */
    readonly joined: string,
    /** Which of them are present, and the lengths of the first two (internal: HAS_* bits, *_SHIFT fields). */
    readonly lengths: number,
    readonly user: string | undefined,
    readonly context: SummaryContext,
  ) {}

  get requestURI(): string | undefined {
    return this.lengths & HAS_URI ? this.joined.slice(0, this.nameStart()) : undefined;
  }

  get name(): string | undefined {
    if (!(this.lengths & HAS_NAME)) return undefined;
    const start = this.nameStart();
    return this.joined.slice(start, start + ((this.lengths >>> NAME_SHIFT) & LENGTH_MASK));
  }

  get auditID(): string | undefined {
    if (!(this.lengths & HAS_AUDIT_ID)) return undefined;
    const id = this.joined.slice(this.nameStart() + ((this.lengths >>> NAME_SHIFT) & LENGTH_MASK));
    return this.lengths & PACKED_UUID ? unpackUuid(id) : id;
  }

  private nameStart(): number {
    return (this.lengths >>> URI_SHIFT) & LENGTH_MASK;
  }
}

/** The record of these fields, the three unique texts joined into one flat string. */
function record(
  time: number,
  requestURI: string | undefined,
  name: string | undefined,
  auditID: string | undefined,
  user: string | undefined,
  context: SummaryContext,
): SummaryRecord {
  let lengths = 0;
  if (requestURI !== undefined) lengths |= HAS_URI | (requestURI.length << URI_SHIFT);
  if (name !== undefined) lengths |= HAS_NAME | (name.length << NAME_SHIFT);
  let id = auditID;
  if (auditID !== undefined) {
    lengths |= HAS_AUDIT_ID;
    const packed = packUuid(auditID);
    if (packed !== undefined) {
      lengths |= PACKED_UUID;
      id = packed;
    }
  }
  // join makes one flat string; `+` would make a rope holding the three pieces.
  const joined = [requestURI ?? '', name ?? '', id ?? ''].join('');
  return new SummaryRecord(time, joined, lengths, user, context);
}

/**
 * The record of what an alert carries of an event (see {@link summarizeEvent}). Fields with few
 * distinct values are interned through bounded tables.
 */
export function summaryRecord(event: AuditEvent, time: number): SummaryRecord {
  const ref = event.objectRef;
  const hasRef = ref !== null && ref !== undefined && typeof ref === 'object';
  const ips = event.sourceIPs;
  const code = event.responseStatus?.code;
  const context = contextOf(
    new SummaryContext(
      typeof event.stage === 'string' ? internSummaryText(event.stage) : undefined,
      typeof event.verb === 'string' ? internSummaryText(event.verb) : undefined,
      Array.isArray(event.user?.groups) ? groupList(event.user.groups) : undefined,
      common(event.impersonatedUser?.username),
      hasRef,
      hasRef ? common(ref.resource) : undefined,
      hasRef ? common(ref.subresource) : undefined,
      hasRef ? common(ref.namespace) : undefined,
      hasRef ? common(ref.apiGroup) : undefined,
      Array.isArray(ips) && ips.length > 0 ? common(ips[ips.length - 1]) : undefined,
      common(event.userAgent),
      typeof code === 'number' ? code : undefined,
      common(event.annotations?.['authorization.k8s.io/decision']),
    ),
  );
  return record(
    time,
    text(event.requestURI),
    hasRef ? text(ref.name) : undefined,
    typeof event.auditID === 'string' ? event.auditID : undefined,
    text(event.user?.username),
    context,
  );
}

/** The summary of a record, with its event time. */
export function summaryOf(r: SummaryRecord): EventSummary {
  const c = r.context;
  const summary: EventSummary = {};
  const time = r.time;
  const auditID = r.auditID;
  if (auditID !== undefined) summary.auditID = auditID;
  if (time === time) summary.time = new Date(time).toISOString();
  if (c.stage !== undefined) summary.stage = c.stage;
  if (c.verb !== undefined) summary.verb = c.verb;
  if (r.user !== undefined) summary.user = r.user;
  if (c.groups !== undefined) summary.groups = [...c.groups];
  if (c.impersonatedUser !== undefined) summary.impersonatedUser = c.impersonatedUser;
  if (c.hasObjectRef) {
    const o: NonNullable<EventSummary['objectRef']> = {};
    if (c.resource !== undefined) o.resource = c.resource;
    if (c.subresource !== undefined) o.subresource = c.subresource;
    if (c.namespace !== undefined) o.namespace = c.namespace;
    const name = r.name;
    if (name !== undefined) o.name = name;
    if (c.apiGroup !== undefined) o.apiGroup = c.apiGroup;
    summary.objectRef = o;
  }
  const requestURI = r.requestURI;
  if (requestURI !== undefined) summary.requestURI = requestURI;
  if (c.sourceIP !== undefined) summary.sourceIP = c.sourceIP;
  if (c.userAgent !== undefined) summary.userAgent = c.userAgent;
  if (c.responseCode !== undefined) summary.responseCode = c.responseCode;
  if (c.decision !== undefined) summary.decision = c.decision;
  return summary;
}

/**
 * The part of an event an alert carries. Bodies are left out on purpose: they are large and, even
 * redacted, more than a responder needs; strings are capped so one event cannot bloat an alert.
 */
export function summarizeEvent(event: AuditEvent, time: number): EventSummary {
  return summaryOf(summaryRecord(event, time));
}
