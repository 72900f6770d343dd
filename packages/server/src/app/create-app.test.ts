import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { compileRuleSet, createPipeline, KauditError, parseRuleSet, type Sink } from '@kaudit/core';
import { createAuth, type Credentials } from './auth.js';
import { createApp, type AuditAnswer } from './create-app.js';
import {
  RULE_NAME,
  eventList,
  openRequest,
  sample,
  secretReads,
  startServer,
  testPipeline,
  until,
  type TestServer,
} from './test-server.js';

const TOKEN = 'tok-7f1c9a2e5b-first';
const TOKEN_2 = 'tok-0d4e8b1f36-second';
const BASIC = { username: 'apiserver', password: 'pa55-w0rd-basic' };
const basicHeader = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Every secret read alerts at once (no window), so sinks are called while the server runs. */
const SECRET_READ_RULE = {
  name: 'secret-read',
  title: 'Secret read',
  severity: 'medium',
  conditions: { all: [{ fact: 'objectRef.resource', operator: 'equal', value: 'secrets' }] },
};
const JSON_TYPE = { 'Content-Type': 'application/json' };
const servers: TestServer[] = [];

async function start(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const server = await startServer(...args);
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/**
 * Sends the first 10 bytes of `body` and waits until the app counts the request in flight; the test
 * finishes it with `slow.req.end(body.slice(10))`.
 */
async function holdInFlight(server: TestServer, body: string): Promise<ReturnType<typeof openRequest>> {
  const slow = openRequest(server.url, { headers: { ...JSON_TYPE, 'Content-Length': Buffer.byteLength(body) } });
  slow.req.write(body.slice(0, 10));
  await until(
    () => server.kapp.metrics.text(),
    (text) => sample(text, 'kaudit_queue_depth{queue="in_flight_requests"}') === 1,
  );
  return slow;
}

/** A JSON answer of the app: counts, or an error code and message. */
type Answer = Partial<AuditAnswer> & { error?: string; message?: string };
const json = async (res: Response): Promise<Answer> => (await res.json()) as Answer;

function post(server: TestServer, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/audit`, { method: 'POST', headers: { ...JSON_TYPE, ...headers }, body });
}

describe('POST /audit without authentication', () => {
  it('answers 200 with counts, reporting invalid items without failing the batch', async () => {
    const server = await start();
    const [a, b] = secretReads(2);
    const res = await post(server, eventList([a, { kind: 0 }, b, 'not an event']));
    expect(res.status).toBe(200);
    const answer = await json(res);
    expect(answer).toMatchObject({ accepted: 2, rejected: 2, redelivery: false });
    expect(answer.errors!.map((e) => e.index)).toEqual([1, 3]);
    expect(answer.errors![0]!.reason).toMatch(/kind/);
    expect(server.pipeline.stats.events).toBe(2);
  });

  it('takes a single Event, an array, and JSON lines', async () => {
    const server = await start();
    const [a, b, c, d] = secretReads(4);
    const single = await post(server, JSON.stringify(a));
    const array = await post(server, JSON.stringify([b, c]));
    const lines = await post(server, `${JSON.stringify(d)}\n`, {
      'Content-Type': 'application/x-ndjson; charset=utf-8',
    });
    expect([single.status, array.status, lines.status]).toEqual([200, 200, 200]);
    expect([(await json(single)).accepted, (await json(array)).accepted, (await json(lines)).accepted]).toEqual([
      1, 2, 1,
    ]);
    expect(server.pipeline.stats.events).toBe(4);
  });

  it('answers 400 with the reason for a body that is not JSON, or not audit events', async () => {
    const server = await start();
    const notJson = await post(server, '{"kind": "EventList", "items": [');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: 'invalid_json', message: expect.stringMatching(/not JSON/) });
    const notAudit = await post(server, JSON.stringify({ hello: 'world' }));
    expect(notAudit.status).toBe(400);
    const body = await json(notAudit);
    expect(body.error).toMatch(/not_audit|invalid/);
    expect(body.message!.length).toBeGreaterThan(10);
    const empty = await post(server, '');
    expect(empty.status).toBe(400);
    expect(server.pipeline.stats.events).toBe(0);
  });

  it('answers 415 for a wrong or missing content type, before reading the body', async () => {
    const server = await start();
    const wrong = await post(server, eventList(secretReads(1)), { 'Content-Type': 'text/plain' });
    expect(wrong.status).toBe(415);
    expect(await wrong.json()).toMatchObject({ error: 'unsupported_media_type' });
    const missing = await fetch(`${server.url}/audit`, { method: 'POST', body: new Uint8Array([123, 125]) });
    expect(missing.status).toBe(415);
    // The body never comes: only the headers can have decided.
    const { req, answer } = openRequest(server.url, { headers: { 'Content-Type': 'text/csv', 'Content-Length': 100 } });
    req.flushHeaders();
    const early = await answer;
    req.destroy();
    expect(early.status).toBe(415);
    const vendor = await post(server, eventList(secretReads(1)), {
      'Content-Type': 'application/vnd.kubernetes.audit+json',
    });
    expect(vendor.status).toBe(200);
  });

  it('answers 413 for a Content-Length over the limit without waiting for the body', async () => {
    const server = await start({ bodyLimit: 1000 });
    const { req, answer } = openRequest(server.url, { headers: { ...JSON_TYPE, 'Content-Length': 5000 } });
    req.flushHeaders(); // the body never comes: only the header can have decided
    const res = await answer;
    req.destroy();
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'body_too_large' });
  });

  it('answers 413 for a chunked body once it streams past the limit, without reading it to its end', async () => {
    const server = await start({ bodyLimit: 1000 });
    const { req, answer } = openRequest(server.url, { headers: JSON_TYPE });
    req.write('x'.repeat(600));
    req.write('y'.repeat(600));
    // The request is never ended: the server answered from what it had read.
    const res = await answer;
    req.destroy();
    expect(res.status).toBe(413);
    expect(server.pipeline.stats.events).toBe(0);
    // The limit is bytes, not a count of chunks: a body just under it is accepted.
    const under = eventList(secretReads(1));
    const small = await start({ bodyLimit: Buffer.byteLength(under) });
    expect((await post(small, under)).status).toBe(200);
  });

  it('answers a body exactly at the limit, and 413 one byte over', async () => {
    const body = eventList(secretReads(1));
    const server = await start({ bodyLimit: Buffer.byteLength(body) });
    expect((await post(server, body)).status).toBe(200);
    expect((await post(server, `${body} `)).status).toBe(413);
  });

  it('answers 404 for unknown routes and 405 with Allow for a wrong method', async () => {
    const server = await start();
    const unknown = await fetch(`${server.url}/nope`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'not_found' });
    const getAudit = await fetch(`${server.url}/audit`);
    expect(getAudit.status).toBe(405);
    expect(getAudit.headers.get('allow')).toBe('POST');
    const head = await fetch(`${server.url}/livez`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const postLivez = await fetch(`${server.url}/livez`, { method: 'POST', body: '{}', headers: JSON_TYPE });
    expect(postLivez.status).toBe(405);
  });
});

describe('POST /audit with bearer and basic authentication', () => {
  let credentials: Credentials;
  const authServer = () => {
    credentials = { bearerTokens: [TOKEN, TOKEN_2], basic: [BASIC] };
    return start({ auth: createAuth(() => credentials) });
  };

  it('accepts any configured bearer token and the basic user', async () => {
    const server = await authServer();
    const [a, b, c] = secretReads(3);
    expect((await post(server, eventList([a]), { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await post(server, eventList([b]), { Authorization: `bearer ${TOKEN_2}` })).status).toBe(200);
    const basic = await post(server, eventList([c]), { Authorization: basicHeader(BASIC.username, BASIC.password) });
    expect(basic.status).toBe(200);
    expect(server.pipeline.stats.events).toBe(3);
  });

  it('answers 401 with WWW-Authenticate for a missing or wrong token and a wrong basic password', async () => {
    const server = await authServer();
    const body = eventList(secretReads(1));
    const missing = await post(server, body);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/Bearer realm="kaudit".*Basic/);
    expect(await missing.json()).toMatchObject({ error: 'unauthorized' });
    expect((await post(server, body, { Authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await post(server, body, { Authorization: `Bearer ${TOKEN.slice(0, -1)}` })).status).toBe(401);
    expect((await post(server, body, { Authorization: basicHeader(BASIC.username, 'wrong') })).status).toBe(401);
    expect((await post(server, body, { Authorization: basicHeader('someone', BASIC.password) })).status).toBe(401);
    // A token sent as a basic password, or the basic password as a token, is no credential either.
    expect((await post(server, body, { Authorization: basicHeader(BASIC.username, TOKEN) })).status).toBe(401);
    expect((await post(server, body, { Authorization: `Bearer ${BASIC.password}` })).status).toBe(401);
    expect(server.pipeline.stats.events).toBe(0);
  });

  it('answers 401 before the body is read: a request whose body never comes is still refused', async () => {
    const server = await authServer();
    const { req, answer } = openRequest(server.url, {
      headers: { ...JSON_TYPE, 'Content-Length': 100_000, Authorization: `Bearer wrong` },
    });
    req.flushHeaders();
    const res = await answer;
    req.destroy();
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBeDefined();
  });

  it('checks authentication before the content type (nothing is told to an unauthenticated caller)', async () => {
    const server = await authServer();
    const res = await post(server, 'x', { 'Content-Type': 'text/plain' });
    expect(res.status).toBe(401);
  });

  it('applies rotated tokens on the next request, without a restart', async () => {
    const server = await authServer();
    expect((await post(server, eventList(secretReads(1)), { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    credentials = { bearerTokens: ['tok-rotated-3c5d'], basic: [] };
    expect((await post(server, eventList(secretReads(1)), { Authorization: `Bearer ${TOKEN}` })).status).toBe(401);
    const basic = await post(server, eventList(secretReads(1)), {
      Authorization: basicHeader(BASIC.username, BASIC.password),
    });
    expect(basic.status).toBe(401);
    const rotated = await post(server, eventList(secretReads(1)), { Authorization: 'Bearer tok-rotated-3c5d' });
    expect(rotated.status).toBe(200);
  });

  it('never logs the Authorization header, tokens or whole events', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    credentials = { bearerTokens: [TOKEN], basic: [BASIC] };
    const server = await start({ auth: createAuth(() => credentials), logger: pino({ level: 'debug' }, sink) });
    const [a, b] = secretReads(2);
    await post(server, eventList([a, { kind: 0 }]), { Authorization: `Bearer ${TOKEN}` });
    await post(server, eventList([b]), { Authorization: `Bearer ${TOKEN}-wrong` });
    await post(server, eventList([b]), { Authorization: basicHeader(BASIC.username, `${BASIC.password}-wrong`) });
    await post(server, '{nope', { Authorization: `Bearer ${TOKEN}` });
    const log = lines.join('');
    expect(log).toMatch(/rejected items/);
    expect(log).toMatch(/credentials invalid/);
    expect(log).toContain('"principal":"bearer:token 1"'); // who sent it, by position, never the token
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain(BASIC.password);
    expect(log).not.toMatch(/authorization/i);
    expect(log).not.toContain(a.auditID!);
    expect(log).not.toContain('db-0');
  });
});

describe('POST /audit under load and while draining', () => {
  it('answers 503 with Retry-After when maxConcurrent requests are in flight', async () => {
    const server = await start({ maxConcurrent: 1, retryAfter: 7 });
    const body = eventList(secretReads(3));
    const slow = await holdInFlight(server, body);
    const refused = await post(server, eventList(secretReads(1)));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('7');
    expect(await refused.json()).toMatchObject({ error: 'overloaded' });
    slow.req.end(body.slice(10));
    const res = await slow.answer;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ accepted: 3 });
    // The slot is free again.
    expect((await post(server, eventList(secretReads(1)))).status).toBe(200);
  });

  it('answers 503 when the bytes pending would exceed maxPendingBytes, by Content-Length and while streaming', async () => {
    const body = eventList(secretReads(2));
    const size = Buffer.byteLength(body);
    const server = await start({ maxPendingBytes: size + 100 });
    const slow = openRequest(server.url, { headers: { ...JSON_TYPE, 'Content-Length': size } });
    slow.req.write(body.slice(0, 10));
    await until(
      () => server.kapp.metrics.text(),
      (text) => sample(text, 'kaudit_queue_depth{queue="pending_bytes"}') === size,
    );
    // Announced by Content-Length: refused before reading.
    const byLength = await post(server, body);
    expect(byLength.status).toBe(503);
    expect(byLength.headers.get('retry-after')).toBe('5');
    // Chunked, no Content-Length: admitted, then refused once it streams past the room left.
    const chunked = openRequest(server.url, { headers: JSON_TYPE });
    chunked.req.write('x'.repeat(150));
    const streamed = await chunked.answer;
    chunked.req.destroy();
    expect(streamed.status).toBe(503);
    expect(streamed.headers['retry-after']).toBe('5');
    slow.req.end(body.slice(10));
    expect((await slow.answer).status).toBe(200);
    await until(
      () => server.kapp.metrics.text(),
      (text) => sample(text, 'kaudit_queue_depth{queue="pending_bytes"}') === 0,
    );
    expect((await post(server, eventList(secretReads(1)))).status).toBe(200);
  });

  it('drain(): new POSTs get 503 + Retry-After, requests in flight finish, then it resolves', async () => {
    const server = await start();
    const body = eventList(secretReads(3));
    const slow = await holdInFlight(server, body);
    let drained = false;
    const draining = server.kapp.drain().then(() => (drained = true));
    const refused = await post(server, eventList(secretReads(1)));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ error: 'shutting_down' });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${server.url}/livez`)).status).toBe(200);
    expect(drained).toBe(false); // the slow request is still in flight
    slow.req.end(body.slice(10));
    expect((await slow.answer).status).toBe(200);
    await draining;
    expect(server.pipeline.stats.events).toBe(3);
  });

  it('frees the slot and the pending bytes of a client that disconnects mid-body, so drain() still resolves', async () => {
    const server = await start({ maxConcurrent: 1 });
    const gone = openRequest(server.url, { headers: { ...JSON_TYPE, 'Content-Length': 1000 } });
    gone.answer.catch(() => undefined); // the client never reads an answer
    gone.req.write('{"kind":"EventList","items":[');
    await until(
      () => server.kapp.metrics.text(),
      (text) => sample(text, 'kaudit_queue_depth{queue="pending_bytes"}') === 1000,
    );
    gone.req.destroy();
    await until(
      () => server.kapp.metrics.text(),
      (text) =>
        sample(text, 'kaudit_queue_depth{queue="in_flight_requests"}') === 0 &&
        sample(text, 'kaudit_queue_depth{queue="pending_bytes"}') === 0,
    );
    expect((await post(server, eventList(secretReads(1)))).status).toBe(200);
    await server.kapp.drain();
    expect(server.pipeline.stats.events).toBe(1);
  });

  it('drain() resolves at once when nothing is in flight', async () => {
    const server = await start();
    await server.kapp.drain();
    expect((await post(server, eventList(secretReads(1)))).status).toBe(503);
  });
});

