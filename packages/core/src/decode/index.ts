/**
 * Decoding: from bytes, lines or caller-held objects to checked, sanitized audit events, with a
 * reason for everything that was refused.
 */
export { AUDIT_API_VERSIONS, BODY_DROPPED, checkEvent, type CheckResult } from './check-event.js';
export { decodeBody, decodeValue } from './decode-body.js';
export type { DecodeOptions, DecodeResult, Rejection } from './decode-result.js';
export {
  documentShape,
  extractItems,
  type DocumentShape,
  type ExtractedItems,
  type NotAudit,
} from './extract-items.js';
export { LineSplitter, type LineHandler } from './line-splitter.js';
export { DEFAULT_MAX_DOCUMENT_BYTES, readEvents, type ReadOptions, type SourcedResult } from './read-events.js';
export { DEFAULT_LIMITS, resolveLimits, sanitize, VALUE_COST, type Limits } from './sanitize.js';
