import { eventProblem } from './check-event.js';
import { addEvent, addRejection, type DecodeResult } from './decode-result.js';
import { documentShape, extractItems } from './extract-items.js';
import { jsonErrorReason } from './json-error-reason.js';
import { sawRedactionTrigger, type Limits } from './sanitize.js';

/**
 * Decodes one parsed document into `out`. Returns `undefined` when the document had an audit shape
 * (even if every item in it was rejected), else the reason it is not audit data; the caller decides
 * whether that is fatal (a body) or one rejection (a line).
 */
export function decodeParsedInto(
  parsed: unknown,
  limits: Limits,
  out: DecodeResult,
  line: number | undefined,
  source: string | undefined,
): string | undefined {
  // The common case, one event per line, goes straight to the check: no item array, no result object.
  if (documentShape(parsed) === 'event') {
    const problem = eventProblem(parsed, limits);
    if (problem === undefined) addEvent(out, parsed as DecodeResult['events'][number], sawRedactionTrigger());
    else addRejection(out, problem, undefined, line, source);
    return undefined;
  }
  const extracted = extractItems(parsed);
  if ('notAudit' in extracted) return extracted.notAudit;
  for (const rejection of extracted.rejected) {
    addRejection(out, rejection.reason, rejection.index, line, source);
  }
  const { items, indexes } = extracted;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const problem = eventProblem(item, limits);
    if (problem === undefined) addEvent(out, item as DecodeResult['events'][number], sawRedactionTrigger());
    else addRejection(out, problem, indexes === undefined ? i : indexes[i], line, source);
  }
  return undefined;
}

/** What {@link decodeLineInto} found on a line. */
export type LineOutcome = 'blank' | 'not-json' | 'not-audit' | 'audit';

/**
 * Decodes one line of JSON lines into `out`; a line that is not JSON or not audit data becomes one
 * rejection carrying `line`. Blank (whitespace-only) lines are skipped.
 */
export function decodeLineInto(
  text: string,
  line: number,
  limits: Limits,
  out: DecodeResult,
  source: string | undefined,
): LineOutcome {
  if (isBlank(text)) return 'blank';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    addRejection(out, `not JSON: ${jsonErrorReason(err)}`, undefined, line, source);
    return 'not-json';
  }
  const notAudit = decodeParsedInto(parsed, limits, out, line, source);
  if (notAudit === undefined) return 'audit';
  addRejection(out, `not an audit event: ${notAudit}`, undefined, line, source);
  return 'not-audit';
}

/** True for an empty or whitespace-only line; looks past the first character only when it is blank. */
export function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // JSON whitespace, plus the BOM a file may start with.
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10 && c !== 0xfeff) return false;
  }
  return true;
}
