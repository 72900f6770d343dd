import type { AuditEvent } from '../event/audit-event.js';
import type { Limits } from './sanitize.js';

/**
 * One item or line that was not turned into an event. Rejections are data, not errors: one bad
 * item must never cost the rest of a batch.
 */
export interface Rejection {
  /** Short and specific, e.g. `kind is 0, expected "Event"`; never a copy of the payload. */
  reason: string;
  /** Position of the item in its EventList, array or `records` wrapper (0-based). */
  index?: number;
  /** Line of the input it came from (1-based), for JSON lines and files. */
  line?: number;
  /** Where the input came from: a file path, `stdin`, or what the caller named it. */
  source?: string;
}

/** What decoding one input produced: the accepted events, in input order, and the rejections. */
export interface DecodeResult {
  events: AuditEvent[];
  rejected: Rejection[];
}

/**
 * Takes one event as soon as the decoder accepts it (internal: the pipeline's pushBody, which
 * redacts and evaluates it before the next line is parsed, so events die young unless a stateful rule
 * keeps them). `mayNeedWalk` false means the limits walk met nothing the generic redaction walk
 * reacts to (see `sawRedactionTrigger`).
 */
export type AcceptEvent = (event: AuditEvent, mayNeedWalk: boolean) => void;

/** A {@link DecodeResult} whose events go to `accept` instead of `events`, which stays empty (internal). */
export interface AcceptingResult extends DecodeResult {
  accept: AcceptEvent;
  /** How many events went to `accept`. */
  accepted: number;
}

/** Options shared by every decoder. */
export interface DecodeOptions {
  /** Overrides of {@link DEFAULT_LIMITS}, per event. */
  limits?: Partial<Limits>;
  /** Names the input in rejections and error messages. */
  source?: string;
}

/**
 * The decoder's `mayNeedWalk` per event of a result, for results decoded with {@link trackWalkFlags}
 * (internal: `readEvents` batches, so a replay gets pushBody's one pass too). Kept beside the result,
 * not on it, so no caller can forge a flag that would skip redaction.
 */
const WALK_FLAGS = new WeakMap<DecodeResult, boolean[]>();

/** Starts recording `mayNeedWalk` for the events later added to `out` (internal). */
export function trackWalkFlags(out: DecodeResult): void {
  if (out.events.length === 0) WALK_FLAGS.set(out, []);
}

/**
 * The recorded flags of `result`, one per event, or undefined when they were not tracked or the
 * events no longer line up with them (internal).
 */
export function walkFlags(result: DecodeResult): readonly boolean[] | undefined {
  const flags = WALK_FLAGS.get(result);
  return flags !== undefined && flags.length === result.events.length ? flags : undefined;
}

/**
 * Appends an accepted event, or hands it to `accept` when `out` is an {@link AcceptingResult}. Call it
 * right after the event's check: the check's limits walk is what says whether redaction must walk.
 */
export function addEvent(out: DecodeResult, event: AuditEvent, mayNeedWalk: boolean): void {
  const accept = (out as Partial<AcceptingResult>).accept;
  if (accept === undefined) {
    out.events.push(event);
    WALK_FLAGS.get(out)?.push(mayNeedWalk);
    return;
  }
  (out as AcceptingResult).accepted++;
  accept(event, mayNeedWalk);
}

/**
 * Appends a rejection, setting only the location fields that are known so results compare and
 * serialize cleanly.
 */
export function addRejection(
  out: DecodeResult,
  reason: string,
  index: number | undefined,
  line: number | undefined,
  source: string | undefined,
): void {
  const rejection: Rejection = { reason };
  if (index !== undefined) rejection.index = index;
  if (line !== undefined) rejection.line = line;
  if (source !== undefined) rejection.source = source;
  out.rejected.push(rejection);
}
