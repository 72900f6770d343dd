import { setTimeout as sleep } from 'node:timers/promises';
import { createPipeline, deadLetterFile, type DeliveryEvent } from '@kaudit/core';
import { startSlackTestServer, type ReceivedMessage } from '@kaudit/sinks/testing';
import { describe, expect, it } from 'vitest';
import { slackSink } from './slack/slack-sink.js';
import { alertingEvent, alertsReceived, deadLetterDir, testRules } from './test-delivery-kit.js';

const CHANNEL = 'C-SEC-FEED';
const RATE = { perSecond: 10, burst: 3 };

describe('delivery end to end: a 10-second Slack outage during a burst', () => {
  it('loses nothing: 5xx, then connection refused, then recovery', async () => {
    const slack = await startSlackTestServer({ rateLimit: RATE });
    const dead = await deadLetterDir();
    const events: DeliveryEvent[] = [];
    try {
      const sink = slackSink({ token: slack.token, channel: CHANNEL, apiUrl: slack.apiUrl, timeout: 2000 });
      const pipeline = createPipeline({
        rules: testRules(),
        sinks: [sink],
        tick: false,
        delivery: {
          rate: RATE,
          // The outage is real (10 s); the backoff is scaled so retries keep probing during it, and the
          // retry budget (maxAge 60 s) outlasts it, as the 15-minute default outlasts a real one.
          retry: { baseDelay: 200, maxDelay: 2000, maxAge: 60_000, maxAttempts: 1000, timeout: 3000 },
          deadLetter: deadLetterFile(dead.path),
          onEvent: (e) => events.push(e),
          drainTimeout: 120_000,
        },
      });
      const kinds = ['exec', 'secret', 'delete'] as const;
      let produced = 0;
      const burst = (async () => {
        // 20 alerts/s for 14 s: twice what the channel takes, through the whole outage.
        for (let i = 0; i < 280; i++) {
          pipeline.push(alertingEvent(kinds[i % 3]!, i));
          produced++;
          await sleep(50);
        }
      })();
      const before: ReceivedMessage[] = [];
      await sleep(1000);
      slack.fail({ status: 503, channel: CHANNEL, times: Infinity });
      await sleep(4000);
      // From 5xx to connection refused: keep what Slack accepted so far, then drop its failures and go away.
      before.push(...slack.messages(CHANNEL));
      const retriedDuring5xx = pipeline.stats.deliveries.slack!.retried;
      slack.reset();
      await slack.down();
      await sleep(6000);
      await slack.up();
      await burst;
      await pipeline.end();

      const stats = pipeline.stats.deliveries.slack!;
      expect(produced).toBe(280);
      expect(pipeline.stats.alerts).toBe(280);
      expect(stats.alerts).toBe(280);
      expect(stats.delivered + stats.digested).toBe(280);
      expect(stats.deadLettered).toBe(0);
      expect(await dead.read()).toEqual([]);
      expect(events.filter((e) => e.type !== 'healthy')).toEqual([]);
      // It really was down: calls failed with 5xx and then could not connect, and were retried.
      expect(retriedDuring5xx).toBeGreaterThan(1);
      expect(stats.retried).toBeGreaterThan(retriedDuring5xx);
      // The backlog became digests instead of minutes of catching up.
      expect(stats.digests).toBeGreaterThan(0);

      // Slack received every alert. A post Slack accepted just as it went down, whose answer was lost,
      // is sent again (at-least-once): allow that one duplicate message, never a loss.
      const received = alertsReceived([...before, ...slack.messages(CHANNEL)]);
      expect(received.alerts).toBeGreaterThanOrEqual(280);
      expect(received.messages - (stats.delivered + stats.digests)).toBeGreaterThanOrEqual(0);
      expect(received.messages - (stats.delivered + stats.digests)).toBeLessThanOrEqual(1);
    } finally {
      await slack.close();
      await dead.remove();
    }
  });
});
