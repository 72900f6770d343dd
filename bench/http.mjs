/**
 * Section 3 of `pnpm bench`: kaudit's POST /audit (createApp with the default rule library, no sinks)
 * against a bare Hono endpoint that only reads the body and JSON.parses it, both served here by
 * @hono/node-server, loaded from a separate process (bench/http-load.mjs, autocannon) so the load
 * generator never competes with the servers' event loop. Each case alternates kaudit and the bare
 * endpoint (A, B, A, B) so a change of load on the machine weighs on both alike.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './lib/data.mjs';
import { median } from './lib/measure.mjs';

/** hono and @hono/node-server are dependencies of @kaudit/server only: resolved from there. */
async function serverDependency(name) {
  const require = createRequire(join(REPO_ROOT, 'packages', 'server', 'package.json'));
  return import(pathToFileURL(require.resolve(name)).href);
}

/** Listens on a free loopback port; resolves to the server and its POST /audit URL. */
async function start(serve, fetch) {
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' });
  if (!server.listening) await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${server.address().port}/audit` };
}

/** Runs bench/http-load.mjs with `args`; resolves to its JSON output. */
function load(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bench', 'http-load.mjs'), JSON.stringify(args)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`[bench] http-load exited ${code}: ${stderr}`)),
    );
  });
}

/**
 * Measures and reports through `figure(section, name, value, unit, target?, met?)`.
 * `core` is @kaudit/core's dist (createPipeline, compileRuleSet), `createApp` @kaudit/server's,
 * `library` the parsed default rule set, `lines` the events (JSON lines) bodies are made of.
 */
export async function httpBench({ core, createApp, library, lines, figure, quick }) {
  const { serve } = await serverDependency('@hono/node-server');
  const { Hono } = await serverDependency('hono');

  const pipeline = core.createPipeline({ rules: core.compileRuleSet(library) });
  pipeline.notices$.subscribe(() => {});
  const kaudit = await start(serve, createApp({ pipeline }).fetch);
  const bareApp = new Hono();
  bareApp.post('/audit', async (c) => {
    const list = JSON.parse(await c.req.text());
    return c.json({ accepted: list.items.length });
  });
  const bare = await start(serve, bareApp.fetch);

  console.log('  (latencies as autocannon records them: whole milliseconds, from request sent to answer read)');
  const dir = mkdtempSync(join(tmpdir(), 'kaudit-bench-http-'));
  const events = join(dir, 'events.jsonl');
  writeFileSync(events, lines.join('\n') + '\n');
  let sequence = 0;
  // Events kaudit answered 2xx for; requests still in flight when a run ends were processed but not counted.
  let acknowledged = 0;
  // Short runs, alternated three times: other processes' bursts then hit both servers alike.
  const duration = quick ? 0.5 : 0.8;
  const rounds = quick ? 2 : 3;
  const checkAnswers = (r) => {
    if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) {
      throw new Error(`[bench] ${r.name}: ${r.non2xx} non-2xx answers, ${r.errors} errors, ${r.timeouts} timeouts`);
    }
  };

  try {
    for (const size of [100, 400]) {
      for (const connections of [1, 4, 16]) {
        const runs = [
          // Warm-ups: JIT and connection set-up of both servers before anything counts.
          { name: 'warm kaudit', url: kaudit.url, connections, duration: 0.4 },
          { name: 'warm bare', url: bare.url, connections, duration: 0.4 },
        ];
        for (let r = 0; r < rounds; r++) {
          runs.push({ name: 'kaudit', url: kaudit.url, connections, duration });
          runs.push({ name: 'bare', url: bare.url, connections, duration });
        }
        globalThis.gc?.();
        const out = await load({ events, eventsPerBody: size, sequence, runs });
        sequence = out.sequence;
        out.results.forEach(checkAnswers);
        for (const r of out.results) if (r.name.endsWith('kaudit')) acknowledged += r.ok * size;
        const of = (name) => out.results.filter((r) => r.name === name);
        const rate = (name) => median(of(name).map((r) => r.eventsPerSecond));
        const latency = (name, p) => median(of(name).map((r) => r.latency[p]));
        const label = `${size}-event bodies, ${connections} connection${connections > 1 ? 's' : ''}`;
        const k = rate('kaudit');
        const b = rate('bare');
        figure('http', `${label}: kaudit POST /audit`, k, 'events/s');
        figure('http', `${label}: bare Hono + JSON.parse (baseline)`, b, 'events/s');
        const share = (k / b) * 100;
        figure('http', `${label}: kaudit as % of bare`, share, '%', '≥ 60 %', share >= 60);
        figure('http', `${label}: kaudit latency p50`, latency('kaudit', 'p50'), 'ms');
        figure('http', `${label}: kaudit latency p99`, latency('kaudit', 'p99'), 'ms');
        figure('http', `${label}: bare latency p99`, latency('bare', 'p99'), 'ms');
      }
    }

    // What one busy API server sends: 10 batches of 400 events per second.
    const steady = quick ? 4 : 6;
    globalThis.gc?.();
    const out = await load({
      events,
      eventsPerBody: 400,
      sequence,
      runs: [
        { name: 'warm kaudit', url: kaudit.url, connections: 2, duration: 0.5 },
        { name: 'kaudit', url: kaudit.url, connections: 2, duration: steady, overallRate: 10 },
      ],
    });
    out.results.forEach(checkAnswers);
    for (const r of out.results) acknowledged += r.ok * 400;
    const fixed = out.results.find((r) => r.name === 'kaudit');
    figure('http', '400-event bodies at 10 requests/s: requests sent', fixed.requests, 'requests');
    figure('http', '400-event bodies at 10 requests/s: kaudit p50', fixed.latency.p50, 'ms');
    figure(
      'http',
      '400-event bodies at 10 requests/s: kaudit p99',
      fixed.latency.p99,
      'ms',
      '< 50 ms',
      fixed.latency.p99 < 50,
    );
    // Every body is distinct: kaudit must have evaluated every event it acknowledged (none taken for a redelivery).
    figure('http', '  events kaudit acknowledged (2xx) in this section', acknowledged, 'events');
    figure('http', '  events kaudit evaluated in this section', pipeline.stats.events, 'events');
    if (pipeline.stats.events < acknowledged) throw new Error('[bench] kaudit acknowledged events it did not evaluate');
  } finally {
    kaudit.server.close();
    bare.server.close();
    kaudit.server.closeAllConnections?.();
    bare.server.closeAllConnections?.();
    await pipeline.end();
    rmSync(dir, { recursive: true, force: true });
  }
}
