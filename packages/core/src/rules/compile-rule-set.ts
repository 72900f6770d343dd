/**
 * Compiles a validated rule set into synchronous predicates: closures built once, no promises, no
 * per-event allocation. This is the hot path; json-rules-engine's own (asynchronous) evaluation is
 * the reference it must agree with (reference-engine.ts, differential.test.ts).
 */
import type { AuditEvent } from '../event/audit-event.js';
import {
  ConditionCompiler,
  type CompiledCondition,
  type ConditionProblem,
  type EventTest,
  type FactCache,
} from './compile-conditions.js';
import { buildRuleIndex } from './rule-index.js';
import type { RuleSetSpec, RuleSpec } from './rule-file.js';
import { RulesError, type RuleProblem } from './rule-problem.js';
import { sequenceStepPointer } from './validate-rule-file.js';

/** One compiled rule. */
export interface CompiledRule {
  readonly spec: RuleSpec;
  readonly name: string;
  /**
   * Whether the event matches the rule's conditions. Never throws: an error while evaluating (for
   * instance `in` against a fact reference that is not an array) is counted in the rule set's
   * `errors` and the rule does not match that event, as json-rules-engine would fail the run.
   */
  test(event: AuditEvent): boolean;
  /**
   * For a sequence rule, whether the event matches step `index`'s conditions (`test` is true when any
   * step matches). Never throws, as `test`.
   */
  testStep?(index: number, event: AuditEvent): boolean;
}

/** A compiled rule set. */
export interface CompiledRuleSet {
  /** Every rule, enabled or not, in spec order. */
  readonly rules: readonly CompiledRule[];
  readonly spec: RuleSetSpec;
  /** Pushes every enabled rule that matches into `out`, returns how many. */
  match(event: AuditEvent, out: CompiledRule[]): number;
  /** Evaluation errors so far, by rule name (only rules that had one appear). */
  readonly errors: Map<string, number>;
}

/** Options of {@link compileRuleSet}. */
export interface CompileRuleSetOptions {
  /** Called on each evaluation error, after it is counted (to log it). Must not throw. */
  onError?: (rule: CompiledRule, error: unknown, event: AuditEvent) => void;
}

class Rule implements CompiledRule {
  constructor(
    readonly spec: RuleSpec,
    readonly name: string,
    private readonly predicate: CompiledCondition['test'],
    private readonly errors: Map<string, number>,
    private readonly onError: CompileRuleSetOptions['onError'],
    private readonly cache: FactCache,
  ) {}

  /** Per-step predicates of a sequence rule, set by compileRuleSet. */
  steps?: readonly EventTest[];

  testStep(index: number, event: AuditEvent): boolean {
    const step = this.steps?.[index];
    return step !== undefined && this.guard(step, event);
  }

  test(event: AuditEvent): boolean {
    this.cache.epoch++;
    return this.guard(this.predicate, event);
  }

  /** {@link test} within the current fact-cache epoch: match() evaluates every candidate in one. */
  evaluate(event: AuditEvent): boolean {
    return this.guard(this.predicate, event);
  }

  private guard(predicate: EventTest, event: AuditEvent): boolean {
    try {
      return predicate(event);
    } catch (err) {
      this.errors.set(this.name, (this.errors.get(this.name) ?? 0) + 1);
      if (this.onError !== undefined) {
        try {
          this.onError(this, err, event);
        } catch {
          // A failing logger must not break evaluation.
        }
      }
      return false;
    }
  }
}

/** The file shared conditions come from: a merged set does not record it per condition. */
function sharedConditionFile(spec: RuleSetSpec): string {
  if (spec.files.length === 1) return spec.files[0]!;
  return spec.files.length > 1 ? spec.files.join(', ') : '(rule set)';
}

interface Compiled {
  problems: RuleProblem[];
  predicates: CompiledCondition[];
  cache: FactCache;
}

