import type { AlertNotice, SendContext, SendResult } from '@kaudit/core';
import { startSlackTestServer, type SlackTestServer } from '@kaudit/sinks/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testAlert } from '../block-kit/test-alert.js';
import { hostileAlert } from '../block-kit/test-hostile-alert.js';
import { slackWebhookSink, type SlackWebhookSinkOptions } from './slack-webhook-sink.js';

const context = (extra: Partial<SendContext> = {}): SendContext => ({
  signal: new AbortController().signal,
  attempt: 1,
  ...extra,
});
const alert: AlertNotice = { type: 'alert', alert: testAlert() };
const rollup = (count: number): AlertNotice => ({ type: 'rollup', alert: testAlert({ count, suppressed: count - 1 }) });

describe('slackWebhookSink', () => {
  let slack: SlackTestServer;
  beforeEach(async () => {
    slack = await startSlackTestServer();
  });
  afterEach(async () => {
    await slack.close();
  });
  const sink = (options: Partial<SlackWebhookSinkOptions> = {}) =>
    slackWebhookSink({ url: slack.webhookUrl('#alerts'), channel: '#alerts', ...options });

  it('posts the alert message and keeps its count as the ref', async () => {
    expect(await sink().send(alert, context())).toEqual({ status: 'delivered', ref: '1' });
    const [message] = slack.messages('#alerts');
    expect(message).toMatchObject({
      via: 'webhook',
      text: '[HIGH] Exec into a pod — mallory ran a shell in prod/web-0',
    });
    expect(message!.blocks?.[0]).toMatchObject({ type: 'header' });
    expect(message!.params).toMatchObject({ link_names: false, unfurl_links: false, unfurl_media: false });
  });

  it('names its channel, never the URL, as destination', () => {
    expect(sink().destination?.(alert)).toBe('#alerts');
    expect(slackWebhookSink({ url: slack.webhookUrl('#x') }).destination?.(alert)).toBe('slack-webhook');
  });

  it('posts "still happening" roll-ups each time the count doubles', async () => {
    const s = sink();
    let result: SendResult = await s.send(alert, context());
    for (let count = 2; count <= 20; count++) {
      const ref = (result as { ref: string }).ref;
      result = await s.send(rollup(count), context({ ref }));
      expect(result.status).toBe('delivered');
    }
    expect(
      slack.messages('#alerts').map((m) => m.text?.match(/still happening: (\d+) events/)?.[1] ?? 'alert'),
    ).toEqual(['alert', '2', '4', '8', '16']);
    expect(result).toEqual({ status: 'delivered', ref: '16' });
  });

  it('posts every roll-up with rollups: all, none with rollups: none', async () => {
    const all = sink({ rollups: 'all' });
    await all.send(rollup(2), context({ ref: '1' }));
    await all.send(rollup(3), context({ ref: '2' }));
    expect(slack.messages()).toHaveLength(2);
    expect(await sink({ rollups: 'none' }).send(rollup(4), context({ ref: '3' }))).toEqual({
      status: 'delivered',
      ref: '3',
    });
    expect(slack.messages()).toHaveLength(2);
    // Even with none, an alert whose message never went out gets one.
    expect(await sink({ rollups: 'none' }).send(rollup(5), context())).toEqual({ status: 'delivered', ref: '5' });
    expect(slack.messages()).toHaveLength(3);
  });

  it('posts a roll-up whose alert was never posted as the alert', async () => {
    expect(await sink().send(rollup(3), context())).toEqual({ status: 'delivered', ref: '3' });
    expect(slack.messages('#alerts')[0]!.blocks?.[0]).toMatchObject({
      text: { text: ':red_circle: HIGH · Exec into a pod' },
    });
  });

  it('posts digests, without a ref', async () => {
    const other = testAlert({ id: 'b', key: { 'user.username': 'eve' } });
    expect(await sink().send({ type: 'digest', alert: testAlert(), digest: [testAlert(), other] }, context())).toEqual({
      status: 'delivered',
    });
    expect(slack.messages('#alerts')[0]!.text).toBe('[HIGH] 2 alerts of exec-into-pod: Exec into a pod');
  });

  it('retries a 429 after its Retry-After', async () => {
    slack.fail({ status: 429, retryAfter: 12, method: 'webhook' });
    expect(await sink().send(alert, context())).toEqual({
      status: 'retry',
      reason: '[sinks] [slack-webhook] rate_limited',
      code: 'rate_limited',
      after: 12_000,
    });
  });

  it("retries when the server's own rate limit answers 429", async () => {
    await slack.close();
    slack = await startSlackTestServer({ rateLimit: { perSecond: 0.001 } });
    const s = sink();
    expect((await s.send(alert, context())).status).toBe('delivered');
    const second = await s.send(alert, context());
    expect(second).toMatchObject({ status: 'retry', code: 'rate_limited' });
    expect((second as { after: number }).after).toBeGreaterThanOrEqual(1000);
  });

  it.each([500, 503])('retries a %i', async (status) => {
    slack.fail({ status, method: 'webhook' });
    expect(await sink().send(alert, context())).toMatchObject({ status: 'retry' });
  });

  it('retries when the connection is refused', async () => {
    await slack.down();
    expect(await sink().send(alert, context())).toMatchObject({ status: 'retry', code: 'request_error' });
  });

  it.each([
    ['channel_not_found', 404],
    ['action_prohibited', 403],
    ['channel_is_archived', 410],
    ['no_service', 404],
    ['invalid_token', 403],
    ['no_active_hooks', 404],
  ])('rejects %s (%i) as configuration, without the URL', async (error) => {
    slack.fail({ error, method: 'webhook' });
    const result = await sink().send(alert, context());
    expect(result).toEqual({
      status: 'rejected',
      kind: 'config',
      code: error,
      reason: `[sinks] [slack-webhook] ${error}`,
    });
    expect(JSON.stringify(result)).not.toContain('secret');
  });

  it('rejects an unknown hook (404 no_service) as configuration', async () => {
    const result = await slackWebhookSink({ url: `${slack.url}/services/T0/B0/gone` }).send(alert, context());
    expect(result).toMatchObject({ status: 'rejected', kind: 'config', code: 'no_service' });
  });

  it.each(['invalid_payload', 'invalid_blocks', 'no_text'])('rejects %s (400) as payload', async (error) => {
    slack.fail({ error, method: 'webhook' });
    expect(await sink().send(alert, context())).toMatchObject({ status: 'rejected', kind: 'payload', code: error });
  });

  it('a hostile alert is accepted by Slack, escaped', async () => {
    expect((await sink().send({ type: 'alert', alert: hostileAlert() }, context())).status).toBe('delivered');
    expect(JSON.stringify(slack.messages())).not.toMatch(/<[!@#]|<https/);
  });

  it('sends the minimal variant as text only', async () => {
    await sink().send(alert, context({ minimal: true }));
    expect(slack.messages()[0]!.blocks).toBeUndefined();
  });
});
