/**
 * The same rules run by json-rules-engine itself: the baseline for benchmarks and the reference
 * the compiled rules are tested against (differential.test.ts). Not for production: it is
 * asynchronous and an order of magnitude slower.
 */
import { Engine } from 'json-rules-engine';
import type { AuditEvent } from '../event/audit-event.js';
import { eventFactGetter } from '../event/resolve-fact.js';
import { KAUDIT_OPERATORS, type Evaluate, type FactTest, type OperatorDefinition } from './operators.js';
import type { Condition, RuleSetSpec, RuleSpec } from './rule-file.js';

/** json-rules-engine evaluating a rule set. */
export interface ReferenceEngine {
  /**
   * Names of the enabled rules that match, from one engine holding every rule. Rejects when
   * json-rules-engine does (an error in any rule fails the whole run).
   */
  run(event: AuditEvent): Promise<Set<string>>;
  /**
   * Each enabled rule on its own engine, so that an error is attributed to its rule: `true` /
   * `false`, or the error json-rules-engine rejected with.
   */
  runEach(event: AuditEvent): Promise<Map<string, boolean | Error>>;
}

/**
 * The runtime fact carrying the event. Its name has an empty segment, which no fact path may have,
 * so no rule can name it.
 */
const EVENT_FACT = '.event';

const hasOwn = (value: object, key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);

/** Every fact name the conditions read (tested facts and fact references in values). */
function collectFacts(condition: unknown, into: Set<string>): void {
  if (condition === null || typeof condition !== 'object') return;
  if (Array.isArray(condition)) {
    for (const c of condition) collectFacts(c, into);
    return;
  }
  const c = condition as Record<string, unknown>;
  for (const key of ['all', 'any', 'not'] as const) if (hasOwn(c, key)) collectFacts(c[key], into);
  if (typeof c.fact === 'string') into.add(c.fact);
  const value = c.value;
  if (value !== null && typeof value === 'object' && hasOwn(value, 'fact')) {
    const name = (value as Record<string, unknown>).fact;
    if (typeof name === 'string') into.add(name);
  }
}

/**
 * A kaudit operator as json-rules-engine calls it (for `engine.addOperator`): the value arrives per
 * evaluation (json-rules-engine clones conditions on every run), so bound tests are cached by the
 * value's JSON text. An unusable value makes the test false, as in the compiled rules.
 */
export function referenceOperator(op: OperatorDefinition): Evaluate {
  const cache = new Map<string, FactTest | undefined>();
  return (factValue, value) => {
    const key = typeof value === 'string' ? `s${value}` : `j${JSON.stringify(value)}`;
    let test = cache.get(key);
    if (test === undefined && !cache.has(key)) {
      const bound = op.bind(value);
      test = typeof bound === 'function' ? bound : undefined;
      if (cache.size >= 10_000) cache.clear();
      cache.set(key, test);
    }
    return test !== undefined && test(factValue);
  };
}

function buildEngine(spec: RuleSetSpec, rules: readonly RuleSpec[], operators: ReadonlyMap<string, Evaluate>): Engine {
  const engine = new Engine([], { allowUndefinedFacts: false, allowUndefinedConditions: false });
  for (const [name, evaluate] of operators) engine.addOperator(name, evaluate);
  // json-rules-engine rewrites `priority` in the condition objects it is given: hand it copies.
  const lists = structuredClone(spec.lists);
  const conditions = structuredClone(spec.conditions);
  for (const [name, value] of Object.entries(lists)) engine.addFact(name, value);
  for (const [name, condition] of Object.entries(conditions)) {
    engine.setCondition(name, condition as Parameters<Engine['setCondition']>[1]);
  }
  const facts = new Set<string>();
  for (const condition of Object.values(conditions)) collectFacts(condition, facts);
  for (const rule of rules) {
    const ruleConditions = structuredClone(rule.conditions) as Condition;
    collectFacts(ruleConditions, facts);
    engine.addRule({
      name: rule.name,
      conditions: ruleConditions as Parameters<Engine['addRule']>[0]['conditions'],
      event: { type: rule.name },
    });
  }
  for (const name of facts) {
    if (hasOwn(lists, name)) continue;
    const get = eventFactGetter(name);
    engine.addFact(name, async (_params, almanac) => get(await almanac.factValue<AuditEvent>(EVENT_FACT)));
  }
  return engine;
}

/**
 * Builds json-rules-engine engines for the enabled rules of `spec`: lists as constant facts, shared
 * conditions with `setCondition`, kaudit's operators with `addOperator` (the same implementations
 * the compiler binds), and one dynamic fact per event field or derived fact the rules read, computed
 * from the event passed as a runtime fact.
 *
 * @example
 * const reference = createReferenceEngine(spec);
 * const names = await reference.run(event); // Set { 'secret-read-burst' }
 */
export function createReferenceEngine(spec: RuleSetSpec): ReferenceEngine {
  const operators = new Map(KAUDIT_OPERATORS.map((op) => [op.name, referenceOperator(op)] as const));
  const enabled = spec.rules.filter((rule) => rule.enabled);
  const all = buildEngine(spec, enabled, operators);
  let each: Array<[string, Engine]> | undefined;
  return {
    async run(event) {
      const { results } = await all.run({ [EVENT_FACT]: event });
      return new Set(results.map((r) => String(r.name)));
    },
    async runEach(event) {
      each ??= enabled.map((rule) => [rule.name, buildEngine(spec, [rule], operators)]);
      const outcomes = new Map<string, boolean | Error>();
      for (const [name, engine] of each) {
        try {
          const { results } = await engine.run({ [EVENT_FACT]: event });
          outcomes.set(name, results.length > 0);
        } catch (err) {
          outcomes.set(name, err instanceof Error ? err : new Error(String(err)));
        }
      }
      return outcomes;
    },
  };
}
