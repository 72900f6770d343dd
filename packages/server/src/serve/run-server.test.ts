import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { KauditError } from '@kaudit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { makeCertificates } from '../testing/certificates.js';
import { createLogger } from './logger.js';
import { runServer, type ServerHandle } from './run-server.js';
import { loadServerSettings } from './server-config.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const quickStart = join(root, 'examples/events/quick-start-eventlist.json');

/** A stream that keeps what is written and lets a test await some text in it. */
class Capture extends Writable {
  text = '';
  private readonly changed = new EventEmitter();
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString('utf8');
    this.changed.emit('write');
    done();
  }
  /** Resolves once the captured text satisfies `test` (checked on every write). */
  until(test: (text: string) => boolean): Promise<string> {
    return new Promise((resolve) => {
      const check = () => {
        if (!test(this.text)) return;
        this.changed.off('write', check);
        resolve(this.text);
      };
      this.changed.on('write', check);
      check();
    });
  }
}

const running: ServerHandle[] = [];
const temps: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close('test end')));
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kaudit-serve-'));
  temps.push(dir);
  return dir;
}

async function start(
  flags: Parameters<typeof loadServerSettings>[0]['flags'],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; signals?: EventEmitter; watchInterval?: number } = {},
) {
  const env = options.env ?? {};
  const settings = await loadServerSettings({ flags: { port: '0', ...flags }, env, cwd: options.cwd ?? root });
  const stdout = new Capture();
  const logs = new Capture();
  const server = await runServer(settings, {
    env,
    logger: createLogger({ level: 'info', stream: logs }),
    stdout,
    stderr: stdout,
    ...(options.signals ? { signals: options.signals } : { signals: new EventEmitter() }),
    ...(options.watchInterval !== undefined ? { watchInterval: options.watchInterval } : {}),
  });
  running.push(server);
  return { server, stdout, logs, settings };
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/audit`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

function event(verb: string, name: string, auditID: string): object {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID,
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/default/configmaps/${name}`,
    verb,
    user: { username: 'dana@example.com', groups: ['system:authenticated'] },
    sourceIPs: ['10.0.0.9'],
    objectRef: { resource: 'configmaps', namespace: 'default', name, apiVersion: 'v1' },
    responseStatus: { code: 200 },
    requestReceivedTimestamp: '2026-11-26T10:00:00.000000Z',
    stageTimestamp: '2026-11-26T10:00:00.100000Z',
  };
}

function ruleFile(...rules: { name: string; verb: string }[]): string {
  return JSON.stringify({
    rules: rules.map((r) => ({
      name: r.name,
      title: `configmap ${r.verb}`,
      severity: 'high',
      conditions: {
        all: [
          { fact: 'objectRef.resource', operator: 'equal', value: 'configmaps' },
          { fact: 'verb', operator: 'equal', value: r.verb },
        ],
      },
    })),
  });
}

