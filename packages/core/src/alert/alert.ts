import type { Severity } from '../rules/rule-file.js';

/** What an alert keeps of one event: enough to act on, redacted, never the request or response body. */
export interface EventSummary {
  auditID?: string;
  /** Event time, RFC 3339. */
  time?: string;
  stage?: string;
  verb?: string;
  user?: string;
  groups?: string[];
  impersonatedUser?: string;
  objectRef?: {
    resource?: string;
    subresource?: string;
    namespace?: string;
    name?: string;
    apiGroup?: string;
  };
  requestURI?: string;
  /** The address the API server observed (last of sourceIPs). */
  sourceIP?: string;
  userAgent?: string;
  responseCode?: number;
  /** The authorization decision annotation. */
  decision?: string;
}

/**
 * An alert, as plain JSON. `id` is stable for rule + key + window, so a sink can update the message it
 * posted when later occurrences roll up into it.
 */
export interface Alert {
  id: string;
  rule: string;
  title: string;
  severity: Severity;
  tags: string[];
  message: string;
  /** The group values, by fact name (empty for rules without a key). */
  key: Record<string, unknown>;
  /** Matching events represented by this alert, roll-ups included. */
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** A bounded sample of the events, earliest first. */
  events: EventSummary[];
  /** Occurrences rolled up into this alert after the first. */
  suppressed: number;
}

/**
 * A new alert, an update of one already raised (a suppressed occurrence rolled up into it), or a
 * digest: when a destination's queue backs up, the delivery layer merges queued alerts of one rule into
 * a single message.
 */
export interface AlertNotice {
  type: 'alert' | 'rollup' | 'digest';
  /** For `digest`, the first of the merged alerts. */
  alert: Alert;
  /** For `digest` only: every merged alert, `alert` first. */
  digest?: Alert[];
}

/**
 * What the stateful stage emits: notices for sinks, plus `closed` once an alert can no longer change
 * (its suppression window has passed), which `kaudit replay` prints and sinks never receive.
 */
export type PipelineNotice = AlertNotice | { type: 'closed'; alert: Alert };
