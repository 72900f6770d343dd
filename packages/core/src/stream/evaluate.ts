import { Observable, type OperatorFunction } from 'rxjs';
import type { AuditEvent } from '../event/audit-event.js';
import { eventTime } from '../event/event-time.js';
import type { CompiledRule, CompiledRuleSet } from '../rules/compile-rule-set.js';
import type { StreamStats } from './stream-stats.js';

/** An event with its event time (ms, `NaN` when it has none) and the rules it matched. */
export interface EvaluatedEvent {
  readonly event: AuditEvent;
  readonly time: number;
  readonly matches: readonly CompiledRule[];
}

const NO_MATCHES: readonly CompiledRule[] = Object.freeze([]);

/**
 * Evaluates every event against the rule set, synchronously. `rules` may be a function so a server
 * can swap rule sets (hot reload) without rebuilding the stream. Every event is passed on, matched or
 * not, because the next stage needs all event times to move its watermark.
 *
 * @example
 * events$.pipe(evaluate(ruleSet), eventTimeOrder(), threshold(), suppress())
 */
export function evaluate(
  rules: CompiledRuleSet | (() => CompiledRuleSet),
  stats?: StreamStats,
): OperatorFunction<AuditEvent, EvaluatedEvent> {
  const current = typeof rules === 'function' ? rules : () => rules;
  return (source) =>
    new Observable<EvaluatedEvent>((subscriber) => {
      const scratch: CompiledRule[] = [];
      return source.subscribe({
        next(event) {
          // Most events match nothing and leave the scratch empty: no length write for them.
          if (scratch.length !== 0) scratch.length = 0;
          const n = current().match(event, scratch);
          let matches = NO_MATCHES;
          if (n > 0) {
            matches = scratch.slice();
            if (stats) {
              for (const rule of matches) stats.matches[rule.name] = (stats.matches[rule.name] ?? 0) + 1;
            }
          }
          if (stats) stats.events++;
          subscriber.next({ event, time: eventTime(event), matches });
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