describe('runServer with the embedded defaults', () => {
  it('serves the quick start: the EventList POSTed raises the exec alert at once, the rest on shutdown', async () => {
    const { server, stdout, logs } = await start({});
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(logs.text).toContain(`kaudit listening on ${server.url}`);

    const response = await post(server.url, await readFile(quickStart, 'utf8'));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ accepted: 20, rejected: 0, redelivery: false });
    // exec-into-pod has lateness 0: it reaches the console sink without waiting for a window.
    await stdout.until((t) => t.includes('"rule":"exec-into-pod"'));

    await server.close('test');
    // The windows were flushed at shutdown: the threshold and other rules raised their alerts then.
    for (const rule of [
      'exec-into-pod',
      'secret-read-burst',
      'cluster-admin-binding',
      'privileged-pod',
      'anonymous-access-allowed',
    ])
      expect(stdout.text).toContain(`"rule":"${rule}"`);
    // The Secret's value in the sample never reaches the output.
    expect(stdout.text).not.toContain('cGFzc3dvcmQ');
    expect(logs.text).toContain('shut down: every alert delivered');
  });

  it('sends the same events as the replay sample (examples/events/quick-start.jsonl)', async () => {
    const list = JSON.parse(await readFile(quickStart, 'utf8')) as { kind: string; items: unknown[] };
    const lines = (await readFile(join(root, 'examples/events/quick-start.jsonl'), 'utf8'))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as unknown);
    expect(list.kind).toBe('EventList');
    expect(list.items).toEqual(lines);
  });

  it('answers /readyz and /metrics', async () => {
    const { server } = await start({});
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/kaudit_rules_loaded \d+/);
    expect(metrics).toContain('kaudit_rules_reload_failing 0');
  });

  it('fails to start on a port in use, naming it, and leaves nothing behind', async () => {
    const { server } = await start({});
    const port = new URL(server.url).port;
    const signals = new EventEmitter();
    const failure = await start({ port }, { signals }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(KauditError);
    expect((failure as KauditError).code).toBe('listen_failed');
    expect((failure as Error).message).toContain(`127.0.0.1:${port}`);
    expect(signals.listenerCount('SIGHUP') + signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('shuts down on SIGINT too', async () => {
    const signals = new EventEmitter();
    const { server, logs } = await start({}, { signals });
    signals.emit('SIGINT');
    await server.closed;
    expect(logs.text).toContain('shutting down (SIGINT)');
    await expect(fetch(`${server.url}/livez`)).rejects.toThrow();
    expect(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT') + signals.listenerCount('SIGHUP')).toBe(
      0,
    );
  });
});

describe('authentication before binding', () => {
  it('refuses a non-loopback address without authentication', async () => {
    const settings = await loadServerSettings({ flags: { host: '0.0.0.0', port: '0' }, env: {}, cwd: root });
    const failure = await runServer(settings, {
      env: {},
      logger: createLogger({ level: 'silent' }),
      signals: new EventEmitter(),
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(KauditError);
    expect((failure as KauditError).code).toBe('insecure_bind');
    expect((failure as Error).message).toContain('KAUDIT_AUTH_TOKEN');
  });

  it('binds a non-loopback address with --insecure-no-auth', async () => {
    const { server } = await start({ host: '0.0.0.0', insecureNoAuth: true });
    expect(server.url).toMatch(/:\d+$/);
    const port = new URL(server.url).port;
    expect((await fetch(`http://127.0.0.1:${port}/livez`)).status).toBe(200);
  });

  it('binds a non-loopback address with a bearer token and refuses requests without it', async () => {
    const token = 'serve-test-token-0123456789';
    const { server, logs } = await start({ host: '0.0.0.0' }, { env: { KAUDIT_AUTH_TOKEN: `old-token,${token}` } });
    const url = `http://127.0.0.1:${new URL(server.url).port}`;
    const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [] });
    expect((await post(url, body)).status).toBe(401);
    expect((await post(url, body, { authorization: `Bearer ${token}` })).status).toBe(200);
    expect(logs.text).not.toContain(token);
  });
});

describe('credentials from files and the config', () => {
  it('accepts a token from KAUDIT_AUTH_TOKEN_FILE and basic credentials from the config file', async () => {
    const dir = await temp();
    await writeFile(join(dir, 'tokens'), '# rotated by the Secret\nfile-token-abcdef\n');
    await writeFile(
      join(dir, 'kaudit.json'),
      JSON.stringify({ server: { auth: { basic: [{ username: 'apiserver', password: '${HOOK_PASSWORD}' }] } } }),
    );
    const { server, logs } = await start(
      { config: 'kaudit.json' },
      { cwd: dir, env: { KAUDIT_AUTH_TOKEN_FILE: 'tokens', HOOK_PASSWORD: 'pw-123456' } },
    );
    const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [] });
    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    expect((await post(server.url, body, { authorization: 'Bearer file-token-abcdef' })).status).toBe(200);
    expect((await post(server.url, body, { authorization: basic('apiserver', 'pw-123456') })).status).toBe(200);
    expect((await post(server.url, body, { authorization: basic('apiserver', 'wrong') })).status).toBe(401);
    expect((await post(server.url, body)).status).toBe(401);
    expect(logs.text).toMatch(/"auth":\["bearer","basic"\]/);
    for (const secret of ['file-token-abcdef', 'pw-123456']) expect(logs.text).not.toContain(secret);
  });
});

