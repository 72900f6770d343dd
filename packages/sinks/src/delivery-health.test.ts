import { readFile } from 'node:fs/promises';
import { createPipeline, deadLetterFile, type DeliveryEvent } from '@kaudit/core';
import { startSlackTestServer, type SlackTestServer } from '@kaudit/sinks/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliverySetup } from './config/delivery-setup.js';
import { parseConfig } from './config/load-config.js';
import { slackSink } from './slack/slack-sink.js';
import { alertingEvent, alertsReceived, deadLetterDir, testRules } from './test-delivery-kit.js';

const RATE = { perSecond: 10, burst: 3 };

describe('delivery end to end: configuration faults', () => {
  let slack: SlackTestServer;
  let dead: Awaited<ReturnType<typeof deadLetterDir>>;
  beforeEach(async () => {
    slack = await startSlackTestServer({ rateLimit: RATE, channels: ['C-FEED'] });
    dead = await deadLetterDir();
  });
  afterEach(async () => {
    await slack.close();
    await dead.remove();
  });

  it('invalid_auth marks the sink unhealthy and dead-letters its alerts without a retry storm', async () => {
    const badToken = 'xoxb-0000-revoked-do-not-leak';
    const events: DeliveryEvent[] = [];
    const sink = slackSink({ token: badToken, channel: 'C-FEED', apiUrl: slack.apiUrl });
    const pipeline = createPipeline({
      rules: testRules(),
      sinks: [sink],
      tick: false,
      delivery: { rate: RATE, deadLetter: deadLetterFile(dead.path), onEvent: (e) => events.push(e) },
    });
    const kinds = ['exec', 'secret', 'delete'] as const;
    for (let i = 0; i < 40; i++) pipeline.push(alertingEvent(kinds[i % 3]!, i));
    await pipeline.end();

    // One call found the fault; none of the other 39 alerts reached Slack.
    expect(slack.calls).toHaveLength(1);
    expect(slack.calls[0]).toMatchObject({ method: 'chat.postMessage', error: 'invalid_auth' });
    expect(slack.messages()).toEqual([]);

    expect(pipeline.delivery.health()).toMatchObject({
      healthy: false,
      sinks: { slack: { healthy: false, destinations: { 'C-FEED': { healthy: false, code: 'invalid_auth' } } } },
    });
    expect(events.filter((e) => e.type === 'unhealthy')).toEqual([
      {
        type: 'unhealthy',
        sink: 'slack',
        destination: 'C-FEED',
        reason: '[sinks] [slack] invalid_auth',
        code: 'invalid_auth',
      },
    ]);

    const stats = pipeline.stats.deliveries.slack!;
    expect(stats).toMatchObject({ alerts: 40, delivered: 0, digested: 0, rejectedConfig: 1, retried: 0 });
    // Each alert is a line of the dead-letter file (digests, if any formed, hold several).
    const lines = await dead.read();
    const deadAlerts = lines.reduce((n, l) => n + (l.notice.digest?.length ?? 1), 0);
    expect(deadAlerts).toBe(40);
    expect(stats.deadLettered).toBe(40);
    expect(lines.every((l) => l.sink === 'slack' && l.destination === 'C-FEED' && l.code === 'invalid_auth')).toBe(
      true,
    );
    expect(lines.map((l) => l.attempts)).toEqual([1, ...lines.slice(1).map(() => 0)]);
    expect(await readFile(dead.path, 'utf8')).not.toContain(badToken);
  });

  it('channel_not_found on one route does not stop the others', async () => {
    const config = parseConfig(
      JSON.stringify({
        sinks: [
          { id: 'oncall', type: 'slack', options: { token: '${SLACK_TOKEN}', channel: 'C-GONE' } },
          { id: 'feed', type: 'slack', options: { token: '${SLACK_TOKEN}', channel: 'C-FEED' } },
        ],
        routes: [{ minSeverity: 'critical', sinks: ['oncall'] }, { sinks: ['feed'] }],
        delivery: { rate: RATE, deadLetter: dead.path },
      }),
      'e2e.json',
    );
    const env = { SLACK_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl };
    const events: DeliveryEvent[] = [];
    const pipeline = createPipeline({
      rules: testRules(),
      tick: false,
      ...deliverySetup(config, env, { onEvent: (e) => events.push(e) }),
    });
    const kinds = ['exec', 'secret', 'delete'] as const;
    for (let i = 0; i < 30; i++) pipeline.push(alertingEvent(kinds[i % 3]!, i));
    await pipeline.end();

    // Critical alerts (exec) route to the broken channel: one call, then dead letters.
    expect(slack.calls.filter((c) => c.channel === 'C-GONE')).toHaveLength(1);
    const oncall = pipeline.stats.deliveries.oncall!;
    expect(oncall).toMatchObject({ alerts: 10, deadLettered: 10, delivered: 0, digested: 0 });
    // The rest went on to the feed, all of them.
    const feed = pipeline.stats.deliveries.feed!;
    expect(feed.alerts).toBe(20);
    expect(feed.delivered + feed.digested).toBe(20);
    expect(feed.deadLettered).toBe(0);
    expect(alertsReceived(slack.messages('C-FEED')).alerts).toBe(20);

    expect(pipeline.delivery.health().sinks).toMatchObject({ oncall: { healthy: false }, feed: { healthy: true } });
    expect(events.filter((e) => e.type === 'unhealthy').map((e) => e.type === 'unhealthy' && [e.sink, e.code])).toEqual(
      [['oncall', 'channel_not_found']],
    );
    const lines = await dead.read();
    expect(lines.every((l) => l.sink === 'oncall' && l.code === 'channel_not_found')).toBe(true);
    expect(lines.reduce((n, l) => n + (l.notice.digest?.length ?? 1), 0)).toBe(10);
  });
  it('a refused payload is sent once more, minimal, and delivered', async () => {
    slack.fail({ error: 'invalid_blocks', channel: 'C-FEED', method: 'chat.postMessage', times: 1 });
    const sink = slackSink({ token: slack.token, channel: 'C-FEED', apiUrl: slack.apiUrl });
    const pipeline = createPipeline({ rules: testRules(), sinks: [sink], tick: false, delivery: { rate: RATE } });
    pipeline.push(alertingEvent('exec', 1));
    await pipeline.end();
    const [message] = slack.messages('C-FEED');
    expect(slack.calls.map((c) => c.error ?? 'ok')).toEqual(['invalid_blocks', 'ok']);
    expect(message!.blocks).toBeUndefined();
    expect(message!.text).toContain('Exec into a pod');
    expect(pipeline.stats.deliveries.slack).toMatchObject({ delivered: 1, rejectedPayload: 1, deadLettered: 0 });
    expect(pipeline.delivery.health().healthy).toBe(true);
  });
});
