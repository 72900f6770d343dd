import type { DeliveryCounters, Pipeline } from '@kaudit/core';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** The pipeline whose counters are exported. */
  pipeline: Pipeline;
  /** Where the metrics are registered. Default: a registry of their own (never prom-client's global one). */
  registry?: Registry;
  /** prom-client's process metrics (CPU, memory, event loop lag, ...). Default true. */
  defaultMetrics?: boolean;
}

/** The server's Prometheus metrics; see {@link createMetrics}. */
export interface Metrics {
  readonly registry: Registry;
  /** The content type of {@link Metrics.text} (Prometheus text format). */
  readonly contentType: string;
  /** Every metric in the Prometheus text format, pipeline counters read now. */
  text(): Promise<string>;
  /** A redelivered batch of `events` events was dropped (answered 200, not pushed). */
  redelivered(events: number): void;
  /** One HTTP request answered: `route` is a fixed label (`/audit`, ..., `other`), never the raw path. */
  observeRequest(route: string, status: number, seconds: number): void;
  /** A rules reload attempt: `ok` (with the rule count now loaded) or `failed` (the running rules stay). */
  ruleReload(outcome: 'ok' | 'failed', ruleCount?: number): void;
  /** Exports `read()` as `kaudit_queue_depth{queue}`, read at scrape time (e.g. `pending_bytes`). */
  trackQueue(queue: string, read: () => number): void;
  /** Stops listening to the pipeline's notices. */
  close(): void;
}

/** Delivery outcome labels, from the delivery layer's counter names (`queued` is a depth, not an outcome). */
const OUTCOMES: readonly [keyof DeliveryCounters, string][] = [
  ['alerts', 'routed'],
  ['delivered', 'delivered'],
  ['digested', 'digested'],
  ['digests', 'digest_messages'],
  ['deadLettered', 'dead_lettered'],
  ['rollups', 'rollup_delivered'],
  ['coalesced', 'rollup_coalesced'],
  ['rollupsDeadLettered', 'rollup_dead_lettered'],
  ['retried', 'retried'],
  ['rateLimited', 'rate_limited'],
  ['rejectedConfig', 'rejected_config'],
  ['rejectedPayload', 'rejected_payload'],
];

/** A counter whose value is read from a live object at scrape time. */
function liveCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/**
 * The server's Prometheus metrics (prefix `kaudit_`). The pipeline's own counters (`pipeline.stats`,
 * delivery counters and health) are read when scraped, so the event path pays nothing for them;
 * alerts by severity come from the pipeline's notices. The app adds request durations, redeliveries
 * and its queue depths; `kaudit serve` adds rule reloads.
 *
 * @example
 * const metrics = createMetrics({ pipeline });
 * const app = createApp({ pipeline, metrics });
 * metrics.ruleReload('ok', rules.rules.length);
 */
