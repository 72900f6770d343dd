import { KauditError } from '../errors.js';
import { decodeLineInto, decodeParsedInto, isBlank } from './decode-line.js';
import type { AcceptEvent, AcceptingResult, DecodeOptions, DecodeResult } from './decode-result.js';
import { jsonErrorReason } from './json-error-reason.js';
import { resolveLimits, type Limits } from './sanitize.js';

// Not fatal: Go's encoder never writes invalid UTF-8, so a stray bad byte means damage to one
// string, and U+FFFD there is better than refusing a whole batch of events.
const utf8 = new TextDecoder('utf-8');

/**
 * Decodes a webhook body or a file's content: one JSON document (Event, EventList, array of events,
 * Azure `records` wrapper) or JSON lines (one event or EventList per line, blank lines ignored).
 * Items and lines that fail are rejections and the rest go on.
 *
 * Throws `KauditError('decode', 'invalid_json' | 'not_audit_events')` only when the body as a whole
 * is not JSON, or holds nothing shaped like audit events (`{"hello":1}`, `42`): the HTTP server
 * answers 400 with the message. An EventList or array whose every item is invalid is a result
 * with zero events, not an error.
 *
 * @example
 * decodeBody('{"kind":"EventList","items":[{"verb":"get","requestURI":"/api"}]}').events.length // 1
 */
export function decodeBody(body: string | Uint8Array, options: DecodeOptions = {}): DecodeResult {
  return decodeBodyInto(body, options, { events: [], rejected: [] });
}

/**
 * {@link decodeBody} that hands each event to `accept` as soon as it is checked, with whether the
 * limits walk saw anything for the redaction walk: the pipeline's decode + redact + evaluate pass.
 * The result's `events` stays empty; `accepted` counts them. It throws as {@link decodeBody} does,
 * and only when no event was accepted. Only for text: parsed text is a tree, so no event shares an
 * object that a later event's checks could see redacted (caller-held objects can, so
 * `decodeValue` keeps redaction apart).
 */
export function decodeBodyEach(
  body: string | Uint8Array,
  options: DecodeOptions,
  accept: AcceptEvent,
): AcceptingResult {
  return decodeBodyInto(body, options, { events: [], rejected: [], accept, accepted: 0 });
}

function decodeBodyInto<R extends DecodeResult>(body: string | Uint8Array, options: DecodeOptions, out: R): R {
  const limits = resolveLimits(options.limits);
  const source = options.source;
  let text = typeof body === 'string' ? body : utf8.decode(body);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // Not one document: JSON lines, or not JSON at all (decided line by line).
    return decodeLines(text, limits, source, err, out);
  }
  return decodeParsed(parsed, limits, source, out);
}

/**
 * Decodes values a library caller already holds (`pipeline.push`): any shape {@link decodeBody}
 * accepts, as objects. They are sanitized like parsed input, in place: prototype keys are removed
 * from the caller's objects. Throws `KauditError('decode', 'not_audit_events')` when `parsed` has
 * no audit shape.
 */
export function decodeValue(parsed: unknown, options: DecodeOptions = {}): DecodeResult {
  return decodeParsed(parsed, resolveLimits(options.limits), options.source, { events: [], rejected: [] });
}

function decodeParsed<R extends DecodeResult>(parsed: unknown, limits: Limits, source: string | undefined, out: R): R {
  const notAudit = decodeParsedInto(parsed, limits, out, undefined, source);
  if (notAudit !== undefined) throw notAuditError(source, notAudit);
  return out;
}

function decodeLines<R extends DecodeResult>(
  text: string,
  limits: Limits,
  source: string | undefined,
  documentError: unknown,
  out: R,
): R {
  let parsedLines = 0;
  let auditLines = 0;
  let firstNotAudit: string | undefined;
  let lineNo = 0;
  let start = 0;
  const end = text.length;
  // indexOf per line: no regex and no array of every line over the whole body.
  while (start < end) {
    let nl = text.indexOf('\n', start);
    if (nl === -1) nl = end;
    lineNo++;
    const line = text.slice(start, nl);
    start = nl + 1;
    const before = out.rejected.length;
    const outcome = decodeLineInto(line, lineNo, limits, out, source);
    if (outcome === 'audit') auditLines++;
    else if (outcome === 'not-audit') {
      parsedLines++;
      firstNotAudit ??= `line ${lineNo}: ${out.rejected[before]?.reason ?? ''}`;
    }
  }
  if (auditLines > 0) return out;
  const prefix = source === undefined ? '' : `${source}: `;
  if (parsedLines > 0) {
    throw new KauditError(
      'decode',
      'not_audit_events',
      `${prefix}the input holds no audit events in its ${parsedLines} JSON line${parsedLines === 1 ? '' : 's'}; ${firstNotAudit ?? ''}`,
    );
  }
  if (isBlank(text)) throw new KauditError('decode', 'invalid_json', `${prefix}the input is empty`);
  throw new KauditError('decode', 'invalid_json', `${prefix}the input is not JSON: ${jsonErrorReason(documentError)}`, {
    cause: documentError,
  });
}

function notAuditError(source: string | undefined, reason: string): KauditError {
  const prefix = source === undefined ? '' : `${source}: `;
  return new KauditError('decode', 'not_audit_events', `${prefix}the input holds no audit events: ${reason}`);
}
