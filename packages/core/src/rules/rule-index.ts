/**
 * An index of rules by the values they require of a few facts ({@link INDEXED_FACTS}: `verb`,
 * `objectRef.resource`, `stage`, ...), so that for each event only the rules that can match it are
 * evaluated. Almost every detection pins one
 * resource and a few verbs (`equal` / `in` at the top of its `all`); an event that is a `watch` of
 * `leases` then meets no rule at all.
 *
 * The requirement is read from the conditions as written, conservatively: a fact test `equal` to a
 * literal, or `in` a literal array or a list, constrains its fact; `all` intersects its children's
 * constraints, `any` unites them when every child constrains the fact; `not`, decorators, paths and
 * anything else constrain nothing. Rules that many events would otherwise meet (no verb, no
 * resource) are also indexed by the presence of facts they test with `exists`.
 *
 * A rule whose conditions may throw is skipped only when its own cheap check says it cannot throw
 * on this event, so that its evaluation errors are counted exactly as without the index
 * (json-rules-engine evaluates every member of a priority group, so an error elsewhere can fail a
 * rule whatever the indexed fact).
 */
import type { FactGetter } from '../event/fact-path.js';
import { eventFactGetter } from '../event/resolve-fact.js';
import type { RuleSetSpec } from './rule-file.js';

/**
 * The facts rules are indexed by: what detections pin most (the request), then what rules that
 * apply to every resource still require (a response code, an anonymous caller).
 */
export const INDEXED_FACTS = ['verb', 'objectRef.resource', 'stage', 'responseStatus.code', 'isAnonymous'] as const;

