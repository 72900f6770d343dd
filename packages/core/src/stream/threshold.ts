import { Observable, type OperatorFunction } from 'rxjs';
import { SummaryRecord, summaryRecord } from '../alert/summarize-event.js';
import type { AuditEvent } from '../event/audit-event.js';
import { eventFactGetter } from '../event/resolve-fact.js';
import type { CompiledRule } from '../rules/compile-rule-set.js';
import type { Ordered, Watermark } from './event-time-order.js';
import { mapsHolder, type KeyBudget } from './key-budget.js';
import type { StreamStats } from './stream-stats.js';

/** One firing of a rule for one key: a single match, or a threshold reached. */
export interface Occurrence {
  readonly kind: 'occurrence';
  readonly rule: CompiledRule;
  /** The event that made it fire (message facts are read from it). */
  readonly event: AuditEvent;
  /** Matching events it stands for. */
  readonly count: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  /**
   * A bounded sample of the events, earliest first, as summary records (`summaryOf` makes each the
   * alert's EventSummary): they are held for as long as the alert stays open.
   */
  readonly samples: SummaryRecord[];
  /** The distinct values counted, for `distinct` thresholds. */
  readonly distinct?: unknown[];
  /** For a sequence rule's match held lean: which steps the event matched (see `Match.steps`). */
  readonly steps?: number | undefined;
}

/** Options of {@link threshold}. */
export interface ThresholdOptions {
  /** Groups tracked per rule at most; the least recently updated is evicted past it. Default 100,000. */
  maxKeys?: number;
  /** Events kept as a sample per alert. Default 10. */
  sampleSize?: number;
  /** A total of keys shared with the other stateful stages (see `createKeyBudget`). */
  budget?: KeyBudget;
  stats?: StreamStats;
}

interface Group {
  /** Times of the matches in the window, oldest first, from index `head`. */
  times: number[];
  head: number;
  /** Distinct-value counts in the window (distinct thresholds only), and the value of each time. */
  values: unknown[] | undefined;
  valueCounts: Map<string, { value: unknown; n: number }> | undefined;
  /**
   * The latest matches' summary records (at most sampleSize), for the alert: one record alone while
   * the group has had one match (most groups of high-cardinality traffic), an array past that.
   */
  samples: SummaryRecord | SummaryRecord[] | undefined;
}

/**
 * What a key holds: most keys of high-cardinality traffic see one match in their window, and keep
 * only its sample record (whose time is the match's) or, without samples, its time; a second match
 * makes it a {@link Group}. The group object and its times array cost about 120 bytes more.
 */
type Held = Group | SummaryRecord | number;

/** The time of a key's latest match. */
const latestOf = (held: Held): number =>
  typeof held === 'number' ? held : held instanceof SummaryRecord ? held.time : held.times[held.times.length - 1]!;

/** A key held as one match becomes a group of one match. */
const groupOf = (held: SummaryRecord | number): Group =>
  typeof held === 'number'
    ? { times: [held], head: 0, samples: undefined, values: undefined, valueCounts: undefined }
    : { times: [held.time], head: 0, samples: held, values: undefined, valueCounts: undefined };

interface RuleState {
  /** The groupBy and distinct facts the groups were made with (JSON). */
  readonly shape: string;
  /** Window length; refreshed on each match so a reloaded rule applies its new value. */
  within: number;
  readonly groupBy: ReadonlyArray<(e: AuditEvent) => unknown>;
  readonly distinct?: (e: AuditEvent) => unknown;
  readonly groups: Map<string, Held>;
}

/** The key text of an event for some facts: JSON of their values, so `undefined` and `"undefined"` differ. */
export function keyText(getters: ReadonlyArray<(e: AuditEvent) => unknown>, event: AuditEvent): string {
  if (getters.length === 0) return '[]';
  const values = getters.map((get) => {
    const v = get(event);
    return v === undefined ? null : v;
  });
  return JSON.stringify(values);
}

/**
 * A Map key for some facts' values, for state held per key: one string value is its own key (the
 * event's string, shared with the sample, instead of a JSON copy); anything else is its JSON text
 * behind a NUL mark, which no plain key starts with (a string that does goes the JSON way too).
 */
export function stateKey(getters: ReadonlyArray<(e: AuditEvent) => unknown>, event: AuditEvent): string {
  if (getters.length === 1) {
    const v = getters[0]!(event);
    if (typeof v === 'string' && v.charCodeAt(0) !== 0) return v;
  }
  return `\u0000${keyText(getters, event)}`;
}

/**
 * Threshold windows on event time. For a rule with `threshold`, it counts matches per `groupBy` key
 * in a window sliding over `within` and fires when a key has `count` matches (or `count` distinct
 * values of `distinct`); the key's window then starts afresh. Matches of other rules become
 * occurrences of one event. Input must be in event-time order ({@link eventTimeOrder}); watermarks
 * pass through and release groups whose window has expired, so state stays bounded.
 */
