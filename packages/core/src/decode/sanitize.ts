import { KauditError } from '../errors.js';
import { FORBIDDEN_KEYS } from '../event/fact-path.js';
import { LAST_APPLIED_ANNOTATION } from '../redact/last-applied.js';
import { MIN_TOKEN_LENGTH, mayHoldToken } from '../redact/token-patterns.js';

/**
 * Bounds on one decoded event. They exist so that a broken or hostile sender cannot exhaust the
 * stack, the heap or the rules engine's time with a single value.
 */
export interface Limits {
  /** Deepest nesting of arrays and objects; the value itself is level 1. */
  maxDepth: number;
  /** Most items in one array, and most keys in one object. */
  maxWidth: number;
  /** Longest string or key, in UTF-16 code units (what `.length` counts). */
  maxStringLength: number;
  /** Largest size estimate: string and key lengths plus {@link VALUE_COST} per value. */
  maxTotalSize: number;
}

/** The limits used when a caller gives none: far above what a real apiserver writes for one event. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxDepth: 64,
  maxWidth: 10_000,
  maxStringLength: 262_144,
  maxTotalSize: 4 * 1024 * 1024,
});

/**
 * What every value adds to the size estimate on top of its characters: roughly a pointer and the
 * JSON punctuation around it, so a million tiny values are not "free".
 */
export const VALUE_COST = 8;

const LIMIT_NAMES = ['maxDepth', 'maxWidth', 'maxStringLength', 'maxTotalSize'] as const;

/**
 * Fills a partial set of limits from {@link DEFAULT_LIMITS}. Throws `KauditError('decode',
 * 'invalid_limits')` for a value that is not a number >= 0, because a NaN limit would silently
 * disable the check it names.
 */
export function resolveLimits(partial?: Partial<Limits>): Limits {
  if (partial === undefined) return DEFAULT_LIMITS;
  const limits: Limits = { ...DEFAULT_LIMITS };
  for (const name of LIMIT_NAMES) {
    const value = partial[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value >= 0)) {
      throw new KauditError('decode', 'invalid_limits', `limit ${name} must be a number >= 0, got ${String(value)}`);
    }
    limits[name] = value;
  }
  return limits;
}

// Bit n is set when some forbidden key has length n: one shift rejects almost every key before
// the Set lookup, which matters because this runs for every key of every event.
let forbiddenLengthMask = 0;
for (const key of FORBIDDEN_KEYS) {
  if (key.length >= 32) throw new Error(`[decode] forbidden key "${key}" is too long for the length mask`);
  forbiddenLengthMask |= 1 << key.length;
}
const FORBIDDEN_LENGTH_MASK = forbiddenLengthMask;

const tooDeep = (maxDepth: number): string => `nesting deeper than ${maxDepth}`;
const tooLarge = (maxTotalSize: number): string => `larger than ${maxTotalSize} (size estimate)`;
const tooLong = (length: number, max: number, key: string | undefined): string =>
  key === undefined
    ? `a string of ${length} characters, longer than ${max}`
    : `the string at key ${quoteKey(key)} has ${length} characters, longer than ${max}`;

function quoteKey(key: string): string {
  return JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
}

function notJson(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    const proto: unknown = Object.getPrototypeOf(value);
    const ctor =
      proto !== null && typeof proto === 'object' ? (proto as { constructor?: unknown }).constructor : undefined;
    const name = typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'non-plain';
    return `a ${name} object is not JSON data`;
  }
  return `a ${typeof value} is not JSON data`;
}

// sanitize() calls nothing that could call it back (plain data only), so one pair of stacks serves
// every call, and they are left empty, so they never keep an event alive.
const STACK: object[] = [];
const DEPTHS: number[] = [];

// Whether the last walk met anything the redaction walk reacts to (see {@link sawRedactionTrigger}).
let trigger = false;

// Keys of 20+ characters already seen without a token (`requestReceivedTimestamp`, managedFields'
// `f:...` keys): a set lookup instead of the token pre-check. Bounded: keys are chosen by senders.
const CLEAN_KEYS = new Set<string>();
const CLEAN_KEYS_LIMIT = 10_000;

/** The `kind`s whose objects the redaction walk redacts (event-walk.ts's `redactByKind`). */
const REDACTED_KINDS: ReadonlySet<unknown> = new Set(['Secret', 'SecretList', 'TokenRequest', 'TokenReview']);

/**
 * True when the value of the last {@link sanitize} call (if it was accepted) holds something the
 * generic redaction walk (redact/event-walk.ts) could act on: an object whose `kind` is Secret,
 * SecretList, TokenRequest or TokenReview, an `env` key, the last-applied annotation key, or a
 * string or key that passes the token pre-check. When it is false, that walk would change and count
 * nothing, so the decoder lets the redactor skip it: the limits walk and the redaction walk become
 * one pass over the event. It errs only towards true (an `env` key of any value counts), except
 * that it trusts the event check for the top-level timestamps: read it only for an accepted event.
 */
export function sawRedactionTrigger(): boolean {
  return trigger;
}

/** Makes {@link sawRedactionTrigger} true: for values checked in several parts (a dropped body). */
export function requireRedactionWalk(): void {
  trigger = true;
}

/**
 * An event's own timestamps are left out of the token pre-check: the event check accepts an event
 * only when each is absent or parses as a time (`parseTimestamp`), and such a string holds digits and
 * `-:.+TtZz ` plus at most one other character, while every token pattern needs two letters or more
 * outside that set. It saves one or two regex tests per event.
 */