describe('TLS from the config file', () => {
  it('serves mutual TLS on a non-loopback address: an allowed client subject gets 200, another 401', async () => {
    const dir = await temp();
    const pki = makeCertificates();
    const paths = await pki.writeTo(dir);
    await writeFile(
      join(dir, 'kaudit.yaml'),
      [
        'server:',
        '  host: 0.0.0.0',
        `  tls: { cert: ${paths.cert}, key: ${paths.key}, clientCA: "\${CLIENT_CA}", clientSubjects: [kube-apiserver] }`,
        '',
      ].join('\n'),
    );
    const { server } = await start({ config: 'kaudit.yaml' }, { cwd: dir, env: { CLIENT_CA: paths.ca } });
    expect(server.url).toMatch(/^https:/);
    const port = Number(new URL(server.url).port);
    const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [] });
    const send = (client: { cert: string; key: string }) =>
      new Promise<number>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/audit',
            method: 'POST',
            ca: pki.ca.cert,
            cert: client.cert,
            key: client.key,
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    expect(await send(pki.client('kube-apiserver'))).toBe(200);
    expect(await send(pki.client('someone-else'))).toBe(401);
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM answers the request in flight, 503s new ones, and delivers the alerts before closing', async () => {
    const dir = await temp();
    const alerts = join(dir, 'alerts.jsonl');
    await writeFile(join(dir, 'rules.json'), ruleFile({ name: 'configmap-deleted', verb: 'delete' }));
    await writeFile(
      join(dir, 'kaudit.yaml'),
      `sinks:\n  - id: out\n    type: file\n    options:\n      path: ${alerts}\nrules:\n  paths: [rules.json]\n`,
    );
    const signals = new EventEmitter();
    const { server, logs } = await start({ config: 'kaudit.yaml' }, { cwd: dir, signals });

    // A request in flight: headers and half the body sent, the rest held back until after SIGTERM.
    const body = JSON.stringify({
      kind: 'EventList',
      apiVersion: 'audit.k8s.io/v1',
      items: [event('delete', 'payments', 'a-1')],
    });
    const url = new URL(server.url);
    let inFlight: () => void = () => undefined;
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: '/audit',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 40));
      inFlight = () => void req.end(body.slice(40));
    });
    // The request reached the server (it counts as in flight) before the signal.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await waitForMetric(server.url, 'kaudit_queue_depth{queue="in_flight_requests"} 1');

    signals.emit('SIGTERM');
    const refused = await post(server.url, body);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    // Not ready any more: a Service stops sending new connections here.
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);

    inFlight();
    const first = await answered;
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toMatchObject({ accepted: 1 });

    await server.closed;
    const written = await readFile(alerts, 'utf8');
    expect(written).toContain('"rule":"configmap-deleted"');
    expect(logs.text).toContain('shutting down (SIGTERM)');
    expect(logs.text).toContain('shut down: every alert delivered');
  });
});

/** Polls /metrics until `line` appears: the only way to see from outside that a request is being read. */
async function waitForMetric(url: string, line: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const text = await (await fetch(`${url}/metrics`)).text();
    if (text.includes(line)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`metric line never appeared: ${line}`);
}

describe('rules hot reload', () => {
  it('swaps in changed rules, keeps the running ones when a file is broken, and reloads on SIGHUP', async () => {
    const dir = await temp();
    const rules = join(dir, 'rules.json');
    await writeFile(rules, ruleFile({ name: 'configmap-deleted', verb: 'delete' }));
    const signals = new EventEmitter();
    const { server, stdout, logs } = await start({ rules: [rules] }, { signals, watchInterval: 50 });
    const batch = (...events: object[]) =>
      post(server.url, JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: events }));

    // A changed file: the new rule fires.
    await writeFile(
      rules,
      ruleFile({ name: 'configmap-deleted', verb: 'delete' }, { name: 'configmap-patched', verb: 'patch' }),
    );
    await logs.until((t) => t.includes('rules reloaded (file changed): 2 rules in force'));
    expect((await batch(event('patch', 'settings', 'p-1'))).status).toBe(200);
    await stdout.until((t) => t.includes('"rule":"configmap-patched"'));

    // A broken file: the running rules stay (and fire), the logs list the problem, the metrics say failing.
    await writeFile(rules, '{ "rules": [ { "name": "broken" ');
    await logs.until((t) => t.includes('rules reload (file changed) failed, the running rules stay'));
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('kaudit_rules_reload_failing 1');
    // At least 1: a poll may also have caught a rule file half-written by writeFile.
    expect(metrics).toMatch(/kaudit_rules_reloads_total\{outcome="failed"\} [1-9]/);
    expect(metrics).toContain('kaudit_rules_loaded 2');
    expect((await batch(event('patch', 'settings', 'p-2'), event('delete', 'old', 'd-1'))).status).toBe(200);
    await stdout.until((t) => t.includes('"rule":"configmap-deleted"') && t.split('configmap-patched').length > 2);

    // SIGHUP: an explicit reload, here of a fixed file with one rule.
    await writeFile(rules, ruleFile({ name: 'configmap-created', verb: 'create' }));
    signals.emit('SIGHUP');
    await logs.until((t) => /rules reloaded \((SIGHUP|file changed)\): 1 rules in force/.test(t));
    // An explicit reload (the handle's, like SIGHUP) of the same files succeeds again.
    expect(await server.reloadRules()).toBe(true);
    const after = await (await fetch(`${server.url}/metrics`)).text();
    expect(after).toContain('kaudit_rules_reload_failing 0');
    expect(after).toContain('kaudit_rules_loaded 1');
  });
});