export function threshold(options: ThresholdOptions = {}): OperatorFunction<Ordered, Occurrence | Watermark> {
  const maxKeys = options.maxKeys ?? 100_000;
  const sampleSize = options.sampleSize ?? 10;
  const stats = options.stats;

  return (source) =>
    new Observable<Occurrence | Watermark>((subscriber) => {
      const states = new Map<string, RuleState>();
      const unregister = options.budget?.register(
        mapsHolder(
          states,
          (state) => state.groups,
          latestOf,
          () => stats && stats.evicted++,
        ),
      );

      const stateOf = (rule: CompiledRule): RuleState => {
        let state = states.get(rule.name);
        const spec = rule.spec.threshold!;
        const shape = JSON.stringify([spec.groupBy, spec.distinct ?? null]);
        // A reloaded rule that groups or counts by other facts starts afresh: its old groups' keys and
        // values mean something else. Same facts: its windows go on (a new `within` applies at once).
        if (state === undefined || state.shape !== shape) {
          state = {
            shape,
            within: spec.within,
            groupBy: spec.groupBy.map(eventFactGetter),
            ...(spec.distinct !== undefined ? { distinct: eventFactGetter(spec.distinct) } : {}),
            groups: new Map(),
          };
          states.set(rule.name, state);
        }
        return state;
      };

      const expire = (watermark: number): void => {
        for (const [name, state] of states) {
          // Groups are kept least-recently-updated first, so the expired ones are at the front.
          for (const [key, held] of state.groups) {
            if (latestOf(held) >= watermark - state.within) break;
            state.groups.delete(key);
          }
          if (state.groups.size === 0) states.delete(name);
        }
      };

      const onMatch = (rule: CompiledRule, event: AuditEvent, time: number, steps: number | undefined): void => {
        const spec = rule.spec.threshold;
        if (spec === undefined) {
          subscriber.next({
            kind: 'occurrence',
            rule,
            event,
            count: 1,
            firstSeen: time,
            lastSeen: time,
            samples: [summaryRecord(event, time)],
            ...(steps !== undefined ? { steps } : {}),
          });
          return;
        }
        const state = stateOf(rule);
        state.within = spec.within;
        const key = stateKey(state.groupBy, event);
        const held = state.groups.get(key);
        let group: Group;
        if (held === undefined) {
          if (state.groups.size >= maxKeys) {
            const oldest = state.groups.keys().next().value as string;
            state.groups.delete(oldest);
            if (stats) stats.evicted++;
          }
          options.budget?.reserve();
          // One match that does not reach the threshold: the key holds its record or time alone.
          if (state.distinct === undefined && spec.count > 1) {
            state.groups.set(key, sampleSize > 0 ? summaryRecord(event, time) : time);
            return;
          }
          // Arrays of exactly one element (a push onto [] reserves 17).
          group = {
            times: [time],
            head: 0,
            samples: sampleSize > 0 ? summaryRecord(event, time) : undefined,
            values: undefined,
            valueCounts: undefined,
          };
          if (state.distinct) {
            const value = state.distinct(event);
            group.values = [value];
            group.valueCounts = new Map([[JSON.stringify(value === undefined ? null : value), { value, n: 1 }]]);
          }
          state.groups.set(key, group);
        } else {
          group = typeof held === 'number' || held instanceof SummaryRecord ? groupOf(held) : held;
          state.groups.delete(key);
          state.groups.set(key, group);
          insert(group, time, state.distinct?.(event));
          // Matches come in event-time order (late ones aside), so the first kept is the oldest; the
          // sample is sorted once, when the alert fires.
          if (sampleSize > 0) addSample(group, summaryRecord(event, time), sampleSize);
        }
        const latest = group.times[group.times.length - 1]!;
        evictBefore(group, latest - spec.within);
        const count = group.times.length - group.head;
        const reached = group.valueCounts ? group.valueCounts.size >= spec.count : count >= spec.count;
        if (!reached) return;
        const firstSeen = group.times[group.head]!;
        const kept = group.samples;
        const samples = (kept === undefined ? [] : Array.isArray(kept) ? kept : [kept])
          .filter((s) => s.time >= firstSeen)
          .sort((a, b) => a.time - b.time);
        state.groups.delete(key);
        subscriber.next({
          kind: 'occurrence',
          rule,
          event,
          count,
          firstSeen,
          lastSeen: latest,
          samples,
          ...(group.valueCounts ? { distinct: [...group.valueCounts.values()].map((v) => v.value) } : {}),
        });
      };

      const subscription = source.subscribe({
        next(item) {
          if (item.kind === 'watermark') {
            expire(item.time);
            subscriber.next(item);
          } else {
            onMatch(item.match.rule, item.match.event, item.match.time, item.match.steps);
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

/** Keeps the latest `sampleSize` records. */
function addSample(group: Group, record: SummaryRecord, sampleSize: number): void {
  const held = group.samples;
  if (held === undefined) group.samples = record;
  else if (!Array.isArray(held)) group.samples = sampleSize > 1 ? [held, record] : record;
  else {
    held.push(record);
    if (held.length > sampleSize) held.shift();
  }
}

/** Adds a match in time order (late matches land in the middle). */
function insert(group: Group, time: number, value: unknown): void {
  const { times } = group;
  let i = times.length;
  while (i > group.head && times[i - 1]! > time) i--;
  times.splice(i, 0, time);
  if (group.values && group.valueCounts) {
    group.values.splice(i, 0, value);
    const k = JSON.stringify(value === undefined ? null : value);
    const entry = group.valueCounts.get(k);
    if (entry) entry.n++;
    else group.valueCounts.set(k, { value, n: 1 });
  }
}

/** Drops matches older than the window; compacts the arrays now and then instead of shifting each time. */
function evictBefore(group: Group, start: number): void {
  const { times } = group;
  while (group.head < times.length && times[group.head]! < start) {
    if (group.values && group.valueCounts) {
      const value = group.values[group.head];
      const k = JSON.stringify(value === undefined ? null : value);
      const entry = group.valueCounts.get(k)!;
      if (--entry.n === 0) group.valueCounts.delete(k);
    }
    group.head++;
  }
  if (group.head > 32 && group.head * 2 > times.length) {
    times.splice(0, group.head);
    group.values?.splice(0, group.head);
    group.head = 0;
  }
}
