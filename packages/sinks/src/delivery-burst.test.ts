import { createPipeline, deadLetterFile, type Sink } from '@kaudit/core';
import { startSlackTestServer } from '@kaudit/sinks/testing';
import { describe, expect, it } from 'vitest';
import { slackSink } from './slack/slack-sink.js';
import {
  alertingEvent,
  alertsReceived,
  deadLetterDir,
  excessOverLimit,
  testRules,
  waitsAfter429,
} from './test-delivery-kit.js';

const CHANNEL = 'C-SEC-FEED';
// Slack allows about 1 message/s per channel; test server and delivery both run 10x faster so the test
// takes seconds. The 1/s default itself is proven in virtual time (core create-delivery.test.ts).
const RATE = { perSecond: 10, burst: 3 };
// Local HTTP jitter between the client starting a call and the server reading its clock.
const JITTER_MS = 100;

describe('delivery end to end: a burst of 300 alerts for one Slack channel', () => {
  it('never posts faster than the limit, honours every Retry-After and accounts for every alert', async () => {
    const slack = await startSlackTestServer({ rateLimit: RATE });
    const dead = await deadLetterDir();
    try {
      // Two 429s with Retry-After: 2 s on top of the server's own limiter (Retry-After >= 1 s).
      slack.fail({ status: 429, retryAfter: 2, channel: CHANNEL, method: 'chat.postMessage', times: 2 });
      const slackApi = slackSink({ token: slack.token, channel: CHANNEL, apiUrl: slack.apiUrl });
      // The real sink, with the time each call starts noted: the limit as the client keeps it.
      const started: number[] = [];
      const sink: Sink = {
        ...slackApi,
        send: (notice, context) => {
          started.push(Date.now());
          return slackApi.send(notice, context);
        },
      };
      const pipeline = createPipeline({
        rules: testRules(),
        sinks: [sink],
        tick: false,
        delivery: {
          rate: RATE,
          // Small digests give more messages, so the rate check sees a long series of posts.
          digest: { threshold: 10, maxAlerts: 10 },
          deadLetter: deadLetterFile(dead.path),
          drainTimeout: 120_000,
        },
      });
      const kinds = ['exec', 'secret', 'delete'] as const;
      for (let i = 0; i < 300; i++) pipeline.push(alertingEvent(kinds[i % 3]!, i));
      await pipeline.end();

      // Nothing lost: every alert produced was delivered alone, delivered in a digest, or dead-lettered.
      const stats = pipeline.stats.deliveries.slack!;
      expect(pipeline.stats.alerts).toBe(300);
      expect(stats.alerts).toBe(300);
      expect(stats.delivered + stats.digested + stats.deadLettered).toBe(300);
      expect(stats.deadLettered).toBe(0);
      expect(await dead.read()).toEqual([]);
      expect(stats.queued).toBe(0);

      // Slack's side agrees: 300 alerts arrived, in as many messages as delivery counted.
      const received = alertsReceived(slack.messages(CHANNEL));
      expect(received.alerts).toBe(300);
      expect(received.messages).toBe(stats.delivered + stats.digests);
      expect(received.digests).toBe(stats.digests);
      expect(stats.digests).toBeGreaterThan(0);

      // Never faster than the limit, counting every call (refused ones too): exactly as the client starts
      // them (1 ms of timer rounding), and at the server's clock, where local HTTP adds some jitter.
      const posts = slack.calls.filter((c) => c.method === 'chat.postMessage' && c.channel === CHANNEL);
      expect(posts.length).toBeGreaterThan(25);
      expect(started).toHaveLength(posts.length);
      expect(excessOverLimit(started, RATE.perSecond, RATE.burst, 1)).toBeLessThanOrEqual(0);
      const accepted = posts.map((c) => c.at);
      expect(excessOverLimit(accepted, RATE.perSecond, RATE.burst, JITTER_MS)).toBeLessThanOrEqual(0);

      // Every 429's Retry-After honoured: the injected ones asked 2 s, the limiter at least 1 s.
      const waits = waitsAfter429(posts);
      expect(waits).toHaveLength(slack.rateLimited);
      expect(waits.slice(0, 2).every((w) => w >= 2000)).toBe(true);
      expect(waits.every((w) => w >= 1000)).toBe(true);
      expect(stats.rateLimited).toBe(slack.rateLimited);
    } finally {
      await slack.close();
      await dead.remove();
    }
  });
});

describe("delivery end to end: one channel's 429", () => {
  it('pauses only that channel while another keeps posting', async () => {
    const slack = await startSlackTestServer({ rateLimit: RATE });
    try {
      slack.fail({ status: 429, retryAfter: 5, channel: 'C-PAUSED', method: 'chat.postMessage', times: 1 });
      const sinks = ['C-PAUSED', 'C-FLOWING'].map((channel) =>
        slackSink({ id: channel, token: slack.token, channel, apiUrl: slack.apiUrl }),
      );
      const pipeline = createPipeline({
        rules: testRules(),
        sinks,
        routes: [
          { rules: ['exec-into-pod'], sinks: ['C-PAUSED'] },
          { rules: ['secret-read'], sinks: ['C-FLOWING'] },
        ],
        tick: false,
        delivery: { rate: RATE, digest: false },
      });
      for (let i = 0; i < 16; i++) pipeline.push(alertingEvent(i % 2 === 0 ? 'exec' : 'secret', i));
      await pipeline.end();

      const paused = slack.calls.filter((c) => c.channel === 'C-PAUSED');
      const flowing = slack.messages('C-FLOWING');
      expect(paused[0]).toMatchObject({ status: 429 });
      expect(paused[1]!.at - paused[0]!.at).toBeGreaterThanOrEqual(5000);
      // All 8 alerts of the other channel were posted while the first one waited out its Retry-After.
      expect(flowing).toHaveLength(8);
      expect(flowing.every((m) => m.at < paused[1]!.at)).toBe(true);
      expect(slack.messages('C-PAUSED')).toHaveLength(8);
      // (The server's own limiter may add a 429 of its own when local HTTP bunches two calls up.)
      const refused = (channel: string) => slack.calls.filter((c) => c.channel === channel && c.status === 429).length;
      expect(pipeline.stats.deliveries['C-PAUSED']).toMatchObject({ delivered: 8, rateLimited: refused('C-PAUSED') });
      expect(pipeline.stats.deliveries['C-FLOWING']).toMatchObject({ delivered: 8, rateLimited: refused('C-FLOWING') });
    } finally {
      await slack.close();
    }
  });
});
