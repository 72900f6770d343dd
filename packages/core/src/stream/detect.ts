import { defer, type OperatorFunction } from 'rxjs';
import type { PipelineNotice } from '../alert/alert.js';
import type { AuditEvent } from '../event/audit-event.js';
import type { CompiledRuleSet } from '../rules/compile-rule-set.js';
import { evaluate } from './evaluate.js';
import { eventTimeOrder, type EventTimeOrderOptions } from './event-time-order.js';
import { createKeyBudget } from './key-budget.js';
import { newTerm } from './new-term.js';
import { sequence } from './sequence.js';
import type { StreamStats } from './stream-stats.js';
import { suppress } from './suppress.js';
import { threshold } from './threshold.js';

/**
 * Keys held at most across all rules' state by default: about 300 to 500 bytes each (a threshold
 * window or an open alert with one sample, a term learned), so 60 to 100 MB.
 */
export const DEFAULT_MAX_STATE_KEYS = 200_000;

/** Options of {@link detect}: ordering, key caps and sample size. */
export interface DetectOptions extends Omit<EventTimeOrderOptions, 'stats'> {
  /** Keys per rule at most, in each stateful stage. Default 100,000. */
  maxKeys?: number;
  /**
   * Keys at most across every rule and stateful stage (threshold windows, sequences in progress,
   * new-term histories, open suppressions); past it the oldest key by event time is dropped, counted
   * in `evicted` (an open alert is closed early). Default {@link DEFAULT_MAX_STATE_KEYS}.
   */
  maxStateKeys?: number;
  sampleSize?: number;
  stats?: StreamStats;
}

/**
 * The whole rule stage as one operator: evaluate, order by event time, threshold windows, sequences,
 * new terms, suppression. Events in, notices out.
 *
 * @example
 * events$.pipe(detect(ruleSet, { lateness: 60_000 })).subscribe((n) => n.type === 'alert' && console.log(n.alert));
 */
export function detect(
  rules: CompiledRuleSet | (() => CompiledRuleSet),
  options: DetectOptions = {},
): OperatorFunction<AuditEvent, PipelineNotice> {
  const { maxKeys, maxStateKeys = DEFAULT_MAX_STATE_KEYS, sampleSize, stats, ...order } = options;
  // One budget per subscription: each run of the stages has its own state.
  return (source) =>
    defer(() => {
      const budget = createKeyBudget(maxStateKeys);
      const sizes = {
        ...(maxKeys !== undefined ? { maxKeys } : {}),
        ...(sampleSize !== undefined ? { sampleSize } : {}),
        ...(stats ? { stats } : {}),
        budget,
      };
      return source.pipe(
        evaluate(rules, stats),
        eventTimeOrder({ ...order, ...(stats ? { stats } : {}) }),
        threshold(sizes),
        // Sequence and newTerm rules have no threshold: each of their matches reaches them as one occurrence.
        sequence(sizes),
        newTerm({ ...(maxKeys !== undefined ? { maxKeys } : {}), ...(stats ? { stats } : {}), budget }),
        suppress(sizes),
      );
    });
}
