import { Observable, type OperatorFunction } from 'rxjs';
import type { SummaryRecord } from '../alert/summarize-event.js';
import type { AuditEvent } from '../event/audit-event.js';
import { eventFactGetter } from '../event/resolve-fact.js';
import type { CompiledRule } from '../rules/compile-rule-set.js';
import type { RuleSpec } from '../rules/rule-file.js';
import type { Watermark } from './event-time-order.js';
import { mapsHolder, type KeyBudget } from './key-budget.js';
import type { StreamStats } from './stream-stats.js';
import { stateKey, type Occurrence } from './threshold.js';

/** Options of {@link sequence}. */
export interface SequenceOptions {
  /** Keys with a sequence in progress, per rule, at most; the least recently advanced is dropped past it. Default 100,000. */
  maxKeys?: number;
  /** Events kept as a sample per alert. Default 10. */
  sampleSize?: number;
  /** A total of keys shared with the other stateful stages (see `createKeyBudget`). */
  budget?: KeyBudget;
  stats?: StreamStats;
}

/** A sequence in progress: the steps matched so far. */
interface Progress {
  /** Event time of the first step. */
  readonly start: number;
  /** Event time of the latest step. */
  readonly last: number;
  readonly samples: readonly SummaryRecord[];
}

interface KeyState {
  /** `stages[i]`: the sequence that has matched steps 0..i (the latest-starting one), for i < steps - 1. */
  readonly stages: Array<Progress | undefined>;
}

/** When a key last advanced: its latest step's time (`-Infinity` with none left). */
function latestStep(entry: KeyState): number {
  let latest = -Infinity;
  for (const p of entry.stages) if (p !== undefined && p.last > latest) latest = p.last;
  return latest;
}

interface RuleState {
  readonly spec: RuleSpec;
  /** The rule's sequence as JSON: what its progress was made under. */
  readonly shape: string;
  readonly within: number;
  readonly keys: ReadonlyArray<ReadonlyArray<(e: AuditEvent) => unknown>>;
  /** By key text, least recently advanced first. */
  readonly progress: Map<string, KeyState>;
}

/**
 * Sequence rules: fires when events match the rule's steps in event-time order, each step's key values
 * equal to the first step's, the last within `within` of the first. Per key it keeps, for each step, the
 * latest-starting sequence that reached it (the one most likely to finish in time); a step moves that
 * sequence on, and the last step turns it into one occurrence whose sample is the steps' events. Other
 * rules' occurrences pass through.
 *
 * Input must be in event-time order (after {@link eventTimeOrder}, which holds sequence rules' matches
 * like other stateful rules', then {@link threshold}, which makes each match an occurrence of one event).
 * Watermarks drop sequences that can no longer finish, so state stays bounded; `maxKeys` caps it too.
 * Events at the same instant are taken in the ordering stage's order (auditID): a step must not come
 * before the one it follows.
 */
export function sequence(
  options: SequenceOptions = {},
): OperatorFunction<Occurrence | Watermark, Occurrence | Watermark> {
  const maxKeys = options.maxKeys ?? 100_000;
  const sampleSize = options.sampleSize ?? 10;
  const stats = options.stats;

  return (source) =>
    new Observable<Occurrence | Watermark>((subscriber) => {
      const states = new Map<string, RuleState>();
      const unregister = options.budget?.register(
        mapsHolder(
          states,
          (state) => state.progress,
          latestStep,
          () => stats && stats.evicted++,
        ),
      );

      const stateOf = (spec: RuleSpec): RuleState => {
        let state = states.get(spec.name);
        if (state === undefined || state.spec !== spec) {
          // A reloaded rule with other steps starts its sequences in progress over; one whose sequence
          // is unchanged (another rule of the set changed) keeps them.
          const shape = JSON.stringify(spec.sequence);
          const steps = spec.sequence!.steps;
          state = {
            spec,
            shape,
            within: spec.sequence!.within,
            keys: steps.map((step) => step.key.map(eventFactGetter)),
            progress: state?.shape === shape ? state.progress : new Map(),
          };
          states.set(spec.name, state);
        }
        return state;
      };

      /** Moves a key to the back of the recency order, making room for it first when it is new. */
      const touch = (state: RuleState, key: string): KeyState => {
        let entry = state.progress.get(key);
        if (entry !== undefined) {
          state.progress.delete(key);
        } else {
          if (state.progress.size >= maxKeys) {
            state.progress.delete(state.progress.keys().next().value as string);
            if (stats) stats.evicted++;
          }
          options.budget?.reserve();
          entry = { stages: new Array<Progress | undefined>(state.keys.length - 1).fill(undefined) };
        }
        state.progress.set(key, entry);
        return entry;
      };

      const onOccurrence = (occ: Occurrence): void => {
        const rule: CompiledRule = occ.rule;
        const state = stateOf(rule.spec);
        const { event } = occ;
        const time = occ.lastSeen;
        const last = state.keys.length - 1;
        const sample = occ.samples[0]!;
        // From the last step down: an event that could both finish a sequence and start one finishes it.
        for (let i = last; i >= 0; i--) {
          // A match held lean carries its step results; the lean event cannot answer the step conditions.
          const matched = occ.steps !== undefined ? ((occ.steps >>> i) & 1) === 1 : rule.testStep?.(i, event) === true;
          if (!matched) continue;
          const key = stateKey(state.keys[i]!, event);
          if (i === 0) {
            // Validation guarantees two steps or more, so a first step never finishes a sequence.
            const entry = touch(state, key);
            // The latest start wins: it has the most time left to finish.
            const held = entry.stages[0];
            if (held === undefined || held.start <= time)
              entry.stages[0] = { start: time, last: time, samples: [sample] };
            return;
          }
          const entry = state.progress.get(key);
          const before = entry?.stages[i - 1];
          if (before === undefined || time < before.last || time - before.start > state.within) continue;
          entry!.stages[i - 1] = undefined;
          const reached: Progress = {
            start: before.start,
            last: time,
            samples: before.samples.length < sampleSize ? [...before.samples, sample] : before.samples,
          };
          if (i === last) {
            emit(rule, event, reached);
            if (entry!.stages.every((s) => s === undefined)) state.progress.delete(key);
          } else {
            const held = entry!.stages[i];
            if (held === undefined || held.start <= reached.start) entry!.stages[i] = reached;
            touch(state, key);
          }
          return;
        }
      };

      const emit = (rule: CompiledRule, event: AuditEvent, done: Progress): void => {
        subscriber.next({
          kind: 'occurrence',
          rule,
          event,
          count: rule.spec.sequence!.steps.length,
          firstSeen: done.start,
          lastSeen: done.last,
          samples: [...done.samples],
        });
      };

      /** Drops sequences that started too long before the watermark to finish; keys left empty go. */
      const expire = (watermark: number): void => {
        for (const [name, state] of states) {
          for (const [key, entry] of state.progress) {
            let live = false;
            entry.stages.forEach((p, i) => {
              if (p === undefined) return;
              if (p.start + state.within < watermark) entry.stages[i] = undefined;
              else live = true;
            });
            // Least recently advanced first: the first key still live ends the scan.
            if (live) break;
            state.progress.delete(key);
          }
          if (state.progress.size === 0) states.delete(name);
        }
      };

      const subscription = source.subscribe({
        next(item) {
          if (item.kind === 'watermark') {
            expire(item.time);
            subscriber.next(item);
          } else if (item.rule.spec.sequence !== undefined) {
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
