import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureIO } from './test-io.js';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli-main.js';
import type { ServerHandle } from '../serve/run-server.js';
import { serveCommand } from './serve-command.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const cli = join(root, 'packages/server/dist/cli.js');
const quickStart = join(root, 'examples/events/quick-start-eventlist.json');

const io = (env: NodeJS.ProcessEnv = {}, cwd = root) => captureIO({ env, cwd });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kaudit-serve-cmd-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('kaudit serve', () => {
  it('refuses a non-loopback address without authentication (exit 2) and says what to set', async () => {
    const t = io();
    expect(await main(['serve', '--host', '0.0.0.0', '--port', '0'], t.io)).toBe(2);
    expect(t.err()).toContain('refusing to listen on 0.0.0.0 without authentication');
    expect(t.err()).toContain('KAUDIT_AUTH_TOKEN');
    expect(t.err()).toContain('--insecure-no-auth');
  });

  it('lists every fault of a bad config and exits 1 before listening', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'server: { port: 99999, colour: blue }\nlog: { level: loud }\n');
    const t = io({ PORT: 'x' }, dir);
    expect(await main(['serve', '--config', 'bad.yaml', '--rules', root + 'rules'], t.io)).toBe(1);
    expect(t.err()).toContain('has 4 problems');
    expect(t.err()).toContain('/server/port: must be <= 65535');
    expect(t.err()).toContain('unknown property "colour"');
    expect(t.err()).toContain('/log/level');
    expect(t.err()).toContain('PORT (environment): "x" is not a port');
  });

  it('prints every problem of broken rules and exits 1', async () => {
    await writeFile(join(dir, 'broken-rules.json'), JSON.stringify({ rules: [{ name: 'x' }] }));
    const t = io();
    expect(await main(['serve', '--port', '0', '--rules', join(dir, 'broken-rules.json')], t.io)).toBe(1);
    expect(t.err()).toMatch(/problem\(s\) in rule files/);
  });

  it('prints its usage with --help, and kaudit --help includes it', async () => {
    const t = io();
    expect(await main(['serve', '--help'], t.io)).toBe(0);
    expect(t.out()).toContain('--insecure-no-auth');
    expect(t.out()).toContain('${VAR} takes a value from the environment');
    const all = io();
    expect(await main(['--help'], all.io)).toBe(0);
    expect(all.out()).toContain('kaudit serve [--host H] [--port P]');
    expect(all.out()).toContain('kaudit replay [--rules PATH]');
  });

  it('is a usage error with an unknown flag (exit 2)', async () => {
    const t = io();
    expect(await main(['serve', '--colour'], t.io)).toBe(2);
    expect(t.err()).toContain('kaudit serve');
  });

  it('serves with --insecure-no-auth on a non-loopback address until SIGTERM, then exits 0', async () => {
    const t = io();
    const signals = new EventEmitter();
    let server!: ServerHandle;
    let listened: () => void = () => undefined;
    const listening = new Promise<void>((resolve) => (listened = resolve));
    const exit = serveCommand(['--host', '0.0.0.0', '--port', '0', '--insecure-no-auth'], t.io, {
      signals,
      onListening: (s) => {
        server = s;
        listened();
      },
    });
    await listening;
    const port = new URL(server.url).port;
    const answer = await fetch(`http://127.0.0.1:${port}/audit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: await readFile(quickStart),
    });
    expect(answer.status).toBe(200);
    signals.emit('SIGTERM');
    expect(await exit).toBe(0);
    expect(t.err()).toContain('insecure-no-auth: POST /audit accepts anyone who can connect');
    expect(t.err()).toContain('kaudit listening on http://');
    expect(t.out()).toContain('"rule":"exec-into-pod"');
  });
});

describe('the built CLI (dist/cli.js)', () => {
  it('finishes the request in flight on a real SIGTERM and exits 0', async () => {
    // `pnpm test` runs after `pnpm install`, whose prepare script builds dist/; a missing build is a failure.
    expect(existsSync(cli), `${cli} is missing: run pnpm build`).toBe(true);
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        const m = /kaudit listening on (http:\/\/[^"\s]+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`kaudit serve exited before listening:\n${err}`)));
    });

    // Headers and part of the body now; the rest after SIGTERM.
    const body = await readFile(quickStart);
    const target = new URL(url);
    let finish: () => void = () => undefined;
    const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: '/audit',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.write(body.subarray(0, 100));
      finish = () => void req.end(body.subarray(100));
    });
    await waitForInFlight(url);

    child.kill('SIGTERM');
    await new Promise<void>((resolve) => {
      const check = () => (err.includes('shutting down (SIGTERM)') ? resolve() : setTimeout(check, 10));
      check();
    });
    finish();
    const first = await answered;
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text)).toMatchObject({ accepted: 20, rejected: 0 });
    expect(await exited).toBe(0);
    expect(err).toContain('shut down: every alert delivered');
    expect(out).toContain('"rule":"exec-into-pod"');
    expect(out).toContain('"rule":"secret-read-burst"');
  });
});

/** The server counts the request as in flight once its handler runs: seen on /metrics. */
async function waitForInFlight(url: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const text = await (await fetch(`${url}/metrics`)).text();
    if (text.includes('kaudit_queue_depth{queue="in_flight_requests"} 1')) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the request never got in flight');
}
