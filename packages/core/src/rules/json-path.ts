/**
 * A compiler for the JSONPath rules use most (`$.spec.hostNetwork`, `$.roleRef.name`,
 * `$.spec.containers[*].securityContext.privileged`, `$.spec[containers,initContainers][*].image`,
 * `$.data.*~`), giving exactly what jsonpath-plus 10 gives for `JSONPath({ path, json, wrap: false })`
 * without its per-call parsing, path arrays and result objects. Everything else (recursive descent
 * `..`, filters, scripts, slices, `^`, `@type()`) is left to jsonpath-plus: the compiler answers
 * `undefined` for those paths and the caller falls back.
 *
 * The path is split by jsonpath-plus's own `toPathArray`, so both read a path the same way. Then
 * jsonpath-plus's trace is reproduced for the three step kinds kept here, quirks included:
 * - a name is followed when the value is truthy and has it as an own property (strings have
 *   `length` and their indexes);
 * - a step right after a name, `*` or union step first tries its text as a literal own property
 *   name (a key named `*` or `a,b` is followed as such, not as a wildcard or union), and a step
 *   reached that way does not;
 * - `*` walks array indexes (as numbers) and object keys; a union `a,b` follows each name;
 * - `~` ends the path with the name of the property it stands on, whatever follows it;
 * - a single result is returned bare, unless a `*` or union led to it; no result is `undefined`.
 */
import { JSONPath } from 'jsonpath-plus';

const NAME = 0;
const WILDCARD = 1;
const UNION = 2;
const PROPERTY_NAME = 3;

interface Step {
  readonly kind: typeof NAME | typeof WILDCARD | typeof UNION | typeof PROPERTY_NAME;
  /** The segment's text, which a step after the first tries first as a literal property name. */
  readonly loc: string;
  /** The names of a union. */
  readonly parts: readonly string[];
}

/** A compiled JSONPath: jsonpath-plus's answer for a non-null object. */
export type JsonPathEvaluator = (json: object) => unknown;

const SLICE = /^(-?\d*):(-?\d*):?(\d*)$/u;

/** Whether jsonpath-plus reads `segment` as a plain property name (none of its operators). */
function isPlainName(segment: string): boolean {
  if (segment === '*' || segment === '..' || segment === '^' || segment === '~' || segment === '$') return false;
  if (SLICE.test(segment) || segment.includes(',')) return false;
  const c = segment[0];
  return !(segment.startsWith('?(') || c === '(' || c === '@' || c === '`');
}

function toSteps(path: string): Step[] | undefined {
  let segments: string[];
  try {
    segments = [...JSONPath.toPathArray(path)];
  } catch {
    return undefined;
  }
  if (segments[0] === '$' && segments.length > 1) segments.shift();
  if (segments.length === 1 && segments[0] === '$') return [];
  const steps: Step[] = [];
  for (const loc of segments) {
    if (loc === '*') steps.push({ kind: WILDCARD, loc, parts: [] });
    else if (loc === '~') steps.push({ kind: PROPERTY_NAME, loc, parts: [] });
    else if (isPlainName(loc)) steps.push({ kind: NAME, loc, parts: [] });
    else if (loc.includes(',') && !loc.startsWith('?(') && !loc.startsWith('(') && loc[0] !== '@' && loc[0] !== '`') {
      const parts = loc.split(',');
      if (!parts.every(isPlainName)) return undefined;
      steps.push({ kind: UNION, loc, parts });
    } else {
      return undefined;
    }
  }
  return steps;
}

const hasOwn = Object.hasOwn as (value: unknown, key: PropertyKey) => boolean;

/**
 * Compiles `path` into an evaluator equal to `JSONPath({ path, json, wrap: false })` on non-null
 * objects, or returns `undefined` when the path uses something this compiler leaves to jsonpath-plus.
 *
 * @example
 * compileJsonPath('$.spec.containers[*].image')?.({ spec: { containers: [{ image: 'nginx' }] } }) // ['nginx']
 */
export function compileJsonPath(path: string): JsonPathEvaluator | undefined {
  const steps = toSteps(path);
  if (steps === undefined) return undefined;
  // jsonpath-plus throws (a TypeError) on a path that starts with `~`: leave the throwing to it.
  if (steps[0]?.kind === PROPERTY_NAME) return undefined;
  if (steps.length === 0) return (json) => json;
  // Most rule paths are names only: one walk, no recursion, no result list.
  if (steps.every((s) => s.kind === NAME)) return namesOnly(steps.map((s) => s.loc));
  return new Tracer(steps).evaluate;
}

function namesOnly(names: readonly string[]): JsonPathEvaluator {
  return (json) => {
    let val: unknown = json;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      if (!val || !hasOwn(val, name)) return undefined;
      val = (val as Record<string, unknown>)[name];
    }
    return val;
  };
}

/**
 * Walks the steps as jsonpath-plus's `_trace` does and collects the results. One instance per
 * compiled path: evaluation is synchronous and calls no user code, so the fields are per call.
 */
class Tracer {
  private count = 0;
  private first: unknown;
  private firstFromArrayStep = false;
  private list: unknown[] | undefined;

  constructor(private readonly steps: readonly Step[]) {}

  readonly evaluate = (json: object): unknown => {
    this.count = 0;
    this.first = undefined;
    this.list = undefined;
    this.trace(0, json, undefined, false, false);
    const count = this.count;
    const first = this.first;
    const list = this.list;
    this.first = undefined;
    this.list = undefined;
    if (count === 0) return undefined;
    if (count === 1) return this.firstFromArrayStep ? [first] : first;
    return list;
  };

  private emit(value: unknown, fromArrayStep: boolean): void {
    if (this.count === 0) {
      this.first = value;
      this.firstFromArrayStep = fromArrayStep;
    } else if (this.count === 1) {
      this.list = [this.first, value];
    } else {
      this.list!.push(value);
    }
    this.count++;
  }

  private trace(i: number, val: unknown, property: unknown, literal: boolean, arrayStep: boolean): void {
    const steps = this.steps;
    if (i === steps.length) {
      this.emit(val, arrayStep);
      return;
    }
    const step = steps[i]!;
    const loc = step.loc;
    if (literal && val && hasOwn(val, loc)) {
      // jsonpath-plus's literal branch does not pass literal priority on; its name branch does.
      this.trace(i + 1, (val as Record<string, unknown>)[loc], loc, false, arrayStep);
      return;
    }
    switch (step.kind) {
      case NAME:
        if (!literal && val && hasOwn(val, loc)) {
          this.trace(i + 1, (val as Record<string, unknown>)[loc], loc, true, arrayStep);
        }
        return;
      case WILDCARD:
        if (Array.isArray(val)) {
          const n = val.length;
          for (let j = 0; j < n; j++) this.trace(i + 1, val[j], j, true, true);
        } else if (val && typeof val === 'object') {
          const keys = Object.keys(val);
          for (let j = 0; j < keys.length; j++) {
            const key = keys[j]!;
            this.trace(i + 1, (val as Record<string, unknown>)[key], key, true, true);
          }
        }
        return;
      case UNION: {
        const parts = step.parts;
        for (let j = 0; j < parts.length; j++) {
          const part = parts[j]!;
          if (val && hasOwn(val, part)) this.trace(i + 1, (val as Record<string, unknown>)[part], part, true, true);
        }
        return;
      }
      case PROPERTY_NAME:
        // jsonpath-plus's `~` result carries no array flag and ignores the rest of the path.
        this.emit(property, false);
        return;
    }
  }
}
