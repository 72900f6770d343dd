/**
 * The rule file format (see docs/rules.md and `kaudit rules schema`). `conditions` are
 * json-rules-engine conditions, unchanged.
 */

/** Alert severities, lowest first. */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
/** One of {@link SEVERITIES}. */
export type Severity = (typeof SEVERITIES)[number];

/** A json-rules-engine leaf condition. `value` may reference a fact: `{ "fact": "system-users" }`. */
export interface LeafCondition {
  fact: string;
  operator: string;
  value: unknown;
  path?: string;
  params?: Record<string, unknown>;
  priority?: number;
  name?: string;
}
/** A reference to a shared condition of the file: `{ "condition": "reads-secrets" }`. */
export interface ConditionReference {
  condition: string;
  priority?: number;
  name?: string;
}
/** `all` / `any` / `not`, as in json-rules-engine. */
export type BooleanCondition =
  | { all: Condition[]; priority?: number; name?: string }
  | { any: Condition[]; priority?: number; name?: string }
  | { not: Condition; priority?: number; name?: string };
/** Any json-rules-engine condition. */
export type Condition = LeafCondition | ConditionReference | BooleanCondition;
/** What a rule's top-level `conditions` may be (json-rules-engine's TopLevelCondition). */
export type TopLevelCondition = BooleanCondition | ConditionReference;

/** Fire when one group has `count` matching events (or `count` distinct values of `distinct`) within `within`. */
export interface ThresholdSpec {
  count: number;
  /** A duration: `30s`, `1m`, `2h`, `500ms`, `1d`. */
  within: string;
  groupBy?: string[];
  distinct?: string;
}

/** Later alerts with the same key within `for` roll up into the first. */
export interface SuppressSpec {
  for: string;
  /** Facts that make the key; default: the threshold's groupBy (or no key: one alert per rule). */
  key?: string[];
}

/** One rule, as written in a file. */
export interface RuleDefinition {
  name: string;
  title?: string;
  description?: string;
  severity: Severity;
  tags?: string[];
  enabled?: boolean;
  conditions: TopLevelCondition;
  threshold?: ThresholdSpec;
  suppress?: SuppressSpec;
  /**
   * How late (event time) this rule's matches may arrive and still be ordered, instead of the pipeline's
   * lateness: lower it to alert sooner, giving up order-independence beyond it (`0s`: alert at once).
   */
  lateness?: string;
  /** A template over facts, `count`, `within`, `distinct`: `{{user.username}} read {{count}} secrets`. */
  message?: string;
}

/** A whole rule file. */
export interface RuleFile {
  $schema?: string;
  lists?: Record<string, unknown[]>;
  conditions?: Record<string, Condition>;
  rules: RuleDefinition[];
}

/** A validated rule, with durations in milliseconds and where it came from. */
export interface RuleSpec {
  name: string;
  title: string;
  description?: string;
  severity: Severity;
  tags: string[];
  enabled: boolean;
  conditions: TopLevelCondition;
  threshold?: { count: number; within: number; withinText: string; groupBy: string[]; distinct?: string };
  suppress?: { for: number; forText: string; key: string[] };
  /** The rule's own lateness in ms, when it sets one. */
  lateness?: number;
  message?: string;
  /** The file it was loaded from and its index there, for error messages. */
  source: { file: string; index: number };
}

/** Validated rule files merged into one set: lists and shared conditions are global, names unique. */
export interface RuleSetSpec {
  lists: Record<string, unknown[]>;
  conditions: Record<string, Condition>;
  rules: RuleSpec[];
  files: string[];
}
