import { AUDIT_API_VERSIONS } from './check-event.js';
import { describeValue } from './describe-value.js';
import type { Rejection } from './decode-result.js';
import { jsonErrorReason } from './json-error-reason.js';

/**
 * The audit shapes a parsed JSON document can have:
 * - `event`: one Event (or something that means to be one, so it gets a specific rejection);
 * - `event-list`: `{kind:"EventList", items:[...]}`, or any object with an `items` array and no `verb`;
 * - `array`: a JSON array of events;
 * - `records`: the Azure diagnostic wrapper `{records:[{properties:{log}}]}`;
 * - `record`: one record of that wrapper on its own (how Event Hub consumers often hand them over).
 */
export type DocumentShape = 'event' | 'event-list' | 'array' | 'records' | 'record';

/** Candidate items from one document, and the rejections found while extracting them. */
export interface ExtractedItems {
  items: unknown[];
  /**
   * Position of each item in the document when it differs from its place in `items` (records
   * dropped on the way), or `undefined` for a lone event or record, which has no position.
   */
  indexes?: Array<number | undefined>;
  rejected: Rejection[];
}

/** Why a document holds no audit data; decoders turn it into an error or a line rejection. */
export interface NotAudit {
  notAudit: string;
}

type Fields = Record<string, unknown>;

// Any of these on a lone object means it is meant as an event, so it earns a precise rejection
// (`kind is 0, expected "Event"`) instead of "not audit data".
const EVENT_KEYS = ['kind', 'apiVersion', 'verb', 'requestURI', 'auditID', 'stage', 'level'] as const;

const AUDIT_CATEGORIES: ReadonlySet<string> = new Set(['kube-audit', 'kube-audit-admin']);

/**
 * Classifies a parsed document without allocating; `undefined` when it has no audit shape.
 * Decoders use it to send the common single-event line straight to the event check.
 */
export function documentShape(doc: unknown): DocumentShape | undefined {
  if (Array.isArray(doc)) return 'array';
  if (typeof doc !== 'object' || doc === null) return undefined;
  const o = doc as Fields;
  const kind = o.kind;
  if (kind === 'EventList') return 'event-list';
  if (kind === 'Event' || typeof o.verb === 'string' || typeof o.requestURI === 'string') return 'event';
  if (Array.isArray(o.items) && o.verb === undefined && kind === undefined) return 'event-list';
  if (Array.isArray(o.records)) return 'records';
  const properties = o.properties;
  if (typeof properties === 'object' && properties !== null && (properties as Fields).log !== undefined)
    return 'record';
  // A string kind names some other Kubernetes object (a Pod manifest, a PodList): not audit data.
  if (typeof kind === 'string') return undefined;
  for (const key of EVENT_KEYS) if (o[key] !== undefined) return 'event';
  return undefined;
}

/**
 * Turns one parsed document into candidate items (not yet checked) and per-item rejections, or
 * says why it holds no audit data. A `records` log that is a JSON string is parsed here; one that
 * does not parse is a rejection of that record, never of the document.
 */
export function extractItems(doc: unknown): ExtractedItems | NotAudit {
  const shape = documentShape(doc);
  switch (shape) {
    case undefined:
      return { notAudit: notAuditReason(doc) };
    case 'array':
      return { items: doc as unknown[], rejected: [] };
    case 'event':
      return { items: [doc], indexes: [undefined], rejected: [] };
    case 'event-list': {
      const list = doc as Fields;
      const apiVersion = list.apiVersion;
      if (apiVersion !== undefined && !(typeof apiVersion === 'string' && AUDIT_API_VERSIONS.has(apiVersion))) {
        return { notAudit: `an EventList of apiVersion ${describeValue(apiVersion)} is not an audit EventList` };
      }
      if (!Array.isArray(list.items))
        return { notAudit: `an EventList needs an items array, got ${describeValue(list.items)}` };
      return { items: list.items as unknown[], rejected: [] };
    }
    case 'records': {
      const records = (doc as Fields).records as unknown[];
      const out: ExtractedItems = { items: [], indexes: [], rejected: [] };
      for (let i = 0; i < records.length; i++) recordItem(records[i], i, out);
      return out;
    }
    case 'record': {
      const out: ExtractedItems = { items: [], indexes: [], rejected: [] };
      recordItem(doc, undefined, out);
      return out;
    }
  }
}

function recordItem(record: unknown, index: number | undefined, out: ExtractedItems): void {
  const where = index === undefined ? 'the record' : `records[${index}]`;
  const reject = (reason: string): void => {
    out.rejected.push(index === undefined ? { reason } : { reason, index });
  };
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    reject(`${where} is ${describeValue(record)}, expected an object`);
    return;
  }
  const category = (record as Fields).category;
  if (typeof category === 'string' && !AUDIT_CATEGORIES.has(category)) {
    // Diagnostic settings often stream apiserver and controller logs to the same hub.
    reject(`${where} has category ${describeValue(category)}, not kube-audit or kube-audit-admin`);
    return;
  }
  const properties = (record as Fields).properties;
  const log = typeof properties === 'object' && properties !== null ? (properties as Fields).log : undefined;
  let item: unknown;
  if (typeof log === 'string') {
    try {
      item = JSON.parse(log);
    } catch (err) {
      reject(`${where}.properties.log is not JSON: ${jsonErrorReason(err)}`);
      return;
    }
  } else if (typeof log === 'object' && log !== null) {
    item = log;
  } else if (log === undefined) {
    reject(`${where} has no properties.log`);
    return;
  } else {
    reject(`${where}.properties.log is ${describeValue(log)}, expected an event or its JSON text`);
    return;
  }
  out.items.push(item);
  out.indexes?.push(index);
}

/** Why `doc` is not audit data, naming what it is instead (keys only, never values). */
export function notAuditReason(doc: unknown): string {
  const expected = 'expected an audit Event, an EventList, an array of events or an Azure {"records":[...]} wrapper';
  if (typeof doc !== 'object' || doc === null) return `${expected}, got ${describeValue(doc)}`;
  const kind = (doc as Fields).kind;
  if (kind !== undefined) return `${expected}, got kind ${describeValue(kind)}`;
  const keys = Object.keys(doc);
  if (keys.length === 0) return `${expected}, got an empty object`;
  const shown = keys.slice(0, 5).map((k) => JSON.stringify(k.length > 32 ? `${k.slice(0, 32)}…` : k));
  return `${expected}, got an object with keys ${shown.join(', ')}${keys.length > 5 ? ', …' : ''}`;
}
