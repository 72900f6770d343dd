/**
 * @kaudit/core: Kubernetes audit events to alerts. Decoding, sanitizing and redaction; rule files,
 * their validation and compilation; event-time windows and suppression as RxJS operators; alerts;
 * the Sink contract; and `createPipeline`, which assembles them.
 */
export { KauditError } from './errors.js';

export type { AuditEvent, ObjectReference, UserInfo } from './event/audit-event.js';
export { eventTime } from './event/event-time.js';
export { parseTimestamp } from './event/parse-timestamp.js';
export { compileFactPath, factPathProblem, parseFactPath, type FactGetter } from './event/fact-path.js';
export { DERIVED_FACTS, isDerivedFact, type DerivedFact } from './event/derived-facts.js';
export { eventFactGetter } from './event/resolve-fact.js';

export * from './decode/index.js';
export * from './redact/index.js';

export {
  SEVERITIES,
  type Severity,
  type RuleFile,
  type RuleDefinition,
  type RuleSpec,
  type RuleSetSpec,
  type Condition,
  type TopLevelCondition,
  type LeafCondition,
  type ConditionReference,
  type BooleanCondition,
  type ThresholdSpec,
  type SuppressSpec,
  type SequenceDefinition,
  type SequenceStepDefinition,
  type NewTermDefinition,
  type RuleTestCase,
  type ExpectedAlert,
  type RuleTestSpec,
  type ProfileFile,
  alertKeyFacts,
} from './rules/rule-file.js';
export { RulesError, type RuleProblem } from './rules/rule-problem.js';
export { parseDuration, formatDuration } from './rules/duration.js';
export { RULE_FILE_SCHEMA } from './rules/rule-file-schema.js';
export { validateRuleFile } from './rules/validate-rule-file.js';
export {
  loadRuleFiles,
  parseRuleSet,
  type LoadRuleFilesOptions,
  type ParseRuleSetOptions,
  type ParsedRuleFile,
} from './rules/load-rule-files.js';
export { listProfiles, PROFILES_FOLDER, type ProfileSpec } from './rules/profiles.js';
export {
  runRuleTests,
  runRuleTestFiles,
  ruleTestCoverage,
  compareAlerts,
  withDefaults as withRuleTestDefaults,
  RULE_TEST_EPOCH,
  type RunRuleTestsOptions,
  type RunRuleTestFilesOptions,
  type RuleTestAlert,
  type RuleTestCaseResult,
  type RuleCoverage,
  type RuleTestReport,
} from './rules/rule-tests.js';
export {
  formatRuleTestReport,
  describeRuleTestFailure,
  type FormatRuleTestReportOptions,
} from './rules/rule-tests-report.js';
export {
  compileRuleSet,
  ruleSetProblems,
  type CompiledRule,
  type CompiledRuleSet,
  type CompileRuleSetOptions,
} from './rules/compile-rule-set.js';
export { OPERATORS, KAUDIT_OPERATORS, DECORATORS } from './rules/operators.js';
export { createReferenceEngine, type ReferenceEngine } from './rules/reference-engine.js';

export type { Alert, AlertNotice, EventSummary, PipelineNotice } from './alert/alert.js';
export { alertId } from './alert/alert-id.js';
export { compileMessage, defaultMessage, type MessageContext, type RenderMessage } from './alert/message-template.js';
export { summarizeEvent, summaryOf, summaryRecord, SummaryRecord } from './alert/summarize-event.js';
export { createInternTable, type InternTable, type InternTableOptions } from './alert/intern.js';

export type { Sink, SendContext, SendResult } from './sink/sink.js';
export {
  createDelivery,
  type Delivery,
  type DeliveryEvent,
  type DeliveryHealth,
  type DeliveryOptions,
} from './delivery/create-delivery.js';
export { compileRoutes, type Route, type Router } from './delivery/routes.js';
export {
  KAUDIT_CONFIG_SCHEMA,
  validateKauditConfig,
  deliveryOptionsFromConfig,
  durationMs,
  type KauditConfig,
  type SinkConfig,
  type DeliveryConfig,
  type DurationSetting,
  type ValidateConfigOptions,
} from './delivery/delivery-config.js';
export {
  deadLetterFile,
  memoryDeadLetters,
  type DeadLetterEntry,
  type DeadLetterWriter,
} from './delivery/dead-letter.js';
export type { DeliveryCounters, DeliveryStats, SinkDeliveryStats } from './delivery/delivery-stats.js';
export type { DestinationHealth } from './delivery/destination-queue.js';
export { DEFAULT_RETRY, retryDelay, type RetryPolicy } from './delivery/backoff.js';
export type { RateLimit } from './delivery/token-bucket.js';
export { systemClock, schedulerClock, type ClockTimer, type DeliveryClock } from './delivery/clock.js';
export { createManualClock, type ManualClock } from './delivery/manual-clock.js';

export { evaluate, type EvaluatedEvent } from './stream/evaluate.js';
export {
  eventTimeOrder,
  isStateful,
  type EventTimeOrderOptions,
  type Match,
  type Ordered,
  type Watermark,
} from './stream/event-time-order.js';
export { threshold, type Occurrence, type ThresholdOptions } from './stream/threshold.js';
export { suppress, type SuppressOptions } from './stream/suppress.js';
export { sequence, type SequenceOptions } from './stream/sequence.js';
export { newTerm, type NewTermOptions } from './stream/new-term.js';
export { detect, DEFAULT_MAX_STATE_KEYS, type DetectOptions } from './stream/detect.js';
export { createKeyBudget, mapsHolder, type KeyBudget, type KeyHolder } from './stream/key-budget.js';
export { createStreamStats, type StreamStats } from './stream/stream-stats.js';

export {
  createPipeline,
  type Pipeline,
  type PipelineOptions,
  type PipelineStats,
  type PushResult,
} from './pipeline/create-pipeline.js';
