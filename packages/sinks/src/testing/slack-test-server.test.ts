import { LogLevel, WebClient } from '@slack/web-api';
import { IncomingWebhook } from '@slack/webhook';
import { afterEach, describe, expect, it } from 'vitest';
import { startSlackTestServer, type SlackTestServer, type SlackTestServerOptions } from './slack-test-server.js';

let slack: SlackTestServer | undefined;
afterEach(async () => {
  await slack?.close();
  slack = undefined;
});

async function start(options: SlackTestServerOptions = {}): Promise<SlackTestServer> {
  slack = await startSlackTestServer(options);
  return slack;
}

/** A raw call, to check the protocol itself rather than a client's view of it. */
async function call(server: SlackTestServer, method: string, body: string, headers: Record<string, string>) {
  const response = await fetch(`${server.apiUrl}${method}`, { method: 'POST', body, headers });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

const json = (server: SlackTestServer, token = server.token) => ({
  'content-type': 'application/json; charset=utf-8',
  authorization: `Bearer ${token}`,
});

const client = (server: SlackTestServer) =>
  new WebClient(server.token, {
    slackApiUrl: server.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });

describe('startSlackTestServer: Web API', () => {
  it('accepts chat.postMessage from the real client (form body) and records it', async () => {
    const server = await start();
    const result = await client(server).chat.postMessage({
      channel: 'C1',
      text: 'hello',
      blocks: [{ type: 'divider' }],
    });
    expect(result).toMatchObject({ ok: true, channel: 'C1', ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    expect(server.messages('C1')).toEqual([
      expect.objectContaining({
        channel: 'C1',
        ts: result.ts,
        text: 'hello',
        blocks: [{ type: 'divider' }],
        via: 'api',
      }),
    ]);
    expect(server.calls).toEqual([expect.objectContaining({ method: 'chat.postMessage', channel: 'C1', status: 200 })]);
  });

  it('accepts JSON bodies with a bearer token, and form bodies with a token parameter', async () => {
    const server = await start();
    const viaJson = await call(server, 'chat.postMessage', JSON.stringify({ channel: 'C1', text: 'a' }), json(server));
    expect(viaJson.body).toMatchObject({ ok: true });
    const form = new URLSearchParams({ token: server.token, channel: 'C1', text: 'b' }).toString();
    const viaForm = await call(server, 'chat.postMessage', form, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(viaForm.body).toMatchObject({ ok: true });
    expect(server.messages('C1').map((m) => m.text)).toEqual(['a', 'b']);
    expect(server.messages('C1')[1]!.params).not.toHaveProperty('token');
  });

  it('answers not_authed and invalid_auth', async () => {
    const server = await start();
    const body = JSON.stringify({ channel: 'C1', text: 'a' });
    expect((await call(server, 'chat.postMessage', body, { 'content-type': 'application/json' })).body).toEqual({
      ok: false,
      error: 'not_authed',
    });
    expect((await call(server, 'chat.postMessage', body, json(server, 'xoxb-other'))).body).toEqual({
      ok: false,
      error: 'invalid_auth',
    });
    expect(server.messages()).toHaveLength(0);
  });

  it('knows only the configured channels when given', async () => {
    const server = await start({ channels: ['C1'] });
    await expect(client(server).chat.postMessage({ channel: 'C2', text: 'x' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
  });

  it.each([
    ['no text nor blocks', {}, 'no_text'],
    [
      'a header over 150',
      { blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] },
      'invalid_blocks',
    ],
    ['a mrkdwn header', { blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }] }, 'invalid_blocks'],
    [
      'a section over 3,000',
      { blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 's'.repeat(3001) } }] },
      'invalid_blocks',
    ],
    [
      '11 fields',
      { blocks: [{ type: 'section', fields: Array(11).fill({ type: 'mrkdwn', text: 'f' }) }] },
      'invalid_blocks',
    ],
    [
      'a field over 2,000',
      { blocks: [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] }] },
      'invalid_blocks',
    ],
    ['51 blocks', { blocks: Array(51).fill({ type: 'divider' }) }, 'invalid_blocks'],
    [
      'over 10,000 characters of blocks',
      { blocks: Array(4).fill({ type: 'section', text: { type: 'mrkdwn', text: 's'.repeat(2600) } }) },
      'msg_blocks_too_long',
    ],
    ['text over 40,000', { text: 't'.repeat(40_001) }, 'msg_too_long'],
    ['blocks that are not JSON', { blocks: '[{' }, 'invalid_blocks_format'],
  ])('refuses %s', async (_, payload, error) => {
    const server = await start();
    const response = await call(
      server,
      'chat.postMessage',
      JSON.stringify({ channel: 'C1', ...payload }),
      json(server),
    );
    expect(response.body).toEqual({ ok: false, error });
    expect(server.messages()).toHaveLength(0);
    expect(server.calls).toEqual([expect.objectContaining({ status: 200, error })]);
  });

  it('records threads by thread_ts and applies chat.update to the message', async () => {
    const server = await start();
    const web = client(server);
    const parent = await web.chat.postMessage({ channel: 'C1', text: 'count 1' });
    await web.chat.postMessage({ channel: 'C1', text: 'reply', thread_ts: parent.ts! });
    await web.chat.update({ channel: 'C1', ts: parent.ts!, text: 'count 2' });
    expect(server.messages('C1')).toEqual([expect.objectContaining({ ts: parent.ts, text: 'count 2', edits: 1 })]);
    expect(server.replies(parent.ts!)).toEqual([expect.objectContaining({ text: 'reply', threadTs: parent.ts })]);
    expect(server.updates).toEqual([expect.objectContaining({ channel: 'C1', ts: parent.ts, text: 'count 2' })]);
    await expect(web.chat.update({ channel: 'C1', ts: '1.000000', text: 'x' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
  });

  it('resolves a channel name on chat.postMessage to a stable ID, which it answers and records', async () => {
    const server = await start();
    const web = client(server);
    const byHash = await web.chat.postMessage({ channel: '#sec-feed', text: 'a' });
    const id = byHash.channel!;
    expect(id).toMatch(/^C0[0-9A-Z]{7,}$/);
    expect(server.channelId('#sec-feed')).toBe(id);
    expect(server.channelId('sec-feed')).toBe(id);
    expect(server.channelId('C-ALERTS')).toBe('C-ALERTS');
    expect(server.channelId('#other')).not.toBe(id);
    expect(await web.chat.postMessage({ channel: 'sec-feed', text: 'b' })).toMatchObject({ ok: true, channel: id });
    expect(await web.chat.postMessage({ channel: id, text: 'c' })).toMatchObject({ ok: true, channel: id });
    for (const channel of ['#sec-feed', 'sec-feed', id]) {
      expect(server.messages(channel).map((m) => [m.channel, m.text])).toEqual([
        [id, 'a'],
        [id, 'b'],
        [id, 'c'],
      ]);
    }
    // Calls keep the channel as addressed.
    expect(server.calls.map((c) => c.channel)).toEqual(['#sec-feed', 'sec-feed', id]);
    const again = await startSlackTestServer();
    try {
      expect(again.channelId('#sec-feed')).toBe(id);
    } finally {
      await again.close();
    }
  });

  it('answers channel_not_found to chat.update by channel name, as Slack does, and updates by ID', async () => {
    const server = await start();
    const web = client(server);
    const parent = await web.chat.postMessage({ channel: '#sec-feed', text: 'count 1' });
    for (const channel of ['#sec-feed', 'sec-feed']) {
      await expect(web.chat.update({ channel, ts: parent.ts!, text: 'count 2' })).rejects.toMatchObject({
        data: { ok: false, error: 'channel_not_found' },
      });
    }
    expect(server.updates).toEqual([]);
    await web.chat.postMessage({ channel: parent.channel!, text: 'reply', thread_ts: parent.ts! });
    expect(await web.chat.update({ channel: parent.channel!, ts: parent.ts!, text: 'count 2' })).toMatchObject({
      ok: true,
      channel: parent.channel,
    });
    expect(server.messages('#sec-feed')).toEqual([expect.objectContaining({ text: 'count 2', edits: 1 })]);
    expect(server.replies(parent.ts!)).toEqual([expect.objectContaining({ channel: parent.channel, text: 'reply' })]);
    expect(server.updates).toEqual([expect.objectContaining({ channel: parent.channel, ts: parent.ts })]);
  });

  it('knows configured channels by name and by ID, sharing one rate limit and failure filter', async () => {
    const server = await start({ channels: ['#sec-feed'], rateLimit: { perSecond: 1, burst: 1 }, now: () => 0 });
    const web = client(server);
    const id = server.channelId('sec-feed');
    await expect(web.chat.postMessage({ channel: '#other', text: 'x' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    expect(await web.chat.postMessage({ channel: id, text: 'x' })).toMatchObject({ ok: true, channel: id });
    await expect(web.chat.postMessage({ channel: '#sec-feed', text: 'x' })).rejects.toMatchObject({
      code: 'slack_webapi_rate_limited_error',
    });
    server.reset();
    server.fail({ error: 'is_archived', channel: id });
    await expect(web.chat.postMessage({ channel: 'sec-feed', text: 'x' })).rejects.toMatchObject({
      data: { error: 'is_archived' },
    });
  });

  it('enforces the per-channel rate limit with 429 and Retry-After, on its clock', async () => {
    let now = 1_000_000;
    const server = await start({ rateLimit: { perSecond: 1, burst: 2 }, now: () => now });
    const post = (channel: string) =>
      call(server, 'chat.postMessage', JSON.stringify({ channel, text: 'x' }), json(server));
    expect((await post('C1')).status).toBe(200);
    expect((await post('C1')).status).toBe(200);
    expect(await post('C1')).toEqual({ status: 429, retryAfter: '1', body: { ok: false, error: 'ratelimited' } });
    // Another channel has its own bucket.
    expect((await post('C2')).status).toBe(200);
    now += 1000;
    expect((await post('C1')).status).toBe(200);
    expect((await post('C1')).status).toBe(429);
    expect(server.rateLimited).toBe(2);
    expect(server.acceptedAt('C1')).toEqual([1_000_000, 1_000_000, 1_001_000]);
    expect(server.acceptedAt()).toEqual([1_000_000, 1_000_000, 1_000_000, 1_001_000]);
  });

  it('injects failures per channel and method, for the next N calls', async () => {
    const server = await start();
    server.fail({ error: 'channel_not_found', channel: 'C2', times: Infinity });
    server.fail({ status: 503, method: 'chat.postMessage', times: 1 });
    server.fail({ status: 429, retryAfter: 30, channel: 'C3' });
    const post = (channel: string) =>
      call(server, 'chat.postMessage', JSON.stringify({ channel, text: 'x' }), json(server));
    expect((await post('C1')).status).toBe(503);
    expect((await post('C1')).status).toBe(200);
    expect((await post('C2')).body).toEqual({ ok: false, error: 'channel_not_found' });
    expect((await post('C2')).body).toEqual({ ok: false, error: 'channel_not_found' });
    expect(await post('C3')).toMatchObject({ status: 429, retryAfter: '30' });
    expect((await post('C3')).status).toBe(200);
    server.reset();
    expect((await post('C2')).status).toBe(200);
    expect(server.calls).toHaveLength(1);
  });

  it('refuses connections during an outage and comes back on the same port', async () => {
    const server = await start();
    const web = client(server);
    await server.down();
    await expect(fetch(`${server.apiUrl}chat.postMessage`, { method: 'POST' })).rejects.toMatchObject({
      cause: { code: 'ECONNREFUSED' },
    });
    await server.up();
    expect(await web.chat.postMessage({ channel: 'C1', text: 'back' })).toMatchObject({ ok: true });
    await server.outage(10);
    expect(await web.chat.postMessage({ channel: 'C1', text: 'again' })).toMatchObject({ ok: true });
    expect(server.messages('C1')).toHaveLength(2);
  });

  it('delays answers while slow', async () => {
    const server = await start();
    server.slow(5_000, 1);
    const web = new WebClient(server.token, {
      slackApiUrl: server.apiUrl,
      retryConfig: { retries: 0 },
      timeout: 50,
      logLevel: LogLevel.ERROR,
    });
    await expect(web.chat.postMessage({ channel: 'C1', text: 'late' })).rejects.toMatchObject({
      original: { name: 'TimeoutError' },
    });
    expect(await web.chat.postMessage({ channel: 'C1', text: 'on time' })).toMatchObject({ ok: true });
  });
});

describe('startSlackTestServer: incoming webhooks', () => {
  it('accepts posts from the real webhook client, answering ok', async () => {
    const server = await start();
    const result = await new IncomingWebhook(server.webhookUrl('#alerts')).send({
      text: 'hi',
      blocks: [{ type: 'divider' }],
    });
    expect(result).toEqual({ text: 'ok' });
    expect(server.messages('#alerts')).toEqual([
      expect.objectContaining({ text: 'hi', via: 'webhook', blocks: [{ type: 'divider' }] }),
    ]);
    // Recorded under the channel's ID, like an API post to the same name.
    expect(server.messages()[0]!.channel).toBe(server.channelId('#alerts'));
    expect(server.messages('alerts')).toHaveLength(1);
    expect(server.webhookUrl('#alerts')).toBe(server.webhookUrl('#alerts'));
  });

  it('answers 404 no_service for an unknown hook, Slack statuses for injected errors, 400 for invalid payloads', async () => {
    const server = await start();
    const unknown = await fetch(`${server.url}/services/T/B/nope`, { method: 'POST', body: '{}' });
    expect([unknown.status, await unknown.text()]).toEqual([404, 'no_service']);
    const hook = new IncomingWebhook(server.webhookUrl('#alerts'));
    server.fail({ error: 'channel_is_archived', method: 'webhook' });
    await expect(hook.send({ text: 'x' })).rejects.toMatchObject({ statusCode: 410, body: 'channel_is_archived' });
    server.fail({ status: 429, retryAfter: 4, method: 'webhook' });
    const limited = await fetch(server.webhookUrl('#alerts'), { method: 'POST', body: '{"text":"x"}' });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '4']);
    await expect(hook.send({ blocks: Array(51).fill({ type: 'divider' }) })).rejects.toMatchObject({
      statusCode: 400,
      body: 'invalid_blocks',
    });
    const broken = await fetch(server.webhookUrl('#alerts'), {
      method: 'POST',
      body: '{',
      headers: { 'content-type': 'application/json' },
    });
    expect([broken.status, await broken.text()]).toEqual([400, 'invalid_payload']);
    expect(server.messages()).toHaveLength(0);
  });
});
