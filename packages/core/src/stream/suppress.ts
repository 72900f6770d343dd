import { Observable, type OperatorFunction } from 'rxjs';
import type { Alert, PipelineNotice } from '../alert/alert.js';
import { alertId } from '../alert/alert-id.js';
import { compileMessage, defaultMessage, type RenderMessage } from '../alert/message-template.js';
import type { AuditEvent } from '../event/audit-event.js';
import { eventFactGetter } from '../event/resolve-fact.js';
import { alertKeyFacts, type RuleSpec } from '../rules/rule-file.js';
import type { Watermark } from './event-time-order.js';
import type { StreamStats } from './stream-stats.js';
import { keyText, type Occurrence } from './threshold.js';

/** Options of {@link suppress}. */
export interface SuppressOptions {
  /** Open suppression keys per rule at most; the oldest is closed early past it. Default 100,000. */
  maxKeys?: number;
  /** Events kept as a sample per alert. Default 10. */
  sampleSize?: number;
  stats?: StreamStats;
}

interface Open {
  alert: Alert;
  until: number;
  first: number;
  last: number;
}

interface RuleState {
  readonly spec: RuleSpec;
  readonly key: ReadonlyArray<(e: AuditEvent) => unknown>;
  readonly keyNames: readonly string[];
  readonly render: RenderMessage;
  readonly open: Map<string, Open>;
}

const iso = (t: number): string => new Date(t).toISOString();

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
          const keyNames = alertKeyFacts(spec);
          // A reloaded rule keeps its open alerts: state is per rule name, rebuilt only for the new spec.
          state = {
            spec,
            key: keyNames.map(eventFactGetter),
            keyNames,
            render: spec.message !== undefined ? compileMessage(spec.message) : defaultMessage(spec.title),
            open: state?.open ?? new Map(),
          };
          states.set(spec.name, state);
        }
        return state;
      };

      const close = (open: Open): void => {
        subscriber.next({ type: 'closed', alert: snapshot(open.alert) });
      };

      const expire = (watermark: number): void => {
        for (const [name, state] of states) {
          for (const [key, open] of state.open) {
            // Keys open in event-time order, so the first still-open one ends the scan.
            if (open.until > watermark) break;
            state.open.delete(key);
            close(open);
          }
          if (state.open.size === 0) states.delete(name);
        }
      };

      const onOccurrence = (occ: Occurrence): void => {
        const spec = occ.rule.spec;
        const state = stateOf(spec);
        const keyString = keyText(state.key, occ.event);
        const existing = state.open.get(keyString);
        if (existing !== undefined && occ.firstSeen < existing.until) {
          const alert = existing.alert;
          alert.count += occ.count;
          alert.suppressed += 1;
          // Late occurrences may extend the alert backwards as well as forwards.
          if (occ.lastSeen > existing.last) alert.lastSeen = iso((existing.last = occ.lastSeen));
          if (occ.firstSeen < existing.first) alert.firstSeen = iso((existing.first = occ.firstSeen));
          for (const s of occ.samples) if (alert.events.length < sampleSize) alert.events.push(s);
          // The message keeps describing the first occurrence, which stays true; `count` carries the total.
          if (stats) stats.rollups++;
          subscriber.next({ type: 'rollup', alert: snapshot(alert) });
          return;
        }
        if (existing !== undefined) {
          state.open.delete(keyString);
          close(existing);
        }
        const key: Record<string, unknown> = {};
        state.keyNames.forEach((name, i) => {
          key[name] = state.key[i]!(occ.event) ?? null;
        });
        const alert: Alert = {
          id: alertId(spec.name, keyString, occ.firstSeen),
          rule: spec.name,
          title: spec.title,
          severity: spec.severity,
          tags: [...spec.tags],
          message: state.render(occ.event, {
            count: occ.count,
            ...(spec.threshold ? { within: spec.threshold.withinText } : {}),
            ...(spec.sequence ? { within: spec.sequence.withinText } : {}),
            ...(occ.distinct ? { distinct: occ.distinct } : {}),
          }),
          key,
          count: occ.count,
          firstSeen: iso(occ.firstSeen),
          lastSeen: iso(occ.lastSeen),
          events: occ.samples.slice(0, sampleSize),
          suppressed: 0,
        };
        if (stats) stats.alerts++;
        subscriber.next({ type: 'alert', alert: snapshot(alert) });
        if (spec.suppress === undefined) {
          subscriber.next({ type: 'closed', alert: snapshot(alert) });
          return;
        }
        if (state.open.size >= maxKeys) {
          const [oldestKey, oldest] = state.open.entries().next().value as [string, Open];
          state.open.delete(oldestKey);
          if (stats) stats.evicted++;
          close(oldest);
        }
        state.open.set(keyString, {
          alert,
          until: occ.firstSeen + spec.suppress.for,
          first: occ.firstSeen,
          last: occ.lastSeen,
        });
      };

      return source.subscribe({
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
    });
}

/** A copy sinks may keep: the open alert goes on changing as occurrences roll up. */
function snapshot(alert: Alert): Alert {
  return { ...alert, tags: [...alert.tags], key: { ...alert.key }, events: [...alert.events] };
}