const hasOwn = (value: object, key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `undefined`: any value may match. */
type Allowed = ReadonlySet<unknown> | undefined;

/**
 * The values of `fact` an event must have for `condition` to hold, or `undefined` when any value
 * may do. Only called on conditions that compiled without problems.
 */
export function requiredValues(
  condition: unknown,
  fact: string,
  spec: Pick<RuleSetSpec, 'lists' | 'conditions'>,
  visiting: Set<string> = new Set(),
): Allowed {
  return required(condition, spec, visiting, (c) => leafValues(c, fact, spec));
}

/** The walk of {@link requiredValues} and {@link requiredPresence}, with what a leaf requires. */
function required(
  condition: unknown,
  spec: Pick<RuleSetSpec, 'conditions'>,
  visiting: Set<string>,
  leaf: (c: Record<string, unknown>) => Allowed,
): Allowed {
  if (!isRecord(condition)) return undefined;
  // The compiler's precedence: any, then all, then not, then a reference.
  if (hasOwn(condition, 'any')) {
    const children = condition.any;
    if (!Array.isArray(children) || children.length === 0) return undefined;
    const union = new Set<unknown>();
    for (const child of children) {
      const allowed = required(child, spec, visiting, leaf);
      if (allowed === undefined) return undefined;
      for (const v of allowed) union.add(v);
    }
    return union;
  }
  if (hasOwn(condition, 'all')) {
    const children = condition.all;
    if (!Array.isArray(children)) return undefined;
    let result: Set<unknown> | undefined;
    for (const child of children) {
      const allowed = required(child, spec, visiting, leaf);
      if (allowed === undefined) continue;
      result = result === undefined ? new Set(allowed) : new Set([...result].filter((v) => allowed.has(v)));
    }
    return result;
  }
  if (hasOwn(condition, 'not')) return undefined;
  if (hasOwn(condition, 'condition')) {
    const name = condition.condition;
    if (typeof name !== 'string' || !hasOwn(spec.conditions, name) || visiting.has(name)) return undefined;
    visiting.add(name);
    const allowed = required(spec.conditions[name], spec, visiting, leaf);
    visiting.delete(name);
    return allowed;
  }
  return leaf(condition);
}

function leafValues(c: Record<string, unknown>, fact: string, spec: Pick<RuleSetSpec, 'lists'>): Allowed {
  if (c.fact !== fact) return undefined;
  if (c.path !== undefined && c.path !== '') return undefined;
  const value = c.value;
  if (c.operator === 'equal') {
    return value === null || typeof value !== 'object' ? new Set([value]) : undefined;
  }
  if (c.operator === 'in') {
    if (Array.isArray(value)) return new Set(value);
    if (isRecord(value) && hasOwn(value, 'fact')) {
      const name = value.fact;
      if (value.path !== undefined && value.path !== '') return undefined;
      if (typeof name === 'string' && hasOwn(spec.lists, name)) return new Set(spec.lists[name]);
    }
  }
  return undefined;
}

/**
 * Whether an event must have `fact` present (`true`: `exists true`) or absent (`false`: `exists
 * false`) for `condition` to hold, as a set of presence ids (1 present, 0 absent), or `undefined`
 * when either may do. Read like {@link requiredValues}: `all` intersects, `any` unites when every
 * child constrains; `not`, decorators and paths constrain nothing.
 */
export function requiredPresence(
  condition: unknown,
  fact: string,
  spec: Pick<RuleSetSpec, 'conditions'>,
  visiting: Set<string> = new Set(),
): Allowed {
  return required(condition, spec, visiting, (c) => presenceLeaf(c, fact));
}

function presenceLeaf(c: Record<string, unknown>, fact: string): Allowed {
  if (c.fact !== fact || c.operator !== 'exists') return undefined;
  if (c.path !== undefined && c.path !== '') return undefined;
  return c.value === true ? PRESENT : c.value === false ? ABSENT : undefined;
}

const PRESENT: ReadonlySet<unknown> = new Set([1]);
const ABSENT: ReadonlySet<unknown> = new Set([0]);

/** Every fact a leaf of `condition` tests with `exists` (no path), shared conditions included. */
function existsFacts(
  condition: unknown,
  spec: Pick<RuleSetSpec, 'conditions'>,
  into: Set<string>,
  visiting: Set<string> = new Set(),
): Set<string> {
  if (Array.isArray(condition)) {
    for (const child of condition) existsFacts(child, spec, into, visiting);
    return into;
  }
  if (!isRecord(condition)) return into;
  for (const key of ['any', 'all', 'not'] as const) {
    if (hasOwn(condition, key)) existsFacts(condition[key], spec, into, visiting);
  }
  const name = condition.condition;
  if (typeof name === 'string' && hasOwn(spec.conditions, name) && !visiting.has(name)) {
    visiting.add(name);
    existsFacts(spec.conditions[name], spec, into, visiting);
    visiting.delete(name);
  }
  if (condition.operator === 'exists' && typeof condition.fact === 'string') {
    if (condition.path === undefined || condition.path === '') into.add(condition.fact);
  }
  return into;
}

/** What the index needs of each rule. */
export interface IndexedRule {
  readonly conditions: unknown;
  /** Whether evaluating it may throw on some event. */
  readonly mayThrow: boolean;
  /**
   * For a rule that may throw: a cheap, conservative check that is false only when evaluating it
   * cannot throw on this event (then a rule the indexed facts rule out is skipped, since it can
   * neither match nor fail). Without it, a rule that may throw is always evaluated. Must not throw.
   */
  readonly mightThrow?: (event: object) => boolean;
}

/** The rules to evaluate for an event, in rule order. */
export interface RuleIndex<R> {
  candidates(event: object): Candidates<R>;
}

interface FactKey {
  readonly get: FactGetter;
  /** Every value some rule requires, numbered from 1; 0 stands for any other value. */
  readonly ids: Map<unknown, number> | undefined;
  readonly size: number;
}

/** The rules of one combination of indexed values, in rule order. */
export interface Candidates<R> {
  readonly rules: readonly R[];
  /**
   * `undefined` when every rule is to be evaluated. Otherwise, per rule, a check to pass first
   * (`undefined`: none): a rule the indexed facts rule out but that may throw is evaluated only when
   * its check says it could throw on the event.
   */
  readonly checks: ReadonlyArray<((event: object) => boolean) | undefined> | undefined;
}

/**
 * Presence facts are indexed only for rules the value index leaves broad (no verb nor resource):
 * those run on nearly every event otherwise, and the presence read costs every event a getter.
 */
const NARROWING_FACTS: ReadonlySet<string> = new Set(['verb', 'objectRef.resource']);

/** At most this many presence facts: each doubles the combinations. */
const MAX_PRESENCE_FACTS = 4;

/**
 * Builds the index of `rules` (each paired with its analysis in `indexed`). Candidate lists are
 * computed once per combination of indexed values (other values all count as one), on first use.
 * `getter` reads the indexed facts (the rule compiler's own, so a value read here is not read again).
 *
 * Two kinds of keys: the values of {@link INDEXED_FACTS}, and the presence of facts that broad rules
 * require with `exists` (`impersonatedUser exists true` rules out nearly every event).
 */
export function buildRuleIndex<R>(
  rules: readonly R[],
  indexed: readonly IndexedRule[],
  spec: Pick<RuleSetSpec, 'lists' | 'conditions'>,
  getter: (fact: string) => FactGetter = eventFactGetter as (fact: string) => FactGetter,
): RuleIndex<R> {
  // A fact that is also a list name is a constant, not read from the event: leave it alone. Facts
  // no rule constrains cost nothing per event.
  const valueFacts = INDEXED_FACTS.filter((f) => !hasOwn(spec.lists, f));
  const valueAnalysis: Allowed[][] = indexed.map((rule) =>
    valueFacts.map((fact) => requiredValues(rule.conditions, fact, spec)),
  );
  const broad = valueAnalysis.map((perRule) =>
    valueFacts.every((fact, f) => !NARROWING_FACTS.has(fact) || perRule[f] === undefined),
  );
  const presenceCounts = new Map<string, number>();
  indexed.forEach((rule, r) => {
    if (!broad[r]) return;
    for (const fact of existsFacts(rule.conditions, spec, new Set())) {
      if (hasOwn(spec.lists, fact) || (valueFacts as readonly string[]).includes(fact)) continue;
      if (requiredPresence(rule.conditions, fact, spec) === undefined) continue;
      presenceCounts.set(fact, (presenceCounts.get(fact) ?? 0) + 1);
    }
  });
  const presenceFacts = [...presenceCounts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_PRESENCE_FACTS)
    .map(([fact]) => fact);
  const candidateFacts = [...valueFacts, ...presenceFacts];
  const analysed: Allowed[][] = indexed.map((rule, r) => [
    ...valueAnalysis[r]!,
    ...presenceFacts.map((fact) => requiredPresence(rule.conditions, fact, spec)),
  ]);
  const used = candidateFacts.map((_, f) => analysed.some((perRule) => perRule[f] !== undefined));
  const facts = candidateFacts.filter((_, f) => used[f]);
  const presence = candidateFacts.map((_, f) => f >= valueFacts.length).filter((_, f) => used[f]);
  const allowed: Allowed[][] = analysed.map((perRule) => perRule.filter((_, f) => used[f]));
  const keys: FactKey[] = facts.map((fact, f) => {
    if (presence[f]) return { get: getter(fact), ids: undefined, size: 2 };
    const ids = new Map<unknown, number>();
    for (const perRule of allowed) for (const v of perRule[f] ?? []) if (!ids.has(v)) ids.set(v, ids.size + 1);
    return { get: getter(fact), ids, size: ids.size + 1 };
  });
  // Allowed values as ids, per rule and fact.
  const allowedIds = allowed.map((perRule) =>
    perRule.map((values, f) =>
      values === undefined || presence[f] ? values : new Set([...values].map((v) => keys[f]!.ids!.get(v)!)),
    ),
  );
  // Candidate lists by combination: an array when the combinations are few (the usual case), else a Map.
  let combinations = 1;
  for (const k of keys) combinations *= k.size;
  const dense: Array<Candidates<R> | undefined> | undefined =
    combinations <= 65_536 ? new Array(combinations) : undefined;
  const cache = new Map<number, Candidates<R>>();

  const build = (idsOfEvent: readonly number[]): Candidates<R> => {
    const list: R[] = [];
    const checks: Array<((event: object) => boolean) | undefined> = [];
    let checked = false;
    for (let r = 0; r < rules.length; r++) {
      let ok = true;
      for (let f = 0; f < keys.length && ok; f++) {
        const set = allowedIds[r]![f];
        if (set !== undefined && !set.has(idsOfEvent[f]!)) ok = false;
      }
      const rule = indexed[r]!;
      if (ok || rule.mayThrow) {
        list.push(rules[r]!);
        // Ruled out, it can still fail with an error: evaluated only when it could throw.
        const check = ok || rule.mightThrow === undefined ? undefined : rule.mightThrow;
        checks.push(check);
        if (check !== undefined) checked = true;
      }
    }
    return { rules: list, checks: checked ? checks : undefined };
  };

  const scratch: number[] = keys.map(() => 0);
  return {
    candidates(event) {
      let key = 0;
      for (let f = 0; f < keys.length; f++) {
        const k = keys[f]!;
        const value = k.get(event);
        const id = k.ids === undefined ? (value === undefined ? 0 : 1) : (k.ids.get(value) ?? 0);
        scratch[f] = id;
        key = key * k.size + id;
      }
      let entry = dense !== undefined ? dense[key] : cache.get(key);
      if (entry === undefined) {
        entry = build(scratch);
        if (dense !== undefined) dense[key] = entry;
        else cache.set(key, entry);
      }
      return entry;
    },
  };
}