describe('createApp', () => {
  it('refuses invalid limits with a clear error', () => {
    const { pipeline } = testPipeline();
    expect(() => createApp({ pipeline, bodyLimit: -1 })).toThrow(/\[server\] bodyLimit must be a whole number/);
    expect(() => createApp({ pipeline, maxConcurrent: 1.5 })).toThrow(KauditError);
  });

  it('answers without waiting for sinks: a sink that hangs does not hold the request', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let called!: () => void;
    const sendCalled = new Promise<void>((resolve) => (called = resolve));
    const hanging: Sink = {
      id: 'hanging',
      type: 'memory',
      async send() {
        called();
        await released;
        return { status: 'delivered' };
      },
    };
    const rules = compileRuleSet(parseRuleSet([{ file: 'r.json', json: { rules: [SECRET_READ_RULE] } }]));
    const pipeline = createPipeline({ rules, sinks: [hanging], tick: false, lateness: 0 });
    const server = await start({ pipeline });
    expect((await post(server, eventList(secretReads(1)))).status).toBe(200);
    await sendCalled; // the sink is now busy, and stays so
    const [later] = secretReads(1, Date.UTC(2026, 0, 2));
    const res = await post(server, eventList([later]));
    expect(res.status).toBe(200);
    expect((await json(res)).accepted).toBe(1);
    release();
    await pipeline.end();
  });
});

