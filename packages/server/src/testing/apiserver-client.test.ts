import { Buffer } from 'node:buffer';
import { once } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { KauditError, type DeliveryClock } from '@kaudit/core';
import { createApiServerClient, parseRetryAfter, type AttemptRecord } from './apiserver-client.js';
import { makeCertificates } from './certificates.js';

/** What the test server saw of one request. */
interface Received {
  body: Buffer;
  headers: http.IncomingHttpHeaders;
  /** Client certificate CN, over mutual TLS. */
  peer?: string;
}

/** How the test server answers one request: a status (with headers), a dropped connection, or no answer at all. */
type Answer = { status: number; headers?: Record<string, string> } | 'drop' | 'hang';

/**
 * A real HTTP(S) server on a loopback port that answers requests from a script (then 200s), records
 * every request, and writes into `timeline` so tests can check what happened before what.
 */
async function testServer(script: Answer[] = [], tls?: https.ServerOptions) {
  const received: Received[] = [];
  const timeline: string[] = [];
  const hung: http.ServerResponse[] = [];
  let arrivals: (() => void)[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const cn = (req.socket as TLSSocket).getPeerCertificate?.()?.subject?.CN;
      const peer = Array.isArray(cn) ? cn.join(',') : cn;
      received.push({ body: Buffer.concat(chunks), headers: req.headers, ...(peer ? { peer } : {}) });
      timeline.push(`request ${received.length}`);
      const answer = script.shift() ?? { status: 200 };
      if (answer === 'drop') req.socket.destroy();
      else if (answer === 'hang') hung.push(res);
      else {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(JSON.stringify({ status: answer.status }));
      }
      const waiting = arrivals;
      arrivals = [];
      for (const w of waiting) w();
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const close = async (): Promise<void> => {
    for (const res of hung) res.destroy();
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  };
  /** Resolves once `n` requests have arrived in all. */
  const requests = async (n: number): Promise<void> => {
    while (received.length < n) await new Promise<void>((resolve) => arrivals.push(resolve));
  };
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/audit`, received, timeline, hung, requests, close };
}

/**
 * Virtual durations, real order: records every delay asked for and waits a thousandth of it, so 10 s of
 * backoff take 10 ms and a test asserts the delays the client chose, never wall time.
 */
function recordingClock(timeline: string[]): DeliveryClock & { asked: number[] } {
  const asked: number[] = [];
  return {
    asked,
    now: () => Date.now(),
    setTimeout(callback, ms) {
      asked.push(ms);
      const timer = setTimeout(() => {
        timeline.push(`waited ${ms}`);
        callback();
      }, ms / 1000);
      return { cancel: () => clearTimeout(timer) };
    },
  };
}

const event = (i: number) => ({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: `id-${i}`, verb: 'get' });
const items = (r: Received): { auditID: string }[] => JSON.parse(r.body.toString('utf8')).items;
// A timeout far beyond what a loopback answer takes, even on a busy machine (an hour, waited as 3.6 s).
const SLOW_OK = 3_600_000;

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function started(script?: Answer[], tls?: https.ServerOptions) {
  const server = await testServer(script, tls);
  servers.push(server);
  return server;
}

describe('createApiServerClient', () => {
  it('sends EventList batches of at most maxBatchSize, serialized as the API server does', async () => {
    const server = await started();
    const client = createApiServerClient({ url: server.url, maxBatchSize: 3, timeout: SLOW_OK });
    for (let i = 0; i < 7; i++) await client.send(event(i));
    const stats = await client.close();

    expect(server.received).toHaveLength(3);
    const batches = server.received.map(items).sort((a, b) => a[0]!.auditID.localeCompare(b[0]!.auditID));
    expect(batches.map((b) => b.map((e) => e.auditID))).toEqual([
      ['id-0', 'id-1', 'id-2'],
      ['id-3', 'id-4', 'id-5'],
      ['id-6'],
    ]);
    const first = server.received.find((r) => items(r)[0]!.auditID === 'id-0')!;
    expect(first.body.toString('utf8')).toBe(
      `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[${[0, 1, 2].map((i) => JSON.stringify(event(i))).join(',')}]}`,
    );
    expect(first.headers['content-type']).toBe('application/json');
    expect(stats).toMatchObject({ events: 7, batches: 3, delivered: 3, deliveredEvents: 7, attempts: 3, retries: 0 });
    expect(stats.byStatus).toEqual({ '200': 3 });
  });

  it('sends a partial batch once maxBatchWait has passed since its first event', async () => {
    const server = await started();
    const clock = recordingClock(server.timeline);
    const client = createApiServerClient({ url: server.url, maxBatchWait: 5000, timeout: SLOW_OK, clock });
    await client.send([event(1), event(2)]);
    await server.requests(1);

    expect(server.timeline.slice(0, 2)).toEqual(['waited 5000', 'request 1']);
    expect(items(server.received[0]!).map((e) => e.auditID)).toEqual(['id-1', 'id-2']);
    await client.close();
  });

  it('retries every kind of failure with growing backoff, sending the very same bytes each time', async () => {
    const server = await started([{ status: 500 }, 'drop', { status: 404 }, { status: 401 }]);
    const clock = recordingClock(server.timeline);
    const attempts: AttemptRecord[] = [];
    const client = createApiServerClient({
      url: server.url,
      timeout: SLOW_OK,
      backoff: { jitter: 0 },
      clock,
      onAttempt: (a) => attempts.push(a),
    });
    await client.send([event(1), event(2), event(3)]);
    const stats = await client.close();

    expect(attempts.map((a) => [a.outcome, a.retryIn])).toEqual([
      [500, 10_000],
      ['network', 15_000],
      [404, 22_500],
      [401, 33_750],
      [200, undefined],
    ]);
    expect(server.timeline).toEqual([
      'request 1',
      'waited 10000',
      'request 2',
      'waited 15000',
      'request 3',
      'waited 22500',
      'request 4',
      'waited 33750',
      'request 5',
    ]);
    const [first, ...rest] = server.received.map((r) => r.body);
    for (const body of rest) expect(body.equals(first!)).toBe(true);
    expect(stats).toMatchObject({ batches: 1, attempts: 5, retries: 4, delivered: 1, dropped: 0 });
    expect(stats.byStatus).toEqual({ '500': 1, network: 1, '404': 1, '401': 1, '200': 1 });
  });

  it('adds at most `jitter` of each delay at random', async () => {
    const server = await started([{ status: 503 }, { status: 503 }]);
    const attempts: AttemptRecord[] = [];
    const client = createApiServerClient({
      url: server.url,
      timeout: SLOW_OK,
      backoff: { initial: 100, factor: 2, jitter: 0.5 },
      random: () => 0.5,
      clock: recordingClock(server.timeline),
      onAttempt: (a) => attempts.push(a),
    });
    await client.send(event(1));
    await client.close();
    expect(attempts.map((a) => a.retryIn)).toEqual([125, 250, undefined]);
  });

  it('waits what Retry-After asks for on a 503 or 429, and ignores it on other statuses', async () => {
    const server = await started([
      { status: 503, headers: { 'retry-after': '7' } },
      { status: 429, headers: { 'retry-after': '3' } },
      { status: 400, headers: { 'retry-after': '9' } },
    ]);
    const clock = recordingClock(server.timeline);
    const attempts: AttemptRecord[] = [];
    const client = createApiServerClient({
      url: server.url,
      timeout: SLOW_OK,
      backoff: { jitter: 0 },
      clock,
      onAttempt: (a) => attempts.push(a),
    });
    await client.send(event(1));
    const stats = await client.close();

    expect(attempts.map((a) => [a.outcome, a.retryAfter, a.retryIn])).toEqual([
      [503, 7000, 7000],
      [429, 3000, 3000],
      // The third failure: the backoff steps on with every failed attempt, Retry-After or not.
      [400, undefined, 22_500],
      [200, undefined, undefined],
    ]);
    expect(server.timeline).toEqual([
      'request 1',
      'waited 7000',
      'request 2',
      'waited 3000',
      'request 3',
      'waited 22500',
      'request 4',
    ]);
    expect(stats).toMatchObject({ retries: 3, retryAfterHonoured: 2, delivered: 1 });
  });

  it('aborts an attempt that outlasts the timeout and retries it', async () => {
    const server = await started(['hang']);
    const clock = recordingClock(server.timeline);
    const attempts: AttemptRecord[] = [];
    const client = createApiServerClient({
      url: server.url,
      timeout: 20_000,
      backoff: { jitter: 0 },
      clock,
      onAttempt: (a) => attempts.push(a),
    });
    await client.send(event(1));
    const stats = await client.close();

    expect(attempts.map((a) => a.outcome)).toEqual(['timeout', 200]);
    expect(server.timeline).toEqual(['request 1', 'waited 20000', 'waited 10000', 'request 2']);
    expect(server.received[1]!.body.equals(server.received[0]!.body)).toBe(true);
    expect(stats.byStatus).toEqual({ timeout: 1, '200': 1 });
  });

  it('drops a batch after its last retry, counts it, and goes on with the next', async () => {
    const server = await started([{ status: 503 }, { status: 503 }, { status: 503 }]);
    const attempts: AttemptRecord[] = [];
    const client = createApiServerClient({
      url: server.url,
      maxBatchSize: 2,
      maxInFlight: 1,
      retries: 2,
      timeout: SLOW_OK,
      clock: recordingClock(server.timeline),
      onAttempt: (a) => attempts.push(a),
    });
    await client.send([event(1), event(2), event(3)]);
    const stats = await client.close();

    expect(attempts.map((a) => [a.batch, a.attempt, a.outcome, a.dropped])).toEqual([
      [1, 1, 503, undefined],
      [1, 2, 503, undefined],
      [1, 3, 503, true],
      [2, 1, 200, undefined],
    ]);
    expect(stats).toMatchObject({ batches: 2, delivered: 1, deliveredEvents: 1, dropped: 1, droppedEvents: 2 });
    expect(stats.retries).toBe(2);
  });

  it('keeps at most maxInFlight batches in flight', async () => {
    const server = await started(['hang', 'hang', 'hang']);
    const client = createApiServerClient({ url: server.url, maxBatchSize: 1, maxInFlight: 2, timeout: SLOW_OK });
    await client.send([event(1), event(2), event(3), event(4)]);
    await server.requests(2);
    // Two batches hang unanswered: a third request may only come once one of them is answered.
    const flushed = client.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.received).toHaveLength(2);
    server.hung.shift()!.writeHead(200).end();
    await server.requests(3);
    server.hung.shift()!.writeHead(200).end();
    server.hung.shift()!.writeHead(200).end();
    await flushed;
    expect(server.received).toHaveLength(4);
    expect((await client.close()).delivered).toBe(4);
  });

  it('paces send() by bufferSize while batches wait for a slot', async () => {
    const server = await started(['hang']);
    const client = createApiServerClient({ url: server.url, maxBatchSize: 2, maxInFlight: 1, bufferSize: 4 });
    await client.send([event(1), event(2)]);
    await server.requests(1);
    let paced = false;
    const sent = client.send([event(3), event(4), event(5), event(6)]).then(() => (paced = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(paced).toBe(false);
    server.hung.shift()!.writeHead(200).end();
    await sent;
    expect(paced).toBe(true);
    expect((await client.close()).deliveredEvents).toBe(6);
  });

  it('sends a bearer token or basic credentials', async () => {
    const server = await started();
    const bearer = createApiServerClient({ url: server.url, bearerToken: 'tok-1', timeout: SLOW_OK });
    await bearer.send(event(1));
    await bearer.close();
    const basic = createApiServerClient({
      url: server.url,
      basic: { username: 'kube', password: 'p:w' },
      timeout: SLOW_OK,
    });
    await basic.send(event(2));
    await basic.close();
    expect(server.received.map((r) => r.headers.authorization)).toEqual([
      'Bearer tok-1',
      `Basic ${Buffer.from('kube:p:w').toString('base64')}`,
    ]);
  });

  it('speaks TLS with a trusted CA and presents a client certificate for mutual TLS', async () => {
    const pki = makeCertificates();
    const server = await started([], {
      cert: pki.server.cert,
      key: pki.server.key,
      ca: pki.ca.cert,
      requestCert: true,
      rejectUnauthorized: true,
    });
    const apiserver = pki.client('kube-apiserver');
    const client = createApiServerClient({
      url: server.url,
      tls: { ca: pki.ca.cert, cert: apiserver.cert, key: apiserver.key },
      timeout: SLOW_OK,
    });
    await client.send(event(1));
    const stats = await client.close();
    expect(stats.delivered).toBe(1);
    expect(server.received[0]!.peer).toBe('kube-apiserver');
  });

  it('refuses bad options and sends after close', async () => {
    expect(() => createApiServerClient({ url: 'ftp://x/audit' })).toThrow(KauditError);
    expect(() => createApiServerClient({ url: 'http://127.0.0.1:1/audit', maxBatchSize: 0 })).toThrow(
      /maxBatchSize must be a positive number/,
    );
    const client = createApiServerClient({ url: 'http://127.0.0.1:1/audit' });
    await client.close();
    await expect(client.send(event(1))).rejects.toMatchObject({ code: 'client_closed', component: 'server' });
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and ignores anything else', () => {
    const now = Date.parse('2026-11-26T22:00:00Z');
    expect(parseRetryAfter('5', now)).toBe(5000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 26 Nov 2026 22:00:12 GMT', now)).toBe(12_000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 21:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
