import { createPipeline, type AlertNotice, type SendContext } from '@kaudit/core';
import { startSlackTestServer, type SlackTestServer } from '@kaudit/sinks/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { testAlert } from '../block-kit/test-alert.js';
import { hostileAlert } from '../block-kit/test-hostile-alert.js';
import { repeatedPatch, testRules } from '../test-delivery-kit.js';
import { parseMessageRef } from './message-ref.js';
import { slackSink } from './slack-sink.js';

const CHANNEL = 'C-ALERTS';
const context = (extra: Partial<SendContext> = {}): SendContext => ({
  signal: new AbortController().signal,
  attempt: 1,
  ...extra,
});
const alertNotice = (overrides = {}): AlertNotice => ({ type: 'alert', alert: testAlert(overrides) });
/** The ref a sink returns for a message: its channel ID and ts. */
const refOf = (message: { channel: string; ts: string }) => `${message.channel}/${message.ts}`;
/** The ts of a ref, to read its thread. */
const tsOf = (ref: string) => parseMessageRef(ref).ts;
const rollupNotice = (suppressed: number): AlertNotice => ({
  type: 'rollup',
  alert: testAlert({ count: 1 + suppressed, suppressed }),
});

describe('slackSink', () => {
  let slack: SlackTestServer;
  beforeEach(async () => {
    slack = await startSlackTestServer();
  });
  afterEach(async () => {
    await slack.close();
  });
  const sink = (options: { token?: string; channel?: string; timeout?: number } = {}) =>
    slackSink({ token: slack.token, channel: CHANNEL, apiUrl: slack.apiUrl, ...options });

  it('posts one message per alert and returns its channel ID and ts as the ref', async () => {
    const result = await sink().send(alertNotice(), context());
    const [message] = slack.messages(CHANNEL);
    expect(result).toEqual({ status: 'delivered', ref: `${CHANNEL}/${message!.ts}` });
    expect(slack.messages()).toHaveLength(1);
    expect(message!.text).toContain('Exec into a pod');
    expect(message!.blocks?.[0]).toMatchObject({ type: 'header' });
    expect(message!.params).toMatchObject({ link_names: 'false', unfurl_links: 'false', unfurl_media: 'false' });
    expect(message!.params).not.toHaveProperty('token');
  });

  it('a hostile alert, its roll-up and a digest of it are accepted by Slack, escaped', async () => {
    const s = sink();
    const hostile = hostileAlert();
    const first = await s.send({ type: 'alert', alert: hostile }, context());
    expect(first.status).toBe('delivered');
    const ref = (first as { ref: string }).ref;
    expect(await s.send({ type: 'rollup', alert: hostile }, context({ ref }))).toEqual({ status: 'delivered', ref });
    expect((await s.send({ type: 'digest', alert: hostile, digest: [hostile, hostile] }, context())).status).toBe(
      'delivered',
    );
    expect(slack.replies(tsOf(ref))).toHaveLength(1);
    expect(slack.updates).toHaveLength(1);
    const received = JSON.stringify([slack.messages(CHANNEL), slack.replies(tsOf(ref)), slack.updates]);
    expect(received).not.toMatch(/<[!@#]|<https/);
    expect(slack.calls.every((call) => call.status === 200 && call.error === undefined)).toBe(true);
  });

  it('posts a digest without returning a ref, so no roll-up rewrites it into one alert', async () => {
    const other = testAlert({ id: 'alert-2', key: { 'user.username': 'eve' } });
    expect(await sink().send({ type: 'digest', alert: testAlert(), digest: [testAlert(), other] }, context())).toEqual({
      status: 'delivered',
    });
    expect(slack.messages(CHANNEL).map((m) => m.text)).toEqual(['[HIGH] 2 alerts of exec-into-pod: Exec into a pod']);
  });

  it('names the channel as its destination', () => {
    expect(sink().destination?.(alertNotice())).toBe(CHANNEL);
  });

  it('threads roll-ups under the alert and updates its count in place', async () => {
    const s = sink();
    const first = await s.send(alertNotice(), context());
    expect(first.status).toBe('delivered');
    const ref = (first as { ref: string }).ref;
    for (const suppressed of [1, 2, 3]) {
      const rollup: AlertNotice = { type: 'rollup', alert: testAlert({ count: 1 + suppressed, suppressed }) };
      expect(await s.send(rollup, context({ ref }))).toEqual({ status: 'delivered', ref });
    }
    expect(slack.messages(CHANNEL)).toHaveLength(1);
    const replies = slack.replies(tsOf(ref));
    expect(replies).toHaveLength(3);
    expect(replies.map((r) => r.text)).toEqual([
      expect.stringContaining('2 events (+1 rolled up)'),
      expect.stringContaining('3 events (+2 rolled up)'),
      expect.stringContaining('4 events (+3 rolled up)'),
    ]);
    const parent = slack.messages(CHANNEL)[0]!;
    expect(parent.edits).toBe(3);
    expect(JSON.stringify(parent.blocks)).toContain('count *4*');
    expect(JSON.stringify(parent.blocks)).toContain('rolled up *3*');
  });

  it('posts a roll-up without a ref as the alert message itself', async () => {
    const result = await sink().send({ type: 'rollup', alert: testAlert({ count: 5, suppressed: 4 }) }, context());
    expect(result).toEqual({ status: 'delivered', ref: refOf(slack.messages(CHANNEL)[0]!) });
    expect(slack.updates).toHaveLength(0);
  });

  it('posts a new message when the alert message is gone', async () => {
    const result = await sink().send(
      { type: 'rollup', alert: testAlert({ count: 2, suppressed: 1 }) },
      context({ ref: `${CHANNEL}/1.000001` }),
    );
    const [message] = slack.messages(CHANNEL);
    expect(result).toEqual({ status: 'delivered', ref: refOf(message!) });
    expect(message!.text).toContain('Exec into a pod');
  });

  it('retries a 429 after Retry-After', async () => {
    slack.fail({ status: 429, retryAfter: 7 });
    expect(await sink().send(alertNotice(), context())).toEqual({
      status: 'retry',
      reason: '[sinks] [slack] ratelimited',
      code: 'ratelimited',
      after: 7000,
    });
    expect(slack.rateLimited).toBe(1);
    expect(slack.messages()).toHaveLength(0);
  });

  it("retries when the server's own rate limit answers 429, once per call (no SDK retries)", async () => {
    await slack.close();
    slack = await startSlackTestServer({ rateLimit: { perSecond: 0.001, burst: 1 } });
    const s = sink();
    expect((await s.send(alertNotice(), context())).status).toBe('delivered');
    const second = await s.send(alertNotice(), context());
    expect(second).toMatchObject({ status: 'retry', code: 'ratelimited' });
    expect((second as { after: number }).after).toBeGreaterThanOrEqual(1000);
    expect(slack.calls).toHaveLength(2);
  });

  it('retries a 5xx', async () => {
    slack.fail({ status: 503 });
    expect(await sink().send(alertNotice(), context())).toMatchObject({
      status: 'retry',
      code: 'http_503',
      reason: '[sinks] [slack] http_503',
    });
    // One call: the SDK's own retries are off, the delivery layer owns retrying.
    expect(slack.calls).toHaveLength(1);
  });

  it.each(['internal_error', 'service_unavailable', 'fatal_error'])('retries ok:false %s', async (error) => {
    slack.fail({ error });
    expect(await sink().send(alertNotice(), context())).toMatchObject({ status: 'retry', code: error });
  });

  it('retries when the connection is refused', async () => {
    await slack.down();
    const result = await sink().send(alertNotice(), context());
    expect(result).toMatchObject({ status: 'retry', code: 'request_error' });
    expect((result as { reason: string }).reason).toMatch(/^\[sinks\] \[slack\] request_error/);
    await slack.up();
    expect((await sink().send(alertNotice(), context())).status).toBe('delivered');
  });

  it('retries after a timeout', async () => {
    slack.slow(2000, 1);
    expect(await sink({ timeout: 100 }).send(alertNotice(), context())).toMatchObject({
      status: 'retry',
      code: 'timeout',
    });
  });

  it('rejects a bad token as configuration, without the token in the reason', async () => {
    const result = await sink({ token: 'xoxb-wrong-secret' }).send(alertNotice(), context());
    expect(result).toEqual({
      status: 'rejected',
      kind: 'config',
      code: 'invalid_auth',
      reason: '[sinks] [slack] invalid_auth',
    });
    expect(JSON.stringify(result)).not.toContain('xoxb');
  });

  it.each(['channel_not_found', 'not_in_channel', 'is_archived', 'token_revoked', 'missing_scope'])(
    'rejects %s as configuration',
    async (error) => {
      slack.fail({ error, channel: CHANNEL });
      expect(await sink().send(alertNotice(), context())).toMatchObject({
        status: 'rejected',
        kind: 'config',
        code: error,
      });
    },
  );

  it.each(['msg_too_long', 'invalid_blocks', 'no_text', 'too_many_attachments'])(
    'rejects %s as payload',
    async (error) => {
      slack.fail({ error });
      expect(await sink().send(alertNotice(), context())).toEqual({
        status: 'rejected',
        kind: 'payload',
        code: error,
        reason: `[sinks] [slack] ${error}`,
      });
    },
  );

  it('sends the minimal variant as text only', async () => {
    const result = await sink().send(alertNotice(), context({ minimal: true }));
    expect(result.status).toBe('delivered');
    const [message] = slack.messages(CHANNEL);
    expect(message!.blocks).toBeUndefined();
    expect(message!.text).toBe('[HIGH] Exec into a pod — mallory ran a shell in prod/web-0 (exec-into-pod, count 1)');
  });

  it('a failed roll-up update is retried without posting a reply', async () => {
    const s = sink();
    const { ref } = (await s.send(alertNotice(), context())) as { ref: string };
    slack.fail({ error: 'internal_error', method: 'chat.update' });
    const rollup: AlertNotice = { type: 'rollup', alert: testAlert({ count: 2, suppressed: 1 }) };
    expect(await s.send(rollup, context({ ref }))).toMatchObject({ status: 'retry', code: 'internal_error' });
    expect(slack.replies(tsOf(ref))).toHaveLength(0);
    expect(await s.send(rollup, context({ ref }))).toEqual({ status: 'delivered', ref });
    expect(slack.replies(tsOf(ref))).toHaveLength(1);
  });

  it('answers aborted when the delivery layer aborts a call in flight', async () => {
    slack.slow(60_000, 1);
    const controller = new AbortController();
    const pending = sink().send(alertNotice(), context({ signal: controller.signal }));
    await vi.waitFor(() => expect(slack.calls).toHaveLength(1));
    controller.abort();
    expect(await pending).toMatchObject({ status: 'retry', code: 'aborted', reason: '[sinks] [slack] aborted' });
  });

  it('answers aborted without calling Slack when the attempt is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await sink().send(alertNotice(), context({ signal: controller.signal }))).toMatchObject({
      status: 'retry',
      code: 'aborted',
    });
    expect(slack.calls).toHaveLength(0);
  });

  it('refuses options without a token', () => {
    expect(() => slackSink({ token: '', channel: CHANNEL })).toThrow('[sinks] [slack] a token is required');
  });

  describe('with a channel given by name', () => {
    it.each(['#sec-feed', 'sec-feed'])(
      '%s: one message, its count updated in place by channel ID, the roll-ups in its thread',
      async (name) => {
        const s = sink({ channel: name });
        const id = slack.channelId(name);
        expect(id).toMatch(/^C0[0-9A-Z]+$/);
        const first = await s.send(alertNotice(), context());
        const [message] = slack.messages(id);
        expect(first).toEqual({ status: 'delivered', ref: `${id}/${message!.ts}` });
        const ref = (first as { ref: string }).ref;
        for (const suppressed of [1, 2, 3]) {
          expect(await s.send(rollupNotice(suppressed), context({ ref }))).toEqual({ status: 'delivered', ref });
        }

        expect(slack.messages()).toEqual([message]);
        expect(message!.edits).toBe(3);
        expect(JSON.stringify(message!.blocks)).toContain('count *4*');
        const replies = slack.replies(message!.ts);
        expect(replies.map((r) => [r.channel, r.text])).toEqual([
          [id, expect.stringContaining('2 events (+1 rolled up)')],
          [id, expect.stringContaining('3 events (+2 rolled up)')],
          [id, expect.stringContaining('4 events (+3 rolled up)')],
        ]);
        // Only the first post goes by name; every update and reply names the ID Slack answered with.
        expect(slack.calls.map((c) => [c.method, c.channel, c.error ?? 'ok'])).toEqual([
          ['chat.postMessage', name, 'ok'],
          ...[1, 2, 3].flatMap(() => [
            ['chat.update', id, 'ok'],
            ['chat.postMessage', id, 'ok'],
          ]),
        ]);
        expect(s.destination?.(alertNotice())).toBe(name);
      },
    );

    it('through a pipeline: nothing dead-lettered, the channel stays healthy', async () => {
      const s = sink({ channel: '#sec-feed' });
      const pipeline = createPipeline({
        rules: testRules(),
        sinks: [s],
        tick: false,
        lateness: 0,
        delivery: { rate: { perSecond: 50 } },
      });
      // Bursts with pauses, as live traffic: the alert, then roll-ups that each reach Slack.
      for (const burst of [
        [0, 1],
        [2, 3],
        [4, 5],
      ]) {
        pipeline.push(burst.map(repeatedPatch));
        await pipeline.delivery.drain();
      }
      await pipeline.end();

      const stats = pipeline.stats.deliveries.slack!;
      expect(stats).toMatchObject({ alerts: 1, delivered: 1, deadLettered: 0, rollupsDeadLettered: 0 });
      expect(stats.rollups).toBeGreaterThanOrEqual(2);
      expect(pipeline.delivery.health().healthy).toBe(true);
      const [message, ...others] = slack.messages('#sec-feed');
      expect(others).toEqual([]);
      expect(message!.edits).toBe(stats.rollups);
      expect(slack.replies(message!.ts)).toHaveLength(stats.rollups);
      expect(slack.calls.filter((c) => c.error !== undefined)).toEqual([]);
    });

    it('a bare-ts ref: a new message, whose ID later roll-ups use, not a configuration error', async () => {
      const s = sink({ channel: '#sec-feed' });
      await s.send(alertNotice(), context());
      const [old] = slack.messages('#sec-feed');
      // The ID is unknown, and Slack's chat.update takes no name.
      const result = await s.send(rollupNotice(1), context({ ref: old!.ts }));
      const [, renewed, ...others] = slack.messages('#sec-feed');
      expect(others).toEqual([]);
      expect(result).toEqual({ status: 'delivered', ref: refOf(renewed!) });
      expect(JSON.stringify(renewed!.blocks)).toContain('count *2*');
      expect(slack.calls.map((c) => c.error ?? 'ok')).toEqual(['ok', 'channel_not_found', 'ok']);

      const ref = (result as { ref: string }).ref;
      expect(await s.send(rollupNotice(2), context({ ref }))).toEqual({ status: 'delivered', ref });
      expect(renewed!.edits).toBe(1);
      expect(slack.replies(renewed!.ts)).toHaveLength(1);
    });
  });

  it('reads a bare-ts ref with a channel ID as before: the thread and count of that message', async () => {
    const s = sink();
    await s.send(alertNotice(), context());
    const [message] = slack.messages(CHANNEL);
    expect(await s.send(rollupNotice(1), context({ ref: message!.ts }))).toEqual({
      status: 'delivered',
      ref: message!.ts,
    });
    expect(message!.edits).toBe(1);
    expect(slack.replies(message!.ts)).toHaveLength(1);
    expect(slack.messages()).toHaveLength(1);
  });

  it('a bare-ts ref whose channel is gone is still a configuration error', async () => {
    slack.fail({ error: 'channel_not_found', channel: CHANNEL, times: Infinity });
    expect(await sink().send(rollupNotice(1), context({ ref: '1.000001' }))).toMatchObject({
      status: 'rejected',
      kind: 'config',
      code: 'channel_not_found',
    });
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.update', 'chat.postMessage']);
  });
});