describe('redelivery', () => {
  it('answers a byte-identical body 200 with redelivery: true, and it produces no second alert or count', async () => {
    const server = await start();
    const body = eventList(secretReads(3));
    const first = await post(server, body);
    expect(await first.json()).toMatchObject({ accepted: 3, rejected: 0, redelivery: false });
    const again = await post(server, body);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ accepted: 0, rejected: 0, redelivery: true });
    expect(server.pipeline.stats.events).toBe(3);
    await server.pipeline.end();
    expect(server.delivered.map((n) => [n.type, n.alert.rule, n.alert.count])).toEqual([['alert', RULE_NAME, 3]]);
    const text = await server.kapp.metrics.text();
    expect(sample(text, 'kaudit_redeliveries_dropped_total')).toBe(1);
    expect(sample(text, 'kaudit_redelivered_events_dropped_total')).toBe(3);
  });

  it('pushes identical bodies sent concurrently only once', async () => {
    const server = await start();
    const body = eventList(secretReads(3));
    const answers = await Promise.all(
      [post(server, body), post(server, body), post(server, body)].map(async (r) => json(await r)),
    );
    expect(answers.filter((a) => a.redelivery === false)).toHaveLength(1);
    expect(answers.filter((a) => a.redelivery === true)).toHaveLength(2);
    expect(server.pipeline.stats.events).toBe(3);
  });

  it('forgets a body after the window of the injected clock', async () => {
    let now = 0;
    const server = await start({ clock: () => now, redelivery: { window: 60_000 } });
    const body = eventList(secretReads(1));
    expect((await json(await post(server, body))).redelivery).toBe(false);
    now = 59_999;
    expect((await json(await post(server, body))).redelivery).toBe(true);
    now = 60_000;
    expect((await json(await post(server, body))).redelivery).toBe(false);
    expect(server.pipeline.stats.events).toBe(2);
  });

  it('does not remember a body that was refused, and never dedupes when turned off', async () => {
    const server = await start({ maxConcurrent: 0 });
    const body = eventList(secretReads(1));
    expect((await post(server, body)).status).toBe(503);
    const off = await start({ redelivery: false });
    expect((await json(await post(off, body))).redelivery).toBe(false);
    expect((await json(await post(off, body))).redelivery).toBe(false);
    expect(off.pipeline.stats.events).toBe(2);
  });
});

