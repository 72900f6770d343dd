import type { Alert, AlertNotice } from '../alert/alert.js';

/** The alerts a notice carries for accounting: one for `alert`, all merged ones for `digest`, none for `rollup`. */
export function alertsOf(notice: AlertNotice): Alert[] {
  if (notice.type === 'digest') return notice.digest ?? [notice.alert];
  return notice.type === 'alert' ? [notice.alert] : [];
}

/**
 * Merges an alert into a queued `alert` or `digest` notice of the same rule, giving a `digest` whose
 * `alert` is the first merged alert and whose `digest` lists them all, in arrival order.
 *
 * @example
 * mergeIntoDigest({ type: 'alert', alert: a }, b) // { type: 'digest', alert: a, digest: [a, b] }
 */
export function mergeIntoDigest(notice: AlertNotice, alert: Alert): AlertNotice {
  const alerts = [...alertsOf(notice), alert];
  return { type: 'digest', alert: alerts[0]!, digest: alerts };
}

/**
 * Replaces, inside a queued digest, the alert that a roll-up updates, so the digest goes out with the
 * newest count. Returns undefined when the digest does not hold that alert.
 */
export function updateInDigest(notice: AlertNotice, alert: Alert): AlertNotice | undefined {
  const alerts = notice.digest;
  if (notice.type !== 'digest' || alerts === undefined) return undefined;
  const i = alerts.findIndex((a) => a.id === alert.id);
  if (i < 0) return undefined;
  const next = alerts.slice();
  next[i] = alert;
  return { type: 'digest', alert: next[0]!, digest: next };
}