export function createMetrics(options: MetricsOptions): Metrics {
  const { pipeline } = options;
  const registry = options.registry ?? new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const stats = pipeline.stats;

  liveCounter(registry, 'kaudit_events_received_total', 'Audit events decoded and evaluated.', () => stats.events);
  new Counter({
    name: 'kaudit_events_rejected_total',
    help: 'Items refused by decoding (not audit events, over the limits), by reason.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(stats.rejectedByReason)) this.inc({ reason }, n);
    },
  });
  const redeliveries = new Counter({
    name: 'kaudit_redeliveries_dropped_total',
    help: 'Request bodies identical to one already processed (API-server retries), answered 200 and not processed again.',
    registers: [registry],
  });
  const redeliveredEvents = new Counter({
    name: 'kaudit_redelivered_events_dropped_total',
    help: 'Events inside dropped redeliveries.',
    registers: [registry],
  });
  new Counter({
    name: 'kaudit_rule_matches_total',
    help: 'Events that matched a rule, by rule.',
    labelNames: ['rule'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [rule, n] of Object.entries(stats.matches)) this.inc({ rule }, n);
    },
  });
  const alerts = new Counter({
    name: 'kaudit_alerts_total',
    help: 'New alerts raised, by severity.',
    labelNames: ['severity'],
    registers: [registry],
  });
  liveCounter(
    registry,
    'kaudit_suppressed_total',
    'Occurrences suppressed into an alert already raised (each becomes a roll-up update).',
    () => stats.rollups,
  );
  liveCounter(registry, 'kaudit_rollups_total', 'Roll-up updates delivered by sinks.', () =>
    Object.values(stats.deliveries).reduce((sum, s) => sum + s.rollups, 0),
  );
  liveCounter(registry, 'kaudit_late_matches_total', 'Matches that arrived after the watermark.', () => stats.late);
  liveCounter(
    registry,
    'kaudit_forced_releases_total',
    'Matches released early because the ordering buffer was full.',
    () => stats.forced,
  );
  liveCounter(
    registry,
    'kaudit_keys_evicted_total',
    'Window, sequence, new-term and suppression keys dropped at a key cap (per rule, or all rules together).',
    () => stats.evicted,
  );
  liveCounter(registry, 'kaudit_redacted_total', 'Secret values replaced by redaction.', () => stats.redacted);
  new Counter({
    name: 'kaudit_deliveries_total',
    help: 'Delivery outcomes by sink: routed, delivered, digested, dead_lettered, retried, rate_limited, rejected_*, ...',
    labelNames: ['sink', 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [sink, counters] of Object.entries(stats.deliveries)) {
        for (const [key, outcome] of OUTCOMES) this.inc({ sink, outcome }, counters[key]);
      }
    },
  });
  new Gauge({
    name: 'kaudit_sink_healthy',
    help: '1 while a sink destination works, 0 while it is unhealthy (configuration fault); does not affect /readyz.',
    labelNames: ['sink', 'destination'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [sink, health] of Object.entries(pipeline.delivery.health().sinks)) {
        for (const [destination, h] of Object.entries(health.destinations)) {
          this.set({ sink, destination }, h.healthy ? 1 : 0);
        }
      }
    },
  });
  const queues = new Map<string, () => number>([
    ['delivery', () => Object.values(stats.deliveries).reduce((sum, s) => sum + s.queued, 0)],
  ]);
  new Gauge({
    name: 'kaudit_queue_depth',
    help: 'Queue depths: delivery (notices waiting for sinks), pending_bytes (request bytes read, not yet processed), in_flight_requests.',
    labelNames: ['queue'],
    registers: [registry],
    collect() {
      for (const [queue, read] of queues) this.set({ queue }, read());
    },
  });
  new Gauge({
    name: 'kaudit_delivery_queue_depth',
    help: 'Notices waiting per sink destination.',
    labelNames: ['sink', 'destination'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [sink, s] of Object.entries(stats.deliveries)) {
        for (const [destination, d] of Object.entries(s.destinations)) this.set({ sink, destination }, d.queued);
      }
    },
  });
  const durations = new Histogram({
    name: 'kaudit_http_request_duration_seconds',
    help: 'HTTP request durations, by route and status.',
    labelNames: ['route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const reloads = new Counter({
    name: 'kaudit_rules_reloads_total',
    help: 'Rule reload attempts, by outcome (a failed reload keeps the running rules).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  // Both outcomes appear from the start, so a rate() over them works before the first failure.
  reloads.inc({ outcome: 'ok' }, 0);
  reloads.inc({ outcome: 'failed' }, 0);
  const rulesLoaded = new Gauge({ name: 'kaudit_rules_loaded', help: 'Rules running now.', registers: [registry] });
  const reloadFailing = new Gauge({
    name: 'kaudit_rules_reload_failing',
    help: '1 while the last rules reload failed (the rule files on disk are broken), else 0.',
    registers: [registry],
  });
  reloadFailing.set(0);

  // The only per-notice work: one increment per new alert.
  const subscription = pipeline.notices$.subscribe({
    next: (notice) => {
      if (notice.type === 'alert') alerts.inc({ severity: notice.alert.severity });
    },
    error: () => undefined,
  });

  return {
    registry,
    contentType: registry.contentType,
    text: () => registry.metrics(),
    redelivered(events) {
      redeliveries.inc();
      redeliveredEvents.inc(events);
    },
    observeRequest(route, status, seconds) {
      durations.observe({ route, status: String(status) }, seconds);
    },
    ruleReload(outcome, ruleCount) {
      reloads.inc({ outcome });
      reloadFailing.set(outcome === 'failed' ? 1 : 0);
      if (ruleCount !== undefined) rulesLoaded.set(ruleCount);
    },
    trackQueue(queue, read) {
      queues.set(queue, read);
    },
    close() {
      subscription.unsubscribe();
    },
  };
}
