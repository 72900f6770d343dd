import { describe, expect, it } from 'vitest';
import { compileRuleSet, createPipeline, parseRuleSet } from '@kaudit/core';
import { Registry } from 'prom-client';
import { createMetrics } from './metrics.js';
import { eventList, RULE_NAME, sample, secretReads, testPipeline } from './test-server.js';

describe('createMetrics', () => {
  it('reads the pipeline counters at scrape time', async () => {
    const { pipeline } = testPipeline();
    const metrics = createMetrics({ pipeline, defaultMetrics: false });
    expect(sample(await metrics.text(), 'kaudit_events_received_total')).toBe(0);
    pipeline.pushBody(eventList([...secretReads(3), { kind: 1 }]));
    const text = await metrics.text();
    expect(sample(text, 'kaudit_events_received_total')).toBe(3);
    expect(sample(text, `kaudit_rule_matches_total{rule="${RULE_NAME}"}`)).toBe(3);
    expect(text).toMatch(/^kaudit_events_rejected_total\{reason="[^\n]*"\} 1$/m);
    await pipeline.end();
    expect(sample(await metrics.text(), 'kaudit_alerts_total{severity="high"}')).toBe(1);
    metrics.close();
  });

  it('counts suppressed occurrences and delivered roll-ups apart from new alerts', async () => {
    const rules = compileRuleSet(
      parseRuleSet([
        {
          file: 'r.json',
          json: {
            rules: [
              {
                name: 'secret-read',
                title: 'Secret read',
                severity: 'low',
                conditions: { all: [{ fact: 'objectRef.resource', operator: 'equal', value: 'secrets' }] },
                suppress: { for: '10m', key: ['user.username'] },
              },
            ],
          },
        },
      ]),
    );
    const pipeline = createPipeline({
      rules,
      tick: false,
      lateness: 0,
      delivery: { rate: { perSecond: 1000, burst: 1000 }, digest: false },
      sinks: [{ id: 'memory', type: 'memory', send: async () => ({ status: 'delivered' }) }],
    });
    const metrics = createMetrics({ pipeline, defaultMetrics: false });
    pipeline.pushBody(eventList(secretReads(3)));
    await pipeline.end();
    const text = await metrics.text();
    expect(sample(text, 'kaudit_alerts_total{severity="low"}')).toBe(1);
    expect(sample(text, 'kaudit_suppressed_total')).toBe(2);
    expect(sample(text, 'kaudit_deliveries_total{sink="memory",outcome="delivered"}')).toBe(1);
    // Roll-ups queued behind their alert may be coalesced into one update: delivered + coalesced = 2.
    const rollups = sample(text, 'kaudit_rollups_total')!;
    expect(rollups + sample(text, 'kaudit_deliveries_total{sink="memory",outcome="rollup_coalesced"}')!).toBe(2);
    expect(rollups).toBe(sample(text, 'kaudit_deliveries_total{sink="memory",outcome="rollup_delivered"}'));
  });

  it('records rule reloads: outcome counts, rules loaded, and whether the last one failed', async () => {
    const { pipeline } = testPipeline();
    const metrics = createMetrics({ pipeline, defaultMetrics: false });
    let text = await metrics.text();
    expect(sample(text, 'kaudit_rules_reloads_total{outcome="failed"}')).toBe(0);
    expect(sample(text, 'kaudit_rules_reload_failing')).toBe(0);
    metrics.ruleReload('ok', 42);
    metrics.ruleReload('failed');
    text = await metrics.text();
    expect(sample(text, 'kaudit_rules_reloads_total{outcome="ok"}')).toBe(1);
    expect(sample(text, 'kaudit_rules_reloads_total{outcome="failed"}')).toBe(1);
    expect(sample(text, 'kaudit_rules_loaded')).toBe(42);
    expect(sample(text, 'kaudit_rules_reload_failing')).toBe(1);
    metrics.ruleReload('ok', 43);
    text = await metrics.text();
    expect(sample(text, 'kaudit_rules_reload_failing')).toBe(0);
    expect(sample(text, 'kaudit_rules_loaded')).toBe(43);
  });

  it('exports tracked queues, redeliveries, request durations, and the process metrics into the given registry', async () => {
    const { pipeline } = testPipeline();
    const registry = new Registry();
    const metrics = createMetrics({ pipeline, registry });
    let depth = 7;
    metrics.trackQueue('pending_bytes', () => depth);
    metrics.redelivered(400);
    metrics.observeRequest('/audit', 200, 0.02);
    depth = 9;
    const text = await registry.metrics();
    expect(metrics.registry).toBe(registry);
    expect(metrics.contentType).toMatch(/^text\/plain/);
    expect(sample(text, 'kaudit_queue_depth{queue="pending_bytes"}')).toBe(9);
    expect(sample(text, 'kaudit_redeliveries_dropped_total')).toBe(1);
    expect(sample(text, 'kaudit_redelivered_events_dropped_total')).toBe(400);
    expect(sample(text, 'kaudit_http_request_duration_seconds_bucket{le="0.025",route="/audit",status="200"}')).toBe(1);
    expect(sample(text, 'kaudit_http_request_duration_seconds_bucket{le="0.01",route="/audit",status="200"}')).toBe(0);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });
});