describe('GET /livez, /readyz, /metrics', () => {
  it('livez is 200; readyz follows ready() and not sink health', async () => {
    let ready = false;
    const server = await start({ ready: () => ready });
    expect((await fetch(`${server.url}/livez`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    ready = true;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('stays ready while a sink is unhealthy: that is a metric, not a restart loop', async () => {
    const rules = compileRuleSet(parseRuleSet([{ file: 'r.json', json: { rules: [SECRET_READ_RULE] } }]));
    let unhealthy!: () => void;
    const turnedUnhealthy = new Promise<void>((resolve) => (unhealthy = resolve));
    const broken: Sink = {
      id: 'slack',
      type: 'slack',
      async send() {
        return { status: 'rejected', kind: 'config', reason: 'invalid_auth', code: 'invalid_auth' };
      },
    };
    const pipeline = createPipeline({
      rules,
      sinks: [broken],
      tick: false,
      lateness: 0,
      delivery: { onEvent: (e) => e.type === 'unhealthy' && unhealthy() },
    });
    const server = await start({ pipeline });
    expect((await post(server, eventList(secretReads(1)))).status).toBe(200);
    await turnedUnhealthy;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(sample(text, 'kaudit_sink_healthy{sink="slack",destination="slack"}')).toBe(0);
    expect(sample(text, 'kaudit_deliveries_total{sink="slack",outcome="rejected_config"}')).toBe(1);
    expect(sample(text, 'kaudit_alerts_total{severity="medium"}')).toBe(1);
  });

  it('exports real counts after traffic', async () => {
    const server = await start();
    const [a, b, c] = secretReads(3);
    await post(server, eventList([a, b, c, { kind: 'Nope' }]));
    await post(server, 'not json');
    await server.pipeline.end(); // flushes the window and drains delivery to the memory sink
    expect(server.delivered).toHaveLength(1);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(sample(text, 'kaudit_events_received_total')).toBe(3);
    expect(sample(text, 'kaudit_events_rejected_total{reason="kind is \\"Nope\\", expected \\"Event\\""}')).toBe(1);
    expect(sample(text, `kaudit_rule_matches_total{rule="${RULE_NAME}"}`)).toBe(3);
    expect(sample(text, 'kaudit_alerts_total{severity="high"}')).toBe(1);
    expect(sample(text, 'kaudit_deliveries_total{sink="memory",outcome="delivered"}')).toBe(1);
    expect(sample(text, 'kaudit_deliveries_total{sink="memory",outcome="dead_lettered"}')).toBe(0);
    expect(sample(text, 'kaudit_sink_healthy{sink="memory",destination="memory"}')).toBe(1);
    expect(sample(text, 'kaudit_queue_depth{queue="delivery"}')).toBe(0);
    expect(sample(text, 'kaudit_http_request_duration_seconds_count{route="/audit",status="200"}')).toBe(1);
    expect(sample(text, 'kaudit_http_request_duration_seconds_count{route="/audit",status="400"}')).toBe(1);
  });

  it('labels unknown paths as one route, so scanners cannot grow the label set', async () => {
    const server = await start();
    await fetch(`${server.url}/a`);
    await fetch(`${server.url}/b`);
    const text = await server.kapp.metrics.text();
    expect(sample(text, 'kaudit_http_request_duration_seconds_count{route="other",status="404"}')).toBe(2);
    expect(text).not.toMatch(/route="\/a"/);
  });
});
