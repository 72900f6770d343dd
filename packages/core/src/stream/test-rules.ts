import type { AuditEvent } from '../event/audit-event.js';
import type { CompiledRule, CompiledRuleSet } from '../rules/compile-rule-set.js';
import type { RuleSpec } from '../rules/rule-file.js';

/**
 * Hand-built compiled rules for the stream operators' tests: the operators only need a name, a spec
 * and a predicate, so their tests do not depend on the rule compiler.
 */
export function testRule(
  spec: Partial<RuleSpec> & { name: string },
  test: (event: AuditEvent) => boolean = () => true,
): CompiledRule {
  const full: RuleSpec = {
    title: spec.name,
    severity: 'high',
    tags: [],
    enabled: true,
    conditions: { all: [] },
    source: { file: 'test', index: 0 },
    ...spec,
  };
  return { name: spec.name, spec: full, test } as CompiledRule;
}

/** A rule set over hand-built rules. */
export function testRuleSet(rules: CompiledRule[]): CompiledRuleSet {
  return {
    rules,
    match(event: AuditEvent, out: CompiledRule[]): number {
      let n = 0;
      for (const rule of rules) {
        if (rule.test(event)) {
          out.push(rule);
          n++;
        }
      }
      return n;
    },
  } as unknown as CompiledRuleSet;
}

/** `threshold` of a RuleSpec from readable units. */
export function thresholdSpec(count: number, withinMs: number, groupBy: string[] = [], distinct?: string) {
  return { count, within: withinMs, withinText: `${withinMs / 1000}s`, groupBy, ...(distinct ? { distinct } : {}) };
}

/**
 * A hand-built sequence rule: one predicate and key per step, `within` in ms. Its `test` is true when
 * any step matches, as the compiled rule's is.
 */
export function testSequenceRule(
  spec: Partial<RuleSpec> & { name: string },
  steps: Array<{ test: (event: AuditEvent) => boolean; key?: string[] }>,
  withinMs: number,
): CompiledRule {
  const rule = testRule(
    {
      ...spec,
      sequence: {
        within: withinMs,
        withinText: `${withinMs / 60_000}m`,
        steps: steps.map((s, i) => ({ name: `step-${i}`, conditions: { all: [] }, key: s.key ?? [] })),
      },
    },
    (event) => steps.some((s) => s.test(event)),
  );
  return Object.assign(rule, { testStep: (i: number, event: AuditEvent) => steps[i]?.test(event) === true });
}

/** `newTerm` of a RuleSpec from readable units. */
export function newTermSpec(fields: string[], historyMs: number, learnForMs = 0) {
  return { fields, history: historyMs, historyText: `${historyMs / 1000}s`, learnFor: learnForMs };
}
