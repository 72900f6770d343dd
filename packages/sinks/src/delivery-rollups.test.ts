import { createPipeline } from '@kaudit/core';
import { startSlackTestServer } from '@kaudit/sinks/testing';
import { describe, expect, it } from 'vitest';
import { slackSink } from './slack/slack-sink.js';
import { slackWebhookSink } from './webhook/slack-webhook-sink.js';
import { repeatedPatch, testRules } from './test-delivery-kit.js';

const CHANNEL = 'C-SEC-FEED';

describe('delivery end to end: a suppressed alert repeated 50 times', () => {
  it('becomes one Slack message with a thread, whose count reads 51', async () => {
    const slack = await startSlackTestServer({ rateLimit: { perSecond: 10, burst: 3 } });
    try {
      const sink = slackSink({ token: slack.token, channel: CHANNEL, apiUrl: slack.apiUrl });
      const pipeline = createPipeline({
        rules: testRules(),
        sinks: [sink],
        tick: false,
        delivery: { rate: { perSecond: 10 } },
      });
      const notices: string[] = [];
      pipeline.notices$.subscribe((n) => notices.push(n.type));
      for (let n = 0; n <= 50; n++) pipeline.push(repeatedPatch(n));
      await pipeline.end();

      // The rule stage raised one alert and rolled the 50 repeats into it.
      expect(notices.filter((t) => t === 'alert')).toHaveLength(1);
      expect(notices.filter((t) => t === 'rollup')).toHaveLength(50);

      const messages = slack.messages(CHANNEL);
      expect(messages).toHaveLength(1);
      const parent = messages[0]!;
      expect(JSON.stringify(parent.blocks)).toContain('count *51*');
      expect(parent.edits).toBeGreaterThanOrEqual(1);
      const thread = slack.replies(parent.ts);
      expect(thread.length).toBeGreaterThanOrEqual(1);
      expect(thread.at(-1)!.text).toContain('51 events (+50 rolled up)');

      // Roll-ups waiting behind the alert merged into the newest: no 50-reply flood.
      const stats = pipeline.stats.deliveries.slack!;
      expect(stats).toMatchObject({ alerts: 1, delivered: 1, deadLettered: 0 });
      expect(stats.rollups + stats.coalesced).toBe(50);
      expect(thread).toHaveLength(stats.rollups);
      expect(stats.rollups).toBeLessThanOrEqual(2);
    } finally {
      await slack.close();
    }
  });
});

describe('delivery end to end: roll-ups through an incoming webhook', () => {
  it('turns 50 repeats into the alert plus one "still happening" message reading 51', async () => {
    const slack = await startSlackTestServer();
    try {
      const sink = slackWebhookSink({ url: slack.webhookUrl('C-HOOK'), channel: '#sec-hook' });
      const pipeline = createPipeline({
        rules: testRules(),
        sinks: [sink],
        tick: false,
        delivery: { rate: { perSecond: 50 } },
      });
      // A webhook cannot thread: the 50 roll-ups coalesce behind the alert into one short follow-up.
      for (let n = 0; n <= 50; n++) pipeline.push(repeatedPatch(n));
      await pipeline.end();
      const stats = pipeline.stats.deliveries['slack-webhook']!;
      expect(stats).toMatchObject({ alerts: 1, delivered: 1, deadLettered: 0, rollupsDeadLettered: 0 });
      const texts = slack.messages('C-HOOK').map((m) => m.text ?? '');
      expect(texts).toHaveLength(2);
      expect(texts[1]).toContain('51 events (+50 rolled up)');
    } finally {
      await slack.close();
    }
  });
});