function compileAll(spec: RuleSetSpec): Compiled {
  const problems: RuleProblem[] = [];
  // Each fact is read once per event, however many rules test it.
  const cache: FactCache = { epoch: 0 };
  const compiler = new ConditionCompiler({ lists: spec.lists, conditions: spec.conditions }, { factCache: cache });
  const sharedFile = sharedConditionFile(spec);
  const collect = (found: ConditionProblem[], from: number, rule: RuleSpec | undefined) => {
    for (let i = from; i < found.length; i++) {
      const p = found[i]!;
      // A rule's compilation may compile a shared condition on first use: its problems are the
      // shared condition's, not the rule's.
      if (rule === undefined || p.pointer.startsWith('/conditions/')) {
        problems.push({ file: sharedFile, pointer: p.pointer, message: p.message });
      } else {
        // A sequence rule is compiled as { any: steps }: report its problems at the steps.
        const pointer = rule.sequence !== undefined ? sequenceStepPointer(p.pointer) : p.pointer;
        problems.push({ file: rule.source.file, rule: rule.name, pointer, message: p.message });
      }
    }
  };
  // Every shared condition, used or not, so that all their problems are reported.
  let seen = 0;
  for (const name of Object.keys(spec.conditions)) compiler.compileShared(name);
  collect(compiler.problems, seen, undefined);
  seen = compiler.problems.length;

  const predicates = spec.rules.map((rule) => {
    const compiled = compiler.compileTopLevel(rule.conditions, `/rules/${rule.source.index}/conditions`);
    collect(compiler.problems, seen, rule);
    seen = compiler.problems.length;
    return compiled;
  });
  return { problems, predicates, cache };
}

/** Gives each sequence rule a predicate per step (their problems were reported with the rule's). */
function compileSequenceSteps(spec: RuleSetSpec, rules: Rule[]): void {
  if (!spec.rules.some((rule) => rule.sequence !== undefined)) return;
  const compiler = new ConditionCompiler({ lists: spec.lists, conditions: spec.conditions });
  for (const rule of rules) {
    const sequence = rule.spec.sequence;
    if (sequence === undefined) continue;
    rule.steps = sequence.steps.map(
      (step, i) =>
        compiler.compileTopLevel(step.conditions, `/rules/${rule.spec.source.index}/sequence/steps/${i}/conditions`)
          .test,
    );
  }
}

/**
 * Every problem that stops {@link compileRuleSet}, without throwing: unknown operators or
 * decorators, values an operator cannot use (`in` with a number, an unsafe or invalid regex, a bad
 * CIDR...), invalid JSONPath or facts, unknown shared conditions and reference cycles.
 */
export function ruleSetProblems(spec: RuleSetSpec): RuleProblem[] {
  return compileAll(spec).problems;
}

/**
 * Compiles a rule set. Throws a {@link RulesError} (`invalid_rules`) listing every problem when any
 * rule or shared condition cannot be compiled.
 *
 * @example
 * const ruleSet = compileRuleSet(spec);
 * const matched: CompiledRule[] = [];
 * ruleSet.match(event, matched);
 */
export function compileRuleSet(spec: RuleSetSpec, options: CompileRuleSetOptions = {}): CompiledRuleSet {
  const { problems, predicates, cache } = compileAll(spec);
  if (problems.length > 0) throw new RulesError(problems);
  const errors = new Map<string, number>();
  const rules = spec.rules.map(
    (rule, i) => new Rule(rule, rule.name, predicates[i]!.test, errors, options.onError, cache),
  );
  compileSequenceSteps(spec, rules);
  const enabledIndexes = spec.rules.flatMap((rule, i) => (rule.enabled ? [i] : []));
  // Only the rules that can match the event's verb, resource and stage are evaluated (rule-index.ts).
  const index = buildRuleIndex(
    enabledIndexes.map((i) => rules[i]!),
    enabledIndexes.map((i) => ({
      conditions: spec.rules[i]!.conditions,
      mayThrow: predicates[i]!.mayThrow,
      mightThrow: predicates[i]!.mightThrow as (event: object) => boolean,
    })),
    spec,
  );
  return {
    rules,
    spec,
    errors,
    match(event: AuditEvent, out: CompiledRule[]): number {
      cache.epoch++;
      const { rules: candidates, checks } = index.candidates(event);
      let n = 0;
      for (let i = 0; i < candidates.length; i++) {
        const rule = candidates[i]!;
        if (checks !== undefined) {
          const check = checks[i];
          if (check !== undefined && !check(event)) continue;
        }
        if (rule.evaluate(event)) {
          out.push(rule);
          n++;
        }
      }
      return n;
    },
  };
}
