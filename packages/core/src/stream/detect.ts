import { pipe, type OperatorFunction } from 'rxjs';
import type { PipelineNotice } from '../alert/alert.js';
import type { AuditEvent } from '../event/audit-event.js';
import type { CompiledRuleSet } from '../rules/compile-rule-set.js';
import { evaluate } from './evaluate.js';
import { eventTimeOrder, type EventTimeOrderOptions } from './event-time-order.js';
import { newTerm } from './new-term.js';
import { sequence } from './sequence.js';
import type { StreamStats } from './stream-stats.js';
import { suppress } from './suppress.js';
import { threshold } from './threshold.js';

/** Options of {@link detect}: ordering, key caps and sample size. */
export interface DetectOptions extends Omit<EventTimeOrderOptions, 'stats'> {
  maxKeys?: number;
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
  const { maxKeys, sampleSize, stats, ...order } = options;
  const sizes = {
    ...(maxKeys !== undefined ? { maxKeys } : {}),
    ...(sampleSize !== undefined ? { sampleSize } : {}),
    ...(stats ? { stats } : {}),
  };
  return pipe(
    evaluate(rules, stats),
    eventTimeOrder({ ...order, ...(stats ? { stats } : {}) }),
    threshold(sizes),
    // Sequence and newTerm rules have no threshold: each of their matches reaches them as one occurrence.
    sequence(sizes),
    newTerm({ ...(maxKeys !== undefined ? { maxKeys } : {}), ...(stats ? { stats } : {}) }),
    suppress(sizes),
  );
}