function isEventTimestampKey(key: string): boolean {
  return key === 'requestReceivedTimestamp' || key === 'stageTimestamp' || key === 'timestamp';
}

function keyTriggers(key: string, klen: number, value: unknown): boolean {
  if (klen === 3) return key === 'env';
  if (klen === 4) return key === 'kind' && REDACTED_KINDS.has(value);
  if (klen < MIN_TOKEN_LENGTH || CLEAN_KEYS.has(key)) return false;
  if (key === LAST_APPLIED_ANNOTATION || mayHoldToken(key)) return true;
  if (CLEAN_KEYS.size < CLEAN_KEYS_LIMIT) CLEAN_KEYS.add(key);
  return false;
}

/**
 * Checks a freshly parsed JSON value against `limits`, walking it with an explicit stack so that
 * any depth is safe, and deletes own keys named `__proto__`, `constructor` and `prototype` at every
 * level (JSON.parse creates them as ordinary own properties; later code must never meet them).
 *
 * Returns a short reason for the first violation, or `undefined` when the value is acceptable.
 * Values JSON cannot hold (functions, symbols, bigints, Dates, Maps, class instances) are
 * violations too, because library callers hand over objects that never went through JSON.parse.
 * The value is changed in place; on a violation it may be left partly cleaned.
 */
export function sanitize(value: unknown, limits: Limits): string | undefined {
  const problem = walk(value, limits);
  // A walk that stopped early leaves objects of a refused value on the stacks: let them go.
  if (STACK.length > 0) {
    STACK.length = 0;
    DEPTHS.length = 0;
  }
  return problem;
}

function walk(value: unknown, limits: Limits): string | undefined {
  const maxDepth = limits.maxDepth;
  const maxWidth = limits.maxWidth;
  const maxStringLength = limits.maxStringLength;
  const maxTotalSize = limits.maxTotalSize;
  let size = VALUE_COST;
  let trig = false;
  // Stays true unless the walk ends accepted: a bare value or a refused one is never vouched for.
  trigger = true;

  if (typeof value === 'string') {
    if (value.length > maxStringLength) return tooLong(value.length, maxStringLength, undefined);
    return value.length + size > maxTotalSize ? tooLarge(maxTotalSize) : undefined;
  }
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint'
      ? notJson(value)
      : undefined;
  }
  if (maxDepth < 1) return tooDeep(maxDepth);

  // Only containers go on the stack; scalars are checked where they are met, so the stack stays
  // as small as the number of pending objects. The stacks are reused from call to call: no two
  // arrays per event.
  const stack = STACK;
  const depths = DEPTHS;
  stack.push(value);
  depths.push(1);
  while (stack.length > 0) {
    const node = stack.pop() as object;
    const depth = depths.pop() as number;

    if (Array.isArray(node)) {
      const n = node.length;
      if (n > maxWidth) return `an array has ${n} items, more than ${maxWidth}`;
      size += n * VALUE_COST;
      if (size > maxTotalSize) return tooLarge(maxTotalSize);
      for (let i = 0; i < n; i++) {
        const v: unknown = node[i];
        const t = typeof v;
        if (t === 'string') {
          const len = (v as string).length;
          if (len > maxStringLength) return tooLong(len, maxStringLength, undefined);
          size += len;
          if (size > maxTotalSize) return tooLarge(maxTotalSize);
          if (!trig && len >= MIN_TOKEN_LENGTH && mayHoldToken(v as string)) trig = true;
        } else if (t === 'object') {
          if (v !== null) {
            if (depth >= maxDepth) return tooDeep(maxDepth);
            stack.push(v as object);
            depths.push(depth + 1);
          }
        } else if (t === 'function' || t === 'symbol' || t === 'bigint') {
          return notJson(v);
        }
      }
      continue;
    }

    const proto: unknown = Object.getPrototypeOf(node);
    if (proto !== Object.prototype && proto !== null) return notJson(node);
    const record = node as Record<string, unknown>;
    let keys = 0;
    // for-in rather than Object.keys: no array per object, and V8 serves it from the enum cache.
    for (const key in record) {
      if (++keys > maxWidth) return `an object has more than ${maxWidth} keys`;
      const klen = key.length;
      if (klen < 32 && ((FORBIDDEN_LENGTH_MASK >>> klen) & 1) === 1 && FORBIDDEN_KEYS.has(key)) {
        // Reflect.deleteProperty reports a frozen object instead of throwing in strict mode.
        if (!Reflect.deleteProperty(record, key)) return `cannot remove the forbidden key ${quoteKey(key)}`;
        continue;
      }
      if (klen > maxStringLength) return `a key of ${klen} characters, longer than ${maxStringLength}`;
      size += klen + VALUE_COST;
      const v = record[key];
      if (!trig && klen !== 0 && keyTriggers(key, klen, v)) trig = true;
      const t = typeof v;
      if (t === 'string') {
        const len = (v as string).length;
        if (len > maxStringLength) return tooLong(len, maxStringLength, key);
        size += len;
        if (!trig && len >= MIN_TOKEN_LENGTH && !(depth === 1 && isEventTimestampKey(key)) && mayHoldToken(v as string))
          trig = true;
      } else if (t === 'object') {
        if (v !== null) {
          if (depth >= maxDepth) return tooDeep(maxDepth);
          stack.push(v as object);
          depths.push(depth + 1);
        }
      } else if (t === 'function' || t === 'symbol' || t === 'bigint') {
        return notJson(v);
      }
      if (size > maxTotalSize) return tooLarge(maxTotalSize);
    }
  }
  trigger = trig;
  return undefined;
}
