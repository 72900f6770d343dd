import { Observable, type OperatorFunction } from 'rxjs';
import type { AuditEvent } from '../event/audit-event.js';
import { eventFactGetter } from '../event/resolve-fact.js';
import type { RuleSpec } from '../rules/rule-file.js';
import type { Watermark } from './event-time-order.js';
import { mapsHolder, type KeyBudget } from './key-budget.js';
import type { StreamStats } from './stream-stats.js';
import type { Occurrence } from './threshold.js';

/** Options of {@link newTerm}. */
export interface NewTermOptions {
  /** Terms remembered per rule at most; the least recently seen is forgotten past it. Default 100,000. */
  maxKeys?: number;
  /** A total of keys shared with the other stateful stages (see `createKeyBudget`). */
  budget?: KeyBudget;
  stats?: StreamStats;
}

interface RuleState {
  readonly spec: RuleSpec;
  readonly fields: ReadonlyArray<(e: AuditEvent) => unknown>;
  /** Event time the learning period ends: the rule's first match plus `learnFor`. */
  learnUntil: number | undefined;
  /** Term (JSON of the values) → event time last seen; least recently seen first. */
  readonly terms: Map<string, number>;
}

/**
 * New-term rules: an occurrence passes only when the combination of the `newTerm.fields` values was
 * not seen within `history` before it (event time). During the first `learnFor` after the rule's first
 * match, terms are learned silently. An event lacking any of the fields is ignored. Other rules'
 * occurrences pass through.
 *
 * Input must be in event-time order ({@link eventTimeOrder} holds newTerm rules' matches like other
 * stateful rules'). Watermarks forget terms older than `history`; `maxKeys` caps the terms per rule,
 * forgetting the least recently seen (counted as evicted), which can make an old term new again.
 */
export function newTerm(
  options: NewTermOptions = {},
): OperatorFunction<Occurrence | Watermark, Occurrence | Watermark> {
  const maxKeys = options.maxKeys ?? 100_000;
  const stats = options.stats;

  return (source) =>
    new Observable<Occurrence | Watermark>((subscriber) => {
      const states = new Map<string, RuleState>();
      const unregister = options.budget?.register(
        mapsHolder(
          states,
          (state) => state.terms,
          (seen) => seen,
          () => stats && stats.evicted++,
        ),
      );

      const stateOf = (spec: RuleSpec): RuleState => {
        let state = states.get(spec.name);
        if (state === undefined || state.spec !== spec) {
          // A reloaded rule keeps what it learned, the terms being facts about the cluster, unless its
          // fields changed: old terms would then match nothing, and everything would look new.
          const keep =
            state !== undefined && JSON.stringify(state.spec.newTerm!.fields) === JSON.stringify(spec.newTerm!.fields);
          state = {
            spec,
            fields: spec.newTerm!.fields.map(eventFactGetter),
            learnUntil: keep ? state!.learnUntil : undefined,
            terms: keep ? state!.terms : new Map(),
          };
          states.set(spec.name, state);
        }
        return state;
      };

      const onOccurrence = (occ: Occurrence): void => {
        const spec = occ.rule.spec;
        const { history, learnFor } = spec.newTerm!;
        const state = stateOf(spec);
        const values: unknown[] = [];
        for (const get of state.fields) {
          const value = get(occ.event);
          if (value === undefined || value === null) return;
          values.push(value);
        }
        const term = JSON.stringify(values);
        const time = occ.lastSeen;
        state.learnUntil ??= time + learnFor;
        const seen = state.terms.get(term);
        const isNew = seen === undefined || time - seen > history;
        if (seen !== undefined) {
          state.terms.delete(term);
        } else {
          if (state.terms.size >= maxKeys) {
            state.terms.delete(state.terms.keys().next().value as string);
            if (stats) stats.evicted++;
          }
          options.budget?.reserve();
        }
        state.terms.set(term, seen === undefined ? time : Math.max(seen, time));
        if (isNew && time >= state.learnUntil) subscriber.next(occ);
      };

      const expire = (watermark: number): void => {
        for (const state of states.values()) {
          const history = state.spec.newTerm!.history;
          for (const [term, seen] of state.terms) {
            if (seen + history >= watermark) break;
            state.terms.delete(term);
          }
          // The state itself stays: it remembers when learning ended.
        }
      };

      const subscription = source.subscribe({
        next(item) {
          if (item.kind === 'watermark') {
            expire(item.time);
            subscriber.next(item);
          } else if (item.rule.spec.newTerm !== undefined) {
            onOccurrence(item);
          } else {
            subscriber.next(item);
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        unregister?.();
      };
    });
}
