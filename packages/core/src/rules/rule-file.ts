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

/** One step of a {@link SequenceDefinition}: the conditions an event must match, and its key facts. */
export interface SequenceStepDefinition {
  /** A name for people (messages, docs); optional. */
  name?: string;
  conditions: TopLevelCondition;
  /**
   * Facts whose values must equal the first step's key values, position by position. Paths may differ
   * per step (`responseObject.metadata.name` then `objectRef.name`); lengths may not. Default: none.
   */
  key?: string[];
}

/** Fire when the steps match in event-time order, keys equal, the last within `within` of the first. */
export interface SequenceDefinition {
  within: string;
  /** Two or more steps. */
  steps: SequenceStepDefinition[];
}

/** Fire when this combination of the fields' values was not seen within `history` before. */
export interface NewTermDefinition {
  /** Facts whose values make the term; an event lacking any of them is ignored. */
  fields: string[];
  /** How long a term stays known after it was last seen: `7d`. */
  history: string;
  /** Learn silently for this long (event time) after the rule's first match. Default `0s`. */
  learnFor?: string;
}

/** One rule, as written in a file. */
export interface RuleDefinition {
  name: string;
  title?: string;
  description?: string;
  severity: Severity;
  tags?: string[];
  enabled?: boolean;
  /** Required unless the rule has a `sequence`. */
  conditions?: TopLevelCondition;
  /** Instead of `conditions`: a sequence of steps correlated on event time. */
  sequence?: SequenceDefinition;
  /** With `conditions`: fire only on a combination of values not seen recently. */
  newTerm?: NewTermDefinition;
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

/** One alert a rule test expects: `count` is the alert's final count, `key` a subset of its key. */
export interface ExpectedAlert {
  rule: string;
  count?: number;
  key?: Record<string, unknown>;
}

/** An inline test case of a rule file (`tests`): events in, the scoped rules' alerts compared with `expect`. */
export interface RuleTestCase {
  name: string;
  /** Whose alerts are compared; default: every rule of the file. */
  rules?: string[];
  /** Run with this environment profile; `null`: without any, whatever profile the run has. */
  profile?: string | null;
  /** Partial audit events; defaults fill in apiVersion, kind, level, stage, auditID and timestamps. */
  events?: Array<Record<string, unknown>>;
  /** Instead of `events`: a file of events (JSON, JSON lines or an EventList), relative to the rule file. */
  eventsFile?: string;
  /** The alerts the scoped rules must raise, as a multiset; `[]`: none. */
  expect: ExpectedAlert[];
}

/** A whole rule file. */
export interface RuleFile {
  $schema?: string;
  lists?: Record<string, unknown[]>;
  conditions?: Record<string, Condition>;
  rules: RuleDefinition[];
  tests?: RuleTestCase[];
}

/**
 * An environment profile (`rules/profiles/<name>.json`): its lists are appended to the loaded rule
 * files' lists of the same name when the profile is selected.
 */
export interface ProfileFile {
  $schema?: string;
  /** The profile's name: the file's name without `.json`. */
  profile: string;
  description?: string;
  lists: Record<string, unknown[]>;
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
  /**
   * For a sequence rule: its steps. `conditions` then holds `{ any: [step conditions...] }`, so the
   * evaluate stage reports the rule for an event matching any step; the sequence stage tells which.
   */
  sequence?: {
    within: number;
    withinText: string;
    steps: Array<{ name?: string; conditions: TopLevelCondition; key: string[] }>;
  };
  newTerm?: { fields: string[]; history: number; historyText: string; learnFor: number };
  suppress?: { for: number; forText: string; key: string[] };
  /** The rule's own lateness in ms, when it sets one. */
  lateness?: number;
  message?: string;
  /** The file it was loaded from and its index there, for error messages. */
  source: { file: string; index: number };
}

/** A validated inline test case, with where it came from and its scope resolved. */
export interface RuleTestSpec {
  name: string;
  /** Whose alerts are compared: the case's `rules`, else every rule of its file. */
  scope: string[];
  /** Whether `rules` was written (coverage counts a quiet case only for rules it names). */
  scoped: boolean;
  /** The case's own profile; `null`: none, whatever the run's. */
  profile?: string | null;
  events?: Array<Record<string, unknown>>;
  /** Absolute (or as given, resolved against the rule file's folder) path of the events file. */
  eventsFile?: string;
  expect: ExpectedAlert[];
  source: { file: string; index: number };
}

/** Validated rule files merged into one set: lists and shared conditions are global, names unique. */
export interface RuleSetSpec {
  lists: Record<string, unknown[]>;
  conditions: Record<string, Condition>;
  rules: RuleSpec[];
  files: string[];
  /** The inline test cases of the files, in file order (absent when none was loaded). */
  tests?: RuleTestSpec[];
  /** The environment profile applied, when one was selected. */
  profile?: string;
}

/** The key facts of a rule's alerts: suppress key, else threshold groupBy, else the last sequence step's key, else the newTerm fields. */
export function alertKeyFacts(spec: RuleSpec): string[] {
  return (
    spec.suppress?.key ??
    spec.threshold?.groupBy ??
    spec.sequence?.steps[spec.sequence.steps.length - 1]!.key ??
    spec.newTerm?.fields ??
    []
  );
}
