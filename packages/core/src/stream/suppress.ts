import { Observable, type OperatorFunction } from 'rxjs';
import type { Alert, EventSummary, PipelineNotice } from '../alert/alert.js';
import { alertId } from '../alert/alert-id.js';
import { flatText } from '../alert/flat-text.js';
import { recordEvent } from '../alert/record-event.js';
import { summaryOf, SummaryRecord } from '../alert/summarize-event.js';
import { compileMessage, defaultMessage, type MessageContext, type RenderMessage } from '../alert/message-template.js';
import type { AuditEvent } from '../event/audit-event.js';
import { eventFactGetter } from '../event/resolve-fact.js';
import { alertKeyFacts, type RuleSpec } from '../rules/rule-file.js';
import type { Watermark } from './event-time-order.js';
import { mapsHolder, type KeyBudget } from './key-budget.js';
import type { StreamStats } from './stream-stats.js';
import { stateKey, type Occurrence } from './threshold.js';

/** Options of {@link suppress}. */
export interface SuppressOptions {
  /** Open suppression keys per rule at most; the oldest is closed early past it. Default 100,000. */
  maxKeys?: number;
  /** Events kept as a sample per alert. Default 10. */
  sampleSize?: number;
  /** A total of keys shared with the other stateful stages (see `createKeyBudget`): past it, the oldest alert closes early. */
  budget?: KeyBudget;
  stats?: StreamStats;
}

/**
 * An alert still open for roll-ups, held as compactly as it can be (one per suppression key): times
 * as numbers (one while it stands for one event), the rule's own title and tags, its message as one
 * flat string, what roll-ups need only once it has rolled up; the Alert object is built when a notice
 * is sent, and its id hashed again from the rule, the key and `start` (most keys send two notices,
 * the alert and its close: a 20-character id held per key cost more than a hash).
 */
interface Open {
  readonly spec: RuleSpec;
  /**
   * The message, `undefined` when rendering it from the first sample record (with a count of 1)
   * gives the same text, as it does for most messages: checked when the alert opens.
   */
  readonly message: string | undefined;
  /** The key's values: the value itself for a one-fact key (most rules), else one per fact. */
  readonly key: unknown;
  count: number;
  /**
   * The first occurrence's time (the alert id's window start; suppression lasts `for` from it),
   * `undefined` when it is the time of the first sample (see startOf).
   */
  readonly start: number | undefined;
  /** lastSeen, `undefined` while it is `start` (one event): a time held is a 16-byte number box. */
  last: number | undefined;
  /** Summary records, made into EventSummary objects for each notice (see snapshot). */
  events: SummaryRecord | SummaryRecord[];
  /** What only an alert that has rolled up needs (most never do). */
  rolled: Rolled | undefined;
}

/** The part of an open alert that roll-ups change or that they make worth keeping. */
interface Rolled {
  suppressed: number;
  /** firstSeen: a late occurrence may move it before `start`. */
  first: number;
  /** Kept from the first roll-up on, as the alert is then sent again per roll-up. */
  readonly id: string;
  /** Likewise. */
  readonly message: string;
  /** The summaries of `events` already made (records are only ever appended). */
  readonly shown: EventSummary[];
}

/**
 * The most common open alert, held as little as it can be: one event, whose sample gives its time
 * and message; the alert is that sample record with its rule and key (one object of 80 bytes
 * instead of an Open and a record, 152). A roll-up makes it an {@link Open}.
 */
class LoneOpen extends SummaryRecord {
  constructor(
    readonly spec: RuleSpec,
    /** As `Open.key`. */
    readonly key: unknown,
    record: SummaryRecord,
  ) {
    super(record.time, record.joined, record.lengths, record.user, record.context);
  }

  /** The sample. */
  get record(): SummaryRecord {
    return this;
  }
}

/** What a suppression key holds. */
type Held = Open | LoneOpen;

/** The open alert a held one stands for (a new object for a {@link LoneOpen}). */
const asOpen = (held: Held): Open =>
  held instanceof LoneOpen
    ? {
        spec: held.spec,
        message: undefined,
        key: held.key,
        count: 1,
        start: undefined,
        last: undefined,
        events: held.record,
        rolled: undefined,
      }
    : held;

interface RuleState {
  readonly spec: RuleSpec;
  readonly key: ReadonlyArray<(e: AuditEvent) => unknown>;
  /** The message last rendered: a rule whose message names no per-key fact shares one string. */
  lastMessage: string | undefined;
  readonly open: Map<string, Held>;
}

const iso = (t: number): string => new Date(t).toISOString();

/** A rule's compiled message, per spec: an open alert renders with the spec it opened under. */
const renders = new WeakMap<RuleSpec, RenderMessage>();

