/**
 * Compiles json-rules-engine conditions into synchronous predicates over one audit event, with
 * json-rules-engine 7.3.1's semantics (rule.js, condition.js, almanac.js), and collects every
 * problem that makes a condition unusable instead of stopping at the first.
 *
 * Semantics reproduced:
 * - A fact is a list of the rule set (a constant), else a derived fact, else the event field at a
 *   dotted path. `params` are ignored: kaudit's facts take none. `path` (JSONPath) applies only when
 *   the fact value is a non-null object, with jsonpath-plus's `JSONPath({ path, json, wrap: false })`
 *   results (compiled by json-path.ts where it can, jsonpath-plus itself otherwise).
 * - A value object with an own `fact` property is a fact reference, resolved the same way.
 * - `all` / `any` with no child are true, with one child are that child; with more, the children
 *   are grouped by priority (a fact test's or reference's own `priority`, a boolean's parsed
 *   `priority`; default 1), highest first. Within a group every child is evaluated (json-rules-engine
 *   awaits them together, so any error surfaces); between groups evaluation stops once the result
 *   is decided. `not` negates. `{ "condition": name }` evaluates the shared condition.
 *
 * Allowed reorderings: within a group, children that cannot throw run first and stop at the first
 * decisive result; children that can throw then run only when the result is still open or when a
 * cheap check says they could throw on this event. The result and whether an error is raised are
 * the same as json-rules-engine's; only wasted work is skipped.
 */
import { JSONPath } from 'jsonpath-plus';
import type { AuditEvent } from '../event/audit-event.js';
import { AUDIT_EVENT_FIELDS } from '../event/audit-event-fields.js';
import { DERIVED_FACTS, isDerivedFact } from '../event/derived-facts.js';
import { factPathProblem, parseFactPath } from '../event/fact-path.js';
import { closest } from './closest-name.js';
import { eventFactGetter } from '../event/resolve-fact.js';
import { compileComparison, describeType, parseOperator, type ParsedOperator, type ValueProblem } from './operators.js';
import { compileJsonPath } from './json-path.js';
import type { Condition } from './rule-file.js';

const EVENT_FIELDS: ReadonlySet<string> = new Set(AUDIT_EVENT_FIELDS);
/** A compiled condition: the event in, a strict boolean out. May throw (see `mayThrow`). */
export type EventTest = (event: AuditEvent) => boolean;

/** A compiled condition and whether it can throw on some event. */
export interface CompiledCondition {
  readonly test: EventTest;
  /** False only when no event can make it throw; the rule wrapper catches what does. */
  readonly mayThrow: boolean;
  /**
   * Whether the test could throw on this event: a cheap, conservative check (false means it
   * cannot), always false when `mayThrow` is false. Never throws itself.
   */
  readonly mightThrow: EventTest;
}

/** A problem with a condition, located by a JSON pointer inside its file. */
export interface ConditionProblem {
  pointer: string;
  message: string;
}

/** What conditions may refer to. */
export interface ConditionScope {
  /** The lists of the rule set: constant facts, readable by name and by fact references. */
  readonly lists: Readonly<Record<string, readonly unknown[]>>;
  /**
   * The shared conditions by name. `undefined`: references are not checked (while validating one
   * file, another file may define them).
   */
  readonly conditions: Readonly<Record<string, Condition>> | undefined;
}

