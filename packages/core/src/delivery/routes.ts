import type { Alert } from '../alert/alert.js';
import { KauditError } from '../errors.js';
import { globToRegExp } from '../rules/glob.js';
import { SEVERITIES, type Severity } from '../rules/rule-file.js';

/**
 * Sends matching alerts to sinks. Every matcher given must hold (and), each list matches on any of its
 * items (or). A route without matchers matches everything: end with one as a catch-all.
 */
export interface Route {
  /** Sink ids that receive the matching alerts. */
  sinks: string[];
  /** Alerts of this severity or higher. */
  minSeverity?: Severity;
  /** Alerts with at least one of these tags. */
  tags?: string[];
  /** Alerts of these rules (names; `*` and `?` globs allowed). */
  rules?: string[];
  /** Keep looking at later routes after this one matched (their sinks are added). Default false. */
  continue?: boolean;
}

/** Picks the sink ids for an alert. */
export type Router = (alert: Alert) => readonly string[];

/**
 * Compiles routes Alertmanager-style: routes are tried in order and the first match wins (unless it
 * says `continue`). An alert that matches no route goes to every sink, so a gap in the routes never
 * silently drops an alert; add a catch-all route last to choose otherwise. No routes at all: every
 * alert to every sink.
 *
 * @example
 * const route = compileRoutes([{ minSeverity: 'critical', sinks: ['oncall'] }, { sinks: ['feed'] }], ['oncall', 'feed']);
 * route(alert) // ['oncall'] for a critical alert, ['feed'] otherwise
 */
export function compileRoutes(routes: readonly Route[], sinkIds: readonly string[]): Router {
  const known = new Set(sinkIds);
  const faults: string[] = [];
  routes.forEach((r, i) => {
    for (const id of r.sinks)
      if (!known.has(id)) faults.push(`routes[${i}] names sink "${id}", which is not configured`);
    if (r.minSeverity !== undefined && !SEVERITIES.includes(r.minSeverity))
      faults.push(`routes[${i}].minSeverity "${r.minSeverity}" is not one of ${SEVERITIES.join(', ')}`);
  });
  if (faults.length > 0) throw new KauditError('delivery', 'invalid_config', `invalid routes: ${faults.join('; ')}`);

  const everyone = [...sinkIds];
  if (routes.length === 0) return () => everyone;
  const compiled = routes.map((r) => {
    const min = r.minSeverity !== undefined ? SEVERITIES.indexOf(r.minSeverity) : -1;
    const tags = r.tags && new Set(r.tags);
    const rules = r.rules?.map(globToRegExp);
    const matches = (a: Alert): boolean =>
      SEVERITIES.indexOf(a.severity) >= min &&
      (tags === undefined || a.tags.some((t) => tags.has(t))) &&
      (rules === undefined || rules.some((re) => re.test(a.rule)));
    return { matches, sinks: r.sinks, continue: r.continue === true };
  });
  return (alert) => {
    let out: string[] | undefined;
    for (const r of compiled) {
      if (!r.matches(alert)) continue;
      out = out ? [...new Set([...out, ...r.sinks])] : r.sinks;
      if (!r.continue) break;
    }
    return out ?? everyone;
  };
}