function renderOf(spec: RuleSpec): RenderMessage {
  let render = renders.get(spec);
  if (render === undefined) {
    render = spec.message !== undefined ? compileMessage(spec.message) : defaultMessage(spec.title);
    renders.set(spec, render);
  }
  return render;
}

/** What a message may read besides facts, for an occurrence of `count` events. */
function messageContext(spec: RuleSpec, count: number, distinct: unknown[] | undefined): MessageContext {
  return {
    count,
    ...(spec.threshold ? { within: spec.threshold.withinText } : {}),
    ...(spec.sequence ? { within: spec.sequence.withinText } : {}),
    ...(distinct ? { distinct } : {}),
  };
}

/** The first sample record of an open alert, if it has one. */
const firstRecord = (open: Open): SummaryRecord | undefined =>
  Array.isArray(open.events) ? open.events[0] : open.events;

/** The alert's message: held, or rendered again from its first record (see `Open.message`). */
const messageOf = (open: Open): string =>
  open.message ?? renderOf(open.spec)(recordEvent(firstRecord(open)!), messageContext(open.spec, 1, undefined));

/** When an open alert stops taking roll-ups (event time). */
const until = (open: Held): number => startOf(open) + (open.spec.suppress?.for ?? 0);

/** The first occurrence's time: held, or that of the first sample when it is the same (a boxed number less). */
const startOf = (open: Held): number =>
  open instanceof LoneOpen ? open.record.time : (open.start ?? firstRecord(open)!.time);

/**
 * Turns occurrences into alerts. For a rule with `suppress`, later occurrences with the same key
 * within `for` of the first are not new alerts: they roll up into it (count, lastSeen, suppressed) and
 * are emitted as `rollup` notices so a sink can update what it posted. Each alert is emitted once more
 * as `closed` when it can no longer change. Input must be in event-time order; watermarks close the
 * suppression windows they pass, so state stays bounded.
 */