const hasOwn = (value: object, key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `pointer` extended with keys, escaped per RFC 6901. */
function pointerTo(pointer: string, ...keys: ReadonlyArray<string | number>): string {
  let out = pointer;
  for (const key of keys) out += '/' + String(key).replace(/~/g, '~0').replace(/\//g, '~1');
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSONPath

/** Paths made only of names, indexes and `*`: jsonpath-plus cannot throw on them, whatever the data. */
const SIMPLE_PATH = /^(?:\$|[A-Za-z_][\w-]*)?(?:\.[A-Za-z_][\w-]*|\[\d+\]|\['[^'\]]*'\]|\["[^"\]]*"\]|\.\*|\[\*\])*$/;

/**
 * Whether evaluating `path` can throw on some data. Filters and scripts (`?(...)`, `(...)`) can
 * (`@.a.b` on an element without `a`), and so, conservatively, can everything that is not simple.
 */
export function pathMayThrow(path: string): boolean {
  return !SIMPLE_PATH.test(path);
}

type ScriptClass = new (code: string) => unknown;

/**
 * Why jsonpath-plus could never evaluate `path`, or `undefined`. Filter and script expressions are
 * parsed the way jsonpath-plus parses them when it first meets them (jsonpath-plus 10, safe eval),
 * so a syntax error is reported at load time rather than as an error on some events.
 */
export function jsonPathProblem(path: string): string | undefined {
  let segments: string[];
  try {
    segments = JSONPath.toPathArray(path);
  } catch (err) {
    return `invalid JSONPath "${path}": ${(err as Error).message}`;
  }
  const Script = (JSONPath as unknown as { prototype?: { safeVm?: { Script?: ScriptClass } } }).prototype?.safeVm
    ?.Script;
  for (const segment of segments) {
    if (segment === '@other()') return `JSONPath "${path}": @other() is not supported`;
    if (Script === undefined || !(segment.startsWith('?(') || segment.startsWith('('))) continue;
    const code = segment.startsWith('?(') ? segment.replace(/^\?\((.*?)\)$/u, '$1') : segment;
    // Nested filters are matched by jsonpath-plus with its own pattern before any parsing.
    if (/@.?([^?]*)[['](\??\(.*?\))(?!.\)\])[\]']/u.test(code)) continue;
    const script = code
      .replaceAll('@parentProperty', '_$_parentProperty')
      .replaceAll('@parent', '_$_parent')
      .replaceAll('@property', '_$_property')
      .replaceAll('@root', '_$_root')
      .replaceAll(/@([.\s)[])/gu, '_$_v$1')
      .replaceAll('@path', '_$_path');
    try {
      new Script(script);
    } catch (err) {
      return `invalid JSONPath expression "${segment}" in "${path}": ${(err as Error).message}`;
    }
  }
  return undefined;
}

/** json-rules-engine's path step: JSONPath on objects, anything else unchanged. */
function applyPath(value: unknown, path: string): unknown {
  return value !== null && typeof value === 'object' ? JSONPath({ path, json: value, wrap: false }) : value;
}

// ---------------------------------------------------------------------------------------------
// Facts

type EventAccess = { readonly kind: 'event'; readonly get: (event: AuditEvent) => unknown; readonly mayThrow: boolean };
type FactAccess = { readonly kind: 'constant'; readonly value: unknown; readonly list: string } | EventAccess;

// ---------------------------------------------------------------------------------------------
// The compiler

interface Node extends CompiledCondition {
  /** The key json-rules-engine groups this node under in its parent (`String(priority)`). */
  readonly priority: string;
  // A group whose result is already decided runs a throwing member only when `mightThrow` says it
  // could throw: its value no longer matters, only whether it fails the rule.
}

const ALWAYS: EventTest = () => true;
const NEVER: EventTest = () => false;
const FAILED: Node = { test: NEVER, mayThrow: false, priority: '1', mightThrow: NEVER };

/** Operators whose bound test throws only on a fact that is an object (its conversion to a string). */
const THROW_ON_OBJECTS_ONLY: ReadonlySet<string> = new Set([
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
]);

/** Whether converting `value` to a primitive could throw: objects (and symbols) only. */
function isThrowy(value: unknown): boolean {
  const t = typeof value;
  return (t === 'object' && value !== null) || t === 'function' || t === 'symbol';
}

/**
 * Marks one evaluation (one event against a rule set): fact getters compiled with it read each fact
 * once per evaluation, however many conditions test it. Whoever evaluates bumps `epoch` first.
 */
export interface FactCache {
  epoch: number;
}

/**
 * A getter that reads once per evaluation: the same event object in the same epoch gets the value
 * read first (json-rules-engine's almanac caches facts per run the same way).
 */
function memoized(get: (event: AuditEvent) => unknown, cache: FactCache): (event: AuditEvent) => unknown {
  let seenEpoch = -1;
  let seenEvent: AuditEvent | undefined;
  let value: unknown;
  return (event) => {
    if (cache.epoch === seenEpoch && event === seenEvent) return value;
    value = get(event);
    seenEvent = event;
    seenEpoch = cache.epoch;
    return value;
  };
}

/** Options of {@link ConditionCompiler}. */
export interface ConditionCompilerOptions {
  /**
   * Read each fact (with its path) once per evaluation epoch (see {@link FactCache}). Only for
   * callers that bump the epoch before every evaluation, as compileRuleSet does.
   */
  factCache?: FactCache;
  /**
   * Compile the shared conditions that references name (default true). Off, a reference is only
   * checked to exist: used to validate one condition without reporting its shared ones again.
   */
  followReferences?: boolean;
}

/**
 * Compiles conditions against one scope. Shared conditions are compiled once, on first use, and
 * reference cycles are reported. Problems accumulate in {@link problems}; a condition with problems
 * compiles to a test that is always false.
 */
export class ConditionCompiler {
  /** Every problem found so far, in discovery order. */
  readonly problems: ConditionProblem[] = [];
  private readonly shared = new Map<string, Node | 'compiling'>();
  private readonly stack: string[] = [];
  private readonly follow: boolean;
  private readonly factCache: FactCache | undefined;
  /** One getter per fact and path, shared by every condition reading it (memoized when cached). */
  private readonly getters = new Map<string, EventAccess>();

  constructor(
    private readonly scope: ConditionScope,
    options: ConditionCompilerOptions = {},
  ) {
    this.follow = options.followReferences ?? true;
    this.factCache = options.factCache;
  }

  /** The getter conditions use for an event fact (no path), memoized when a fact cache is set. */
  eventFact(name: string): (event: AuditEvent) => unknown {
    return this.eventAccess(name, undefined).get;
  }

  /** A rule's `conditions` (`all`, `any`, `not` or a reference at the root, as json-rules-engine requires). */
  compileTopLevel(condition: unknown, pointer: string): CompiledCondition {
    return this.node(condition, pointer, true);
  }

  /** Any condition, e.g. one element of an `all`. */
  compileCondition(condition: unknown, pointer: string): CompiledCondition {
    return this.node(condition, pointer, false);
  }

  /** A shared condition of the scope, by name; its problems are located under `/conditions/<name>`. */
  compileShared(name: string): CompiledCondition {
    return this.sharedNode(name, pointerTo('', 'conditions', name));
  }

  private problem(pointer: string, message: string): void {
    this.problems.push({ pointer, message });
  }

  private sharedNode(name: string, referencePointer: string): Node {
    const state = this.shared.get(name);
    if (state === 'compiling') {
      const cycle = [...this.stack.slice(this.stack.indexOf(name)), name].join(' -> ');
      this.problem(referencePointer, `shared conditions refer to each other in a cycle: ${cycle}`);
      return FAILED;
    }
    if (state !== undefined) return state;
    const conditions = this.scope.conditions;
    if (conditions === undefined || !hasOwn(conditions, name)) return FAILED;
    this.shared.set(name, 'compiling');
    this.stack.push(name);
    const node = this.node(conditions[name], pointerTo('', 'conditions', name), true);
    this.stack.pop();
    this.shared.set(name, node);
    return node;
  }

  private node(c: unknown, pointer: string, topLevel: boolean): Node {
    if (!isObject(c)) {
      this.problem(pointer, `a condition must be an object; got ${describeType(c)}`);
      return FAILED;
    }
    // json-rules-engine's Condition.booleanOperator: any, then all, then not.
    const bool = hasOwn(c, 'any') ? 'any' : hasOwn(c, 'all') ? 'all' : hasOwn(c, 'not') ? 'not' : undefined;
    if (bool !== undefined) return this.booleanNode(c, bool, pointer);
    if (hasOwn(c, 'condition')) return this.referenceNode(c, pointer);
    if (topLevel) {
      this.problem(
        pointer,
        'must have "all", "any", "not" or "condition" at its root (json-rules-engine requires it); wrap a fact test in { "all": [ ... ] }',
      );
      return FAILED;
    }
    return this.leafNode(c, pointer);
  }

  /** Reads `priority`, which must be a number when present. */
  private rawPriority(c: Record<string, unknown>, pointer: string): number | undefined {
    if (!hasOwn(c, 'priority') || c.priority === undefined) return undefined;
    if (typeof c.priority !== 'number' || !Number.isFinite(c.priority)) {
      this.problem(pointerTo(pointer, 'priority'), `priority must be a number; got ${describeType(c.priority)}`);
      return undefined;
    }
    return c.priority;
  }

  private booleanNode(c: Record<string, unknown>, bool: 'all' | 'any' | 'not', pointer: string): Node {
    const raw = this.rawPriority(c, pointer);
    // Condition's constructor: boolean conditions always have a priority, parseInt(priority) || 1.
    const priority = String(Number.parseInt(String(raw), 10) || 1);
    if (bool === 'not') {
      if (Array.isArray(c.not)) {
        this.problem(pointerTo(pointer, 'not'), '"not" takes one condition, not an array');
        return FAILED;
      }
      const child = this.node(c.not, pointerTo(pointer, 'not'), false);
      const t = child.test;
      return { test: (e) => !t(e), mayThrow: child.mayThrow, priority, mightThrow: child.mightThrow };
    }
    const list = c[bool];
    if (!Array.isArray(list)) {
      this.problem(pointerTo(pointer, bool), `"${bool}" must be an array of conditions; got ${describeType(list)}`);
      return FAILED;
    }
    const children = list.map((child, i) => this.node(child, pointerTo(pointer, bool, i), false));
    if (children.length === 0) return { test: ALWAYS, mayThrow: false, priority, mightThrow: NEVER };
    if (children.length === 1) return { ...children[0]!, priority };
    const mayThrow = children.some((n) => n.mayThrow);
    return { test: prioritized(children, bool), mayThrow, priority, mightThrow: anyMightThrow(children) };
  }

  private referenceNode(c: Record<string, unknown>, pointer: string): Node {
    const raw = this.rawPriority(c, pointer);
    const priority = String(raw || 1);
    const name = c.condition;
    const at = pointerTo(pointer, 'condition');
    if (typeof name !== 'string' || name === '') {
      this.problem(at, `"condition" must name a shared condition; got ${describeType(name)}`);
      return FAILED;
    }
    const conditions = this.scope.conditions;
    if (conditions === undefined) return { ...FAILED, priority };
    if (!hasOwn(conditions, name)) {
      const known = Object.keys(conditions);
      this.problem(
        at,
        `unknown shared condition "${name}"${known.length > 0 ? `; shared conditions: ${known.join(', ')}` : ''}`,
      );
      return FAILED;
    }
    if (!this.follow) return { ...FAILED, priority };
    const shared = this.sharedNode(name, at);
    return { test: shared.test, mayThrow: shared.mayThrow, priority, mightThrow: shared.mightThrow };
  }

  private leafNode(c: Record<string, unknown>, pointer: string): Node {
    const missing = ['fact', 'operator', 'value'].filter((k) => !hasOwn(c, k));
    if (missing.length > 0) {
      this.problem(
        pointer,
        `a fact test needs "fact", "operator" and "value"; missing ${missing.map((k) => `"${k}"`).join(', ')}`,
      );
      return FAILED;
    }
    const raw = this.rawPriority(c, pointer);
    // A fact test keeps its priority as written; without one, its fact's priority (ours are all 1).
    const priority = String(raw || 1);
    const before = this.problems.length;

    const fact = this.fact(c.fact, c.path, pointerTo(pointer, 'fact'), pointerTo(pointer, 'path'));

    const v = cloneLikeJsonRulesEngine(c.value);
    let value: FactAccess | { readonly kind: 'literal'; readonly value: unknown } = { kind: 'literal', value: v };
    if (v !== null && typeof v === 'object' && hasOwn(v, 'fact')) {
      const reference = v as Record<string, unknown>;
      const access = this.fact(
        reference.fact,
        reference.path,
        pointerTo(pointer, 'value', 'fact'),
        pointerTo(pointer, 'value', 'path'),
      );
      if (access !== undefined) value = access;
    }

    let parsed: ParsedOperator | undefined;
    if (typeof c.operator !== 'string') {
      this.problem(pointerTo(pointer, 'operator'), `operator must be a string; got ${describeType(c.operator)}`);
    } else {
      const result = parseOperator(c.operator);
      if ('problem' in result) this.problem(pointerTo(pointer, 'operator'), result.problem);
      else parsed = result;
    }
    if (fact === undefined || parsed === undefined || this.problems.length > before) return FAILED;

    const valueProblems: ValueProblem[] = [];
    const comparison = compileComparison(
      parsed,
      value.kind === 'event' ? { known: false } : { known: true, value: value.value },
      valueProblems,
    );
    for (const p of valueProblems) {
      if (value.kind === 'constant') {
        const where = p.at && p.at.length > 0 ? ` at ${p.at.join('/')}` : '';
        this.problem(pointerTo(pointer, 'value'), `${p.problem} (in list "${value.list}"${where})`);
      } else {
        this.problem(pointerTo(pointer, 'value', ...(p.at ?? [])), p.problem);
      }
    }
    if (comparison === undefined) return FAILED;

    const factMayThrow = fact.kind === 'event' && fact.mayThrow;
    if (comparison.kind === 'bound') {
      const t = comparison.test;
      const mayThrow = comparison.mayThrow || factMayThrow;
      // lessThan & co. (under `not` at most) throw only when the fact converts to a string badly.
      const objectsOnly =
        !factMayThrow && THROW_ON_OBJECTS_ONLY.has(parsed.operator.name) && parsed.decorators.every((d) => d === 'not');
      if (fact.kind === 'constant') {
        const constant = fact.value;
        const throwy = !mayThrow ? NEVER : objectsOnly && !isThrowy(constant) ? NEVER : ALWAYS;
        return { test: () => t(constant), mayThrow, priority, mightThrow: throwy };
      }
      const get = fact.get;
      const mightThrow = !mayThrow ? NEVER : objectsOnly ? (e: AuditEvent) => isThrowy(get(e)) : ALWAYS;
      return { test: (e) => t(get(e)), mayThrow, priority, mightThrow };
    }
    // The value is read from the event (a fact reference): both sides per event.
    const evaluate = comparison.evaluate;
    const getFact = fact.kind === 'constant' ? constantGetter(fact.value) : fact.get;
    const getValue = value.kind === 'event' ? value.get : constantGetter(value.value);
    const valueMayThrow = value.kind === 'event' && value.mayThrow;
    const mayThrow = comparison.mayThrow || factMayThrow || valueMayThrow;
    return {
      test: (e) => evaluate(getFact(e), getValue(e)),
      mayThrow,
      priority,
      mightThrow: mayThrow ? ALWAYS : NEVER,
    };
  }

  /** How to read a fact (with its optional JSONPath), or `undefined` after reporting why not. */
  private fact(name: unknown, path: unknown, factPointer: string, pathPointer: string): FactAccess | undefined {
    let ok = true;
    if (typeof name !== 'string' || name === '') {
      this.problem(factPointer, `a fact must be a non-empty string; got ${describeType(name)}`);
      ok = false;
    }
    // json-rules-engine ignores an empty path (`if (path)`).
    let jsonPath: string | undefined;
    if (path !== undefined) {
      if (typeof path !== 'string') {
        this.problem(pathPointer, `path must be a JSONPath string; got ${describeType(path)}`);
        ok = false;
      } else if (path !== '') {
        const problem = jsonPathProblem(path);
        if (problem !== undefined) {
          this.problem(pathPointer, problem);
          ok = false;
        }
        jsonPath = path;
      }
    }
    if (!ok) return undefined;
    const factName = name as string;

    if (hasOwn(this.scope.lists, factName)) {
      let value: unknown = this.scope.lists[factName];
      if (jsonPath !== undefined) {
        try {
          value = applyPath(value, jsonPath);
        } catch (err) {
          this.problem(pathPointer, `JSONPath "${jsonPath}" fails on list "${factName}": ${(err as Error).message}`);
          return undefined;
        }
      }
      return { kind: 'constant', value, list: factName };
    }
    if (!isDerivedFact(factName)) {
      const problem = factPathProblem(factName);
      if (problem !== undefined) {
        this.problem(factPointer, `invalid fact: ${problem}`);
        return undefined;
      }
      const field = parseFactPath(factName)[0]!;
      if (!EVENT_FIELDS.has(field)) {
        const known = [...Object.keys(this.scope.lists), ...Object.keys(DERIVED_FACTS), ...AUDIT_EVENT_FIELDS];
        const guess = closest(factName, known) ?? closest(field, AUDIT_EVENT_FIELDS);
        this.problem(
          factPointer,
          `unknown fact "${factName}": not a list of the rule set, a derived fact, or a field of an audit event${guess !== undefined ? ` (did you mean "${guess}"?)` : ''}`,
        );
        return undefined;
      }
    }
    return this.eventAccess(factName, jsonPath);
  }

  private eventAccess(factName: string, jsonPath: string | undefined): EventAccess {
    const key = jsonPath === undefined ? factName : `${factName}\u0000${jsonPath}`;
    const known = this.getters.get(key);
    if (known !== undefined) return known;
    const access = this.uncachedAccess(factName, jsonPath);
    const shared: EventAccess =
      this.factCache === undefined ? access : { ...access, get: memoized(access.get, this.factCache) };
    this.getters.set(key, shared);
    return shared;
  }

  private uncachedAccess(factName: string, jsonPath: string | undefined): EventAccess {
    if (jsonPath === undefined) return { kind: 'event', get: eventFactGetter(factName), mayThrow: false };
    const get = this.eventAccess(factName, undefined).get;
    const p = jsonPath;
    // Most rule paths compile to a direct walk with jsonpath-plus's exact results (json-path.ts);
    // the rest (filters, recursive descent) still go through jsonpath-plus on every event.
    const compiled = compileJsonPath(p);
    if (compiled !== undefined) {
      return {
        kind: 'event',
        get: (e) => {
          const value = get(e);
          return value !== null && typeof value === 'object' ? compiled(value) : value;
        },
        mayThrow: false,
      };
    }
    return { kind: 'event', get: (e) => applyPath(get(e), p), mayThrow: pathMayThrow(p) };
  }
}

/**
 * A literal value as json-rules-engine's operators receive it. json-rules-engine deep-copies a
 * rule's conditions on every run with the `clone` package (RuleResult, and again when it inlines a
 * shared condition), and `clone` skips keys that Object.prototype defines without a setter:
 * `{ "toString": 1 }` reaches the operator as `{}`, and no longer throws when `lessThan` converts
 * it to a string. Reproduced once here, at load time; lists are constant facts and are not copied.
 */
export function cloneLikeJsonRulesEngine(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    for (const key in value)
      (copy as unknown as Record<string, unknown>)[key] = cloneLikeJsonRulesEngine(
        (value as unknown as Record<string, unknown>)[key],
      );
    return copy;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  const copy = Object.create(proto) as Record<string, unknown>;
  for (const key in value) {
    const inherited = proto ? Object.getOwnPropertyDescriptor(proto, key) : undefined;
    if (inherited && inherited.set == null) continue;
    // An assignment, as clone does: a "__proto__" key goes through the setter.
    copy[key] = cloneLikeJsonRulesEngine((value as Record<string, unknown>)[key]);
  }
  return copy;
}

function constantGetter(value: unknown): (event: AuditEvent) => unknown {
  return () => value;
}

/**
 * `all` / `any` over two or more children, as json-rules-engine's prioritizeAndRun: groups by
 * priority, highest first (its exact sort), each group fully evaluated, stop between groups once
 * decided.
 */
function prioritized(children: readonly Node[], bool: 'all' | 'any'): EventTest {
  const sets: Record<string, Node[]> = {};
  for (const child of children) (sets[child.priority] ??= []).push(child);
  const order = Object.keys(sets).sort((a, b) => (Number(a) > Number(b) ? -1 : 1));
  const groups = order.map((key) => groupTest(sets[key]!, bool));
  if (groups.length === 1) return groups[0]!;
  if (bool === 'all') {
    return (e) => {
      for (let i = 0; i < groups.length; i++) if (!groups[i]!(e)) return false;
      return true;
    };
  }
  return (e) => {
    for (let i = 0; i < groups.length; i++) if (groups[i]!(e)) return true;
    return false;
  };
}

/** Whether any of the nodes could throw on the event. */
function anyMightThrow(nodes: readonly Node[]): EventTest {
  const checks = nodes.filter((n) => n.mayThrow).map((n) => n.mightThrow);
  if (checks.length === 0) return NEVER;
  if (checks.length === 1) return checks[0]!;
  return (e) => {
    for (let i = 0; i < checks.length; i++) if (checks[i]!(e)) return true;
    return false;
  };
}

/**
 * One priority group. json-rules-engine evaluates all of its members before combining them, so an
 * error in any member fails the rule even when another member already decided the result. The
 * members that cannot throw run first and stop at the first decisive result; then each member that
 * can throw runs, fully when the result is still open, and otherwise only when it could throw on
 * this event (its value no longer matters, only its error).
 */
function groupTest(members: readonly Node[], bool: 'all' | 'any'): EventTest {
  const throwingNodes = members.filter((m) => m.mayThrow);
  const throwing = throwingNodes.map((m) => m.test);
  const throwChecks = throwingNodes.map((m) => m.mightThrow);
  const safe = members.filter((m) => !m.mayThrow).map((m) => m.test);
  const decisive = bool === 'any';
  if (throwing.length === 0) {
    if (safe.length === 2) {
      const [a, b] = safe as [EventTest, EventTest];
      return decisive ? (e) => a(e) || b(e) : (e) => a(e) && b(e);
    }
    return (e) => {
      for (let i = 0; i < safe.length; i++) if (safe[i]!(e) === decisive) return decisive;
      return !decisive;
    };
  }
  return (e) => {
    let decided = false;
    for (let i = 0; i < safe.length; i++) {
      if (safe[i]!(e) === decisive) {
        decided = true;
        break;
      }
    }
    if (decided) {
      for (let i = 0; i < throwing.length; i++) if (throwChecks[i]!(e)) throwing[i]!(e);
      return decisive;
    }
    for (let i = 0; i < throwing.length; i++) if (throwing[i]!(e) === decisive) decided = true;
    return decided ? decisive : !decisive;
  };
}

/**
 * The problems of one condition tree, without throwing: what the compiler would refuse (unknown
 * operators and decorators, values an operator cannot use, unsafe regular expressions, bad CIDRs,
 * invalid JSONPath, facts, priorities, unknown shared conditions when `scope.conditions` is given).
 * Shared conditions are not descended into: check them with {@link sharedConditionProblems}.
 *
 * @param pointer where the condition sits in its file, e.g. `/rules/3/conditions`.
 * @param topLevel whether it is a rule's (or shared) root, which must be all / any / not / condition.
 */
export function conditionProblems(
  condition: unknown,
  scope: ConditionScope,
  pointer = '',
  topLevel = true,
): ConditionProblem[] {
  const compiler = new ConditionCompiler(scope, { followReferences: false });
  if (topLevel) compiler.compileTopLevel(condition, pointer);
  else compiler.compileCondition(condition, pointer);
  return compiler.problems;
}

/**
 * The problems of every shared condition of `scope` (located under `/conditions/<name>`), including
 * reference cycles between them.
 */
export function sharedConditionProblems(scope: ConditionScope): ConditionProblem[] {
  const compiler = new ConditionCompiler(scope);
  for (const name of Object.keys(scope.conditions ?? {})) compiler.compileShared(name);
  return compiler.problems;
}
