import { createPipeline } from '@kaudit/core';
import { startSlackTestServer, type SlackTestServer } from '@kaudit/sinks/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliverySetup } from './config/delivery-setup.js';
import { resolveConfig } from './config/load-config.js';
import { alertingEvent, alertsReceived, testRules } from './test-delivery-kit.js';

describe("delivery end to end: the seed's environment variables", () => {
  let slack: SlackTestServer;
  beforeEach(async () => {
    slack = await startSlackTestServer();
  });
  afterEach(async () => {
    await slack.close();
  });

  const deliver = async (env: NodeJS.ProcessEnv, alerts: number) => {
    const { config } = await resolveConfig(undefined, env);
    const pipeline = createPipeline({
      rules: testRules(),
      tick: false,
      ...deliverySetup({ ...config, delivery: { rate: { perSecond: 50, burst: 5 } } }, env),
    });
    for (let i = 0; i < alerts; i++) pipeline.push(alertingEvent('secret', i));
    await pipeline.end();
    return pipeline;
  };

  it('SLACK_TOKEN + CHANNEL_ID + SLACK_API_URL deliver through the Web API', async () => {
    const pipeline = await deliver({ SLACK_TOKEN: slack.token, CHANNEL_ID: 'C-ENV', SLACK_API_URL: slack.apiUrl }, 3);
    expect(slack.messages('C-ENV').map((m) => m.via)).toEqual(['api', 'api', 'api']);
    expect(pipeline.stats.deliveries.slack).toMatchObject({ alerts: 3, delivered: 3 });
  });

  it('SLACK_CHANNEL works as well, and SLACK_WEBHOOK_URL adds a webhook sink', async () => {
    const pipeline = await deliver(
      {
        SLACK_TOKEN: slack.token,
        SLACK_CHANNEL: 'C-API',
        SLACK_API_URL: slack.apiUrl,
        SLACK_WEBHOOK_URL: slack.webhookUrl('C-HOOK'),
      },
      4,
    );
    expect(alertsReceived(slack.messages('C-API')).alerts).toBe(4);
    expect(alertsReceived(slack.messages('C-HOOK')).alerts).toBe(4);
    expect(slack.messages('C-HOOK').every((m) => m.via === 'webhook')).toBe(true);
    expect(Object.keys(pipeline.stats.deliveries).sort()).toEqual(['slack', 'slack-webhook']);
  });
});