export function suppress(options: SuppressOptions = {}): OperatorFunction<Occurrence | Watermark, PipelineNotice> {
  const maxKeys = options.maxKeys ?? 100_000;
  const sampleSize = options.sampleSize ?? 10;
  const stats = options.stats;

  return (source) =>
    new Observable<PipelineNotice>((subscriber) => {
      const states = new Map<string, RuleState>();

      const stateOf = (spec: RuleSpec): RuleState => {
        let state = states.get(spec.name);
        if (state === undefined || state.spec !== spec) {
          // A reloaded rule keeps its open alerts: state is per rule name, rebuilt only for the new spec.
          state = {
            spec,
            key: alertKeyFacts(spec).map(eventFactGetter),
            lastMessage: undefined,
            open: state?.open ?? new Map(),
          };
          states.set(spec.name, state);
        }
        return state;
      };

      const close = (open: Held): void => {
        subscriber.next({ type: 'closed', alert: snapshot(asOpen(open)) });
      };
      const unregister = options.budget?.register(
        mapsHolder(
          states,
          (state) => state.open,
          startOf,
          (_state, _key, open) => {
            if (stats) stats.evicted++;
            close(open);
          },
        ),
      );

      const expire = (watermark: number): void => {
        for (const [name, state] of states) {
          for (const [key, open] of state.open) {
            // Keys open in event-time order, so the first still-open one ends the scan.
            if (until(open) > watermark) break;
            state.open.delete(key);
            close(open);
          }
          if (state.open.size === 0) states.delete(name);
        }
      };

      const onOccurrence = (occ: Occurrence): void => {
        const spec = occ.rule.spec;
        const state = stateOf(spec);
        const keyString = stateKey(state.key, occ.event);
        let existing = state.open.get(keyString);
        if (existing !== undefined && occ.firstSeen < until(existing)) {
          if (existing instanceof LoneOpen) {
            existing = asOpen(existing);
            // Same key: the entry keeps its place in the open order.
            state.open.set(keyString, existing);
          }
          existing.count += occ.count;
          const rolled = (existing.rolled ??= {
            suppressed: 0,
            first: startOf(existing),
            id: idOf(existing),
            message: messageOf(existing),
            shown: [],
          });
          rolled.suppressed += 1;
          // Late occurrences may extend the alert backwards as well as forwards.
          if (occ.lastSeen > (existing.last ?? startOf(existing))) existing.last = occ.lastSeen;
          if (occ.firstSeen < rolled.first) rolled.first = occ.firstSeen;
          for (const s of occ.samples) addEvent(existing, s, sampleSize);
          // The message keeps describing the first occurrence, which stays true; `count` carries the total.
          if (stats) stats.rollups++;
          subscriber.next({ type: 'rollup', alert: snapshot(existing) });
          return;
        }
        if (existing !== undefined) {
          state.open.delete(keyString);
          close(existing);
        }
        const values = state.key.map((get) => get(occ.event) ?? null);
        const render = renderOf(spec);
        const context = messageContext(spec, occ.count, occ.distinct);
        const rendered = render(occ.event, context);
        // An occurrence of one event whose record renders the same message needs none of its own.
        const sample = occ.samples.length === 1 && sampleSize >= 1 ? occ.samples[0]! : undefined;
        const derived =
          sample !== undefined &&
          occ.count === 1 &&
          occ.distinct === undefined &&
          render(recordEvent(sample), context) === rendered;
        const message = derived
          ? undefined
          : rendered === state.lastMessage
            ? state.lastMessage
            : (state.lastMessage = flatText(rendered));
        const open: Open = {
          spec,
          message,
          key: values.length === 1 ? values[0] : values,
          count: occ.count,
          // Samples are only ever appended: a first sample of this time stays first.
          start: sample !== undefined && sample.time === occ.firstSeen ? undefined : occ.firstSeen,
          last: occ.lastSeen === occ.firstSeen ? undefined : occ.lastSeen,
          events: sample ?? occ.samples.slice(0, sampleSize),
          rolled: undefined,
        };
        if (stats) stats.alerts++;
        subscriber.next({ type: 'alert', alert: snapshot(open) });
        if (spec.suppress === undefined) {
          subscriber.next({ type: 'closed', alert: snapshot(open) });
          return;
        }
        if (state.open.size >= maxKeys) {
          const [oldestKey, oldest] = state.open.entries().next().value as [string, Held];
          state.open.delete(oldestKey);
          if (stats) stats.evicted++;
          close(oldest);
        }
        options.budget?.reserve();
        const lone =
          sample !== undefined &&
          open.events === sample &&
          open.message === undefined &&
          open.start === undefined &&
          open.last === undefined &&
          open.count === 1;
        state.open.set(keyString, lone ? new LoneOpen(spec, open.key, sample) : open);
      };

      const subscription = source.subscribe({
        next(item) {
          if (item.kind === 'watermark') expire(item.time);
          else onOccurrence(item);
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          expire(Infinity);
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        unregister?.();
      };
    });
}

/** The alert as it stands, a copy sinks may keep: the open alert goes on changing as occurrences roll up. */
function snapshot(open: Open): Alert {
  const spec = open.spec;
  const rolled = open.rolled;
  return {
    id: rolled?.id ?? idOf(open),
    rule: spec.name,
    title: spec.title,
    severity: spec.severity,
    tags: [...spec.tags],
    message: rolled?.message ?? messageOf(open),
    key: keyObject(open),
    count: open.count,
    firstSeen: iso(rolled?.first ?? startOf(open)),
    lastSeen: iso(open.last ?? startOf(open)),
    events: eventsOf(open),
    suppressed: rolled?.suppressed ?? 0,
  };
}

/** The alert's sample as summaries, a new array per notice. */
function eventsOf(open: Open): EventSummary[] {
  const records = Array.isArray(open.events) ? open.events : [open.events];
  if (open.rolled === undefined) return records.map(summaryOf);
  // Records are only ever appended: the summaries made for earlier notices stay valid.
  const shown = open.rolled.shown;
  for (let i = shown.length; i < records.length; i++) shown.push(summaryOf(records[i]!));
  return [...shown];
}

/**
 * The alert id, from the key values the alert holds: the key text is the JSON of those values
 * (undefined as null, as `keyText` makes it from the event).
 */
function idOf(open: Open): string {
  const values = alertKeyFacts(open.spec).length === 1 ? [open.key] : (open.key as unknown[]);
  return alertId(open.spec.name, JSON.stringify(values), startOf(open));
}

/** The alert's key by fact name, from the values an open alert holds. */
function keyObject(open: Open): Record<string, unknown> {
  const names = alertKeyFacts(open.spec);
  const key: Record<string, unknown> = {};
  if (names.length === 1) key[names[0]!] = open.key;
  else names.forEach((name, i) => (key[name] = (open.key as unknown[])[i]));
  return key;
}

/** Adds a sample to an open alert while it has fewer than `sampleSize`. */
function addEvent(open: Open, record: SummaryRecord, sampleSize: number): void {
  const held = open.events;
  if (!Array.isArray(held)) {
    if (sampleSize > 1) open.events = [held, record];
  } else if (held.length < sampleSize) {
    if (held.length === 0) open.events = record;
    else held.push(record);
  }
}
