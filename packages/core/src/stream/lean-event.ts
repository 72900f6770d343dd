import { internSummaryText } from '../alert/intern.js';
import { templateNames, MESSAGE_VARIABLES } from '../alert/message-template.js';
import type { AuditEvent } from '../event/audit-event.js';
import type { CompiledRule } from '../rules/compile-rule-set.js';
import { alertKeyFacts, type RuleSpec } from '../rules/rule-file.js';

/**
 * The facts a lean event answers exactly as the whole event would: the fields an event summary
 * reads, and the derived facts computed from them only.
 */
export const LEAN_FACTS: ReadonlySet<string> = new Set([
  'auditID',
  'stage',
  'verb',
  'requestURI',
  'userAgent',
  'sourceIPs',
  'user.username',
  'user.groups',
  'impersonatedUser.username',
  'objectRef.resource',
  'objectRef.subresource',
  'objectRef.namespace',
  'objectRef.name',
  'objectRef.apiGroup',
  'objectRef.apiVersion',
  'responseStatus.code',
  'annotations.authorization\\.k8s\\.io/decision',
  'sourceIP',
  'isServiceAccount',
  'serviceAccountNamespace',
  'serviceAccountName',
  'effectiveUser',
  'isAnonymous',
  'decision',
  'requestPath',
  'execCommand',
  'execContainer',
]);

/** Steps a sequence match can record as bits of one number. */
const MAX_MASK_STEPS = 31;

const projectable = new WeakMap<RuleSpec, boolean>();

/** Every fact the stages after ordering read from a match of this rule's event. */
function downstreamFacts(spec: RuleSpec): string[] {
  const facts = [...alertKeyFacts(spec)];
  if (spec.threshold)
    facts.push(...spec.threshold.groupBy, ...(spec.threshold.distinct ? [spec.threshold.distinct] : []));
  if (spec.newTerm) facts.push(...spec.newTerm.fields);
  if (spec.sequence) for (const step of spec.sequence.steps) facts.push(...step.key);
  // The default message reads verb, objectRef, requestURI and the users: all lean facts.
  if (spec.message !== undefined) facts.push(...templateNames(spec.message).filter((n) => !MESSAGE_VARIABLES.has(n)));
  return facts;
}

/**
 * True when the matches of this rule may be held as a lean event ({@link leanEvent}) instead of the
 * whole event: every fact its key, window, term, sequence and message read is a lean fact. A sequence
 * rule also needs its step results taken at once ({@link stepMask}), since its step conditions may
 * read anything.
 */
export function canHoldLean(rule: CompiledRule): boolean {
  const spec = rule.spec;
  let ok = projectable.get(spec);
  if (ok === undefined) {
    ok =
      downstreamFacts(spec).every((f) => LEAN_FACTS.has(f)) &&
      (spec.sequence === undefined ||
        (spec.sequence.steps.length <= MAX_MASK_STEPS && typeof rule.testStep === 'function'));
    projectable.set(spec, ok);
  }
  return ok;
}

/** Bit i set when the event matches step i of a sequence rule. */
export function stepMask(rule: CompiledRule, event: AuditEvent): number {
  let mask = 0;
  const steps = rule.spec.sequence!.steps.length;
  for (let i = 0; i < steps; i++) if (rule.testStep!(i, event)) mask |= 1 << i;
  return mask;
}

type Obj = Record<string, unknown>;
const hasOwn = Object.prototype.hasOwnProperty;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object';
const common = (v: unknown): unknown => (typeof v === 'string' ? internSummaryText(v) : v);

/** The listed own fields of a nested object (non-objects as they are), short repeated strings interned. */
function pick(value: unknown, keys: readonly string[], shared: ReadonlySet<string>): unknown {
  if (!isObject(value)) return value;
  const out: Obj = {};
  for (const k of keys) {
    if (!hasOwn.call(value, k)) continue;
    const v = value[k];
    out[k] = shared.has(k) ? (Array.isArray(v) ? v.map(common) : common(v)) : v;
  }
  return out;
}

const USER = ['username', 'groups'];
const USER_SHARED: ReadonlySet<string> = new Set(['groups']);
const IMPERSONATED = ['username'];
const NONE: ReadonlySet<string> = new Set();
const OBJECT_REF = ['resource', 'subresource', 'namespace', 'name', 'apiGroup', 'apiVersion'];
const OBJECT_REF_SHARED: ReadonlySet<string> = new Set([
  'resource',
  'subresource',
  'namespace',
  'apiGroup',
  'apiVersion',
]);
const STATUS = ['code'];
const ANNOTATIONS = ['authorization.k8s.io/decision'];
const ANNOTATIONS_SHARED: ReadonlySet<string> = new Set(ANNOTATIONS);

/**
 * What the ordering buffer holds of an event for rules that {@link canHoldLean}: the fields of the
 * lean facts only, with their values (short repeated strings interned). Matches wait there for the
 * whole lateness (5 minutes by default, over a million events in a fast replay); the bodies,
 * timestamps and annotations of the whole event would stay alive all that time.
 */
export function leanEvent(event: AuditEvent): AuditEvent {
  const e = event as unknown as Obj;
  const lean: Obj = {};
  if (hasOwn.call(e, 'auditID')) lean.auditID = e.auditID;
  if (hasOwn.call(e, 'stage')) lean.stage = common(e.stage);
  if (hasOwn.call(e, 'verb')) lean.verb = common(e.verb);
  if (hasOwn.call(e, 'requestURI')) lean.requestURI = e.requestURI;
  if (hasOwn.call(e, 'userAgent')) lean.userAgent = common(e.userAgent);
  if (hasOwn.call(e, 'sourceIPs')) lean.sourceIPs = Array.isArray(e.sourceIPs) ? e.sourceIPs.map(common) : e.sourceIPs;
  if (hasOwn.call(e, 'user')) lean.user = pick(e.user, USER, USER_SHARED);
  if (hasOwn.call(e, 'impersonatedUser')) lean.impersonatedUser = pick(e.impersonatedUser, IMPERSONATED, NONE);
  if (hasOwn.call(e, 'objectRef')) lean.objectRef = pick(e.objectRef, OBJECT_REF, OBJECT_REF_SHARED);
  if (hasOwn.call(e, 'responseStatus')) lean.responseStatus = pick(e.responseStatus, STATUS, NONE);
  if (hasOwn.call(e, 'annotations')) lean.annotations = pick(e.annotations, ANNOTATIONS, ANNOTATIONS_SHARED);
  return lean as unknown as AuditEvent;
}
