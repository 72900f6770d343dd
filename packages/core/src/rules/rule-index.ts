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
 * anything else constrain nothing. A rule whose conditions may throw is never skipped, so that its
 * evaluation errors are counted exactly as without the index (json-rules-engine evaluates every
 * member of a priority group, so an error elsewhere can fail a rule whatever the indexed fact).
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
  if (!isRecord(condition)) return undefined;
  // The compiler's precedence: any, then all, then not, then a reference.
  if (hasOwn(condition, 'any')) {
    const children = condition.any;
    if (!Array.isArray(children) || children.length === 0) return undefined;
    const union = new Set<unknown>();
    for (const child of children) {
      const allowed = requiredValues(child, fact, spec, visiting);
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
      const allowed = requiredValues(child, fact, spec, visiting);
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
    const allowed = requiredValues(spec.conditions[name], fact, spec, visiting);
    visiting.delete(name);
    return allowed;
  }
  return leafValues(condition, fact, spec);
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

/** What the index needs of each rule. */
export interface IndexedRule {
  readonly conditions: unknown;
  /** Whether evaluating it may throw; such rules are always evaluated. */
  readonly mayThrow: boolean;
}

/** The rules to evaluate for an event, in rule order. */
export interface RuleIndex<R> {
  candidates(event: object): readonly R[];
}

interface FactKey {
  readonly get: FactGetter;
  /** Every value some rule requires, numbered from 1; 0 stands for any other value. */
  readonly ids: Map<unknown, number>;
  readonly size: number;
}

/**
 * Builds the index of `rules` (each paired with its analysis in `indexed`). Candidate lists are
 * computed once per combination of indexed values (other values all count as one), on first use.
 * `getter` reads the indexed facts (the rule compiler's own, so a value read here is not read again).
 */
export function buildRuleIndex<R>(
  rules: readonly R[],
  indexed: readonly IndexedRule[],
  spec: Pick<RuleSetSpec, 'lists' | 'conditions'>,
  getter: (fact: string) => FactGetter = eventFactGetter as (fact: string) => FactGetter,
): RuleIndex<R> {
  // A fact that is also a list name is a constant, not read from the event: leave it alone. Facts
  // no rule constrains cost nothing per event.
  const candidateFacts = INDEXED_FACTS.filter((f) => !hasOwn(spec.lists, f));
  const analysed: Allowed[][] = indexed.map((rule) =>
    candidateFacts.map((fact) => (rule.mayThrow ? undefined : requiredValues(rule.conditions, fact, spec))),
  );
  const used = candidateFacts.map((_, f) => analysed.some((perRule) => perRule[f] !== undefined));
  const facts = candidateFacts.filter((_, f) => used[f]);
  const allowed: Allowed[][] = analysed.map((perRule) => perRule.filter((_, f) => used[f]));
  const keys: FactKey[] = facts.map((fact, f) => {
    const ids = new Map<unknown, number>();
    for (const perRule of allowed) for (const v of perRule[f] ?? []) if (!ids.has(v)) ids.set(v, ids.size + 1);
    return { get: getter(fact), ids, size: ids.size + 1 };
  });
  // Allowed values as ids, per rule and fact.
  const allowedIds = allowed.map((perRule) =>
    perRule.map((values, f) =>
      values === undefined ? undefined : new Set([...values].map((v) => keys[f]!.ids.get(v)!)),
    ),
  );
  // Candidate lists by combination: an array when the combinations are few (the usual case), else a Map.
  let combinations = 1;
  for (const k of keys) combinations *= k.size;
  const dense: Array<R[] | undefined> | undefined = combinations <= 65_536 ? new Array(combinations) : undefined;
  const cache = new Map<number, R[]>();

  const build = (idsOfEvent: readonly number[]): R[] => {
    const list: R[] = [];
    for (let r = 0; r < rules.length; r++) {
      let ok = true;
      for (let f = 0; f < keys.length && ok; f++) {
        const set = allowedIds[r]![f];
        if (set !== undefined && !set.has(idsOfEvent[f]!)) ok = false;
      }
      if (ok) list.push(rules[r]!);
    }
    return list;
  };

  const scratch: number[] = keys.map(() => 0);
  return {
    candidates(event) {
      let key = 0;
      for (let f = 0; f < keys.length; f++) {
        const k = keys[f]!;
        const id = k.ids.get(k.get(event)) ?? 0;
        scratch[f] = id;
        key = key * k.size + id;
      }
      let list = dense !== undefined ? dense[key] : cache.get(key);
      if (list === undefined) {
        list = build(scratch);
        if (dense !== undefined) dense[key] = list;
        else cache.set(key, list);
      }
      return list;
    },
  };
}
