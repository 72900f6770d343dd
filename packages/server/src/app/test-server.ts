import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import {
  compileRuleSet,
  createPipeline,
  parseRuleSet,
  type AlertNotice,
  type AuditEvent,
  type Pipeline,
  type Sink,
} from '@kaudit/core';
import { auditEvent } from '@kaudit/core/testing';
import { createApp, type AppOptions, type KauditApp } from './create-app.js';
import { createMetrics } from './metrics.js';

/** A test server: the app on a real socket of 127.0.0.1. */
export interface TestServer {
  readonly url: string;
  readonly kapp: KauditApp;
  readonly pipeline: Pipeline;
  /** Alerts the in-memory sink delivered. */
  readonly delivered: AlertNotice[];
  close(): Promise<void>;
}

/** Three secret reads by one user within a minute: one `high` alert. */
export const RULE_NAME = 'many-secret-reads';

/** A pipeline with one threshold rule and a sink `memory` that records what it delivers. */
export function testPipeline(): { pipeline: Pipeline; delivered: AlertNotice[] } {
  const rules = compileRuleSet(
    parseRuleSet([
      {
        file: 'test-rules.json',
        json: {
          rules: [
            {
              name: RULE_NAME,
              title: 'Secrets read repeatedly',
              severity: 'high',
              conditions: { all: [{ fact: 'objectRef.resource', operator: 'equal', value: 'secrets' }] },
              threshold: { count: 3, within: '1m', groupBy: ['user.username'] },
            },
          ],
        },
      },
    ]),
  );
  const delivered: AlertNotice[] = [];
  const sink: Sink = {
    id: 'memory',
    type: 'memory',
    async send(notice) {
      delivered.push(notice);
      return { status: 'delivered' };
    },
  };
  // No idle tick and no lateness: alerts come out at `end()`, deterministically.
  const pipeline = createPipeline({ rules, sinks: [sink], tick: false, lateness: 0 });
  return { pipeline, delivered };
}

/** Secret reads by alice, one second apart from `start` (epoch ms). */
export function secretReads(count: number, start = Date.UTC(2026, 0, 1)): AuditEvent[] {
  return Array.from({ length: count }, (_, i) =>
    auditEvent({ objectRef: { resource: 'secrets', namespace: 'shop', name: `db-${i}` }, at: start + i * 1000 }),
  );
}

/** An EventList body as the API server's webhook backend sends it. */
export function eventList(items: unknown[]): string {
  return JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items });
}

/** Starts `createApp` (over {@link testPipeline} unless given) on an ephemeral port. */
export async function startServer(options: Partial<AppOptions> = {}): Promise<TestServer> {
  const own = options.pipeline ? { pipeline: options.pipeline, delivered: [] } : testPipeline();
  const pipeline = own.pipeline;
  const kapp = createApp({
    metrics: createMetrics({ pipeline, defaultMetrics: false }),
    ...options,
    pipeline,
  });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: kapp.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    kapp,
    pipeline,
    delivered: own.delivered,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An answer read over node:http. */
export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A request over node:http whose body the test writes when it likes (or never): `answer` settles as
 * soon as the server answers, whatever the client still had to send.
 */
export function openRequest(
  url: string,
  options: { method?: string; path?: string; headers?: Record<string, string | number> } = {},
): { req: ClientRequest; answer: Promise<RawAnswer> } {
  const target = new URL(options.path ?? '/audit', url);
  const req = httpRequest(target, { method: options.method ?? 'POST', headers: options.headers ?? {} });
  const answer = new Promise<RawAnswer>((resolve, reject) => {
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    // The server may close the connection while the client is still sending a refused body.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
  });
  return { req, answer };
}

/** Polls `read` until `predicate` holds: for server-side states that no event announces to the client. */
export async function until<T>(read: () => T | Promise<T>, predicate: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (predicate(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The value of one sample of the Prometheus text, e.g. `kaudit_alerts_total{severity="high"}`. */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}
