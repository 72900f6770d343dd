import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer, type Http2Bindings, type HttpBindings } from '@hono/node-server';
import { compileRuleSet, createPipeline, parseRuleSet, type Alert, type AuditEvent } from '@kaudit/core';
import { auditEvent, seededRandom } from '@kaudit/core/testing';
import { describe, expect, it } from 'vitest';
import { createApp } from './app/create-app.js';
import { createApiServerClient, type AttemptRecord } from './testing/apiserver-client.js';

const EVENTS = 50_000;
const MARKER_USER = 'mallory@example.com';
const BURST = 5;

/** One rule firing on every marker event, one threshold rule whose alert counts are known in advance. */
const rules = compileRuleSet(
  parseRuleSet([
    {
      file: 'apiserver-client-rules.json',
      json: {
        rules: [
          {
            name: 'marker-exec',
            title: 'Exec by the marker user',
            severity: 'high',
            conditions: {
              all: [
                { fact: 'user.username', operator: 'equal', value: MARKER_USER },
                { fact: 'objectRef.subresource', operator: 'equal', value: 'exec' },
              ],
            },
          },
          {
            name: 'configmap-delete-burst',
            title: 'Configmaps deleted in a burst',
            severity: 'medium',
            conditions: {
              all: [
                { fact: 'verb', operator: 'equal', value: 'delete' },
                { fact: 'objectRef.resource', operator: 'equal', value: 'configmaps' },
              ],
            },
            threshold: { count: BURST, within: '10m', groupBy: ['user.username'] },
          },
        ],
      },
    },
  ]),
);

/**
 * 50,000 events 2 ms of event time apart (100 s in all, within the pipeline's 5-minute lateness, so
 * the order batches arrive in never changes a window): mostly pod reads, 1 % exec by the marker user,
 * 2 % configmap deletes by 30 users. Returns the alerts that must come out, exactly.
 */
function workload() {
  const rnd = seededRandom(5);
  const start = Date.parse('2026-11-26T10:00:00Z');
  const events: AuditEvent[] = [];
  const markers: string[] = [];
  const deletesByUser = new Map<string, string[]>();
  for (let i = 0; i < EVENTS; i++) {
    const auditID = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const at = start + i * 2;
    const r = rnd();
    if (r < 0.01) {
      markers.push(auditID);
      events.push(
        auditEvent({
          auditID,
          at,
          verb: 'create',
          user: { username: MARKER_USER, groups: ['system:authenticated'] },
          requestURI: `/api/v1/namespaces/shop/pods/web-${i}/exec?command=sh`,
          objectRef: { resource: 'pods', subresource: 'exec', namespace: 'shop', name: `web-${i}`, apiVersion: 'v1' },
          responseStatus: { metadata: {}, code: 101 },
        }),
      );
    } else if (r < 0.03) {
      const user = `deleter-${Math.floor(rnd() * 30)}@example.com`;
      deletesByUser.set(user, [...(deletesByUser.get(user) ?? []), auditID]);
      events.push(
        auditEvent({
          auditID,
          at,
          verb: 'delete',
          user: { username: user, groups: ['system:authenticated'] },
          requestURI: `/api/v1/namespaces/shop/configmaps/cm-${i}`,
          objectRef: { resource: 'configmaps', namespace: 'shop', name: `cm-${i}`, apiVersion: 'v1' },
        }),
      );
    } else {
      events.push(
        auditEvent({ auditID, at, objectRef: { resource: 'pods', namespace: 'shop', name: `web-${i % 97}` } }),
      );
    }
  }
  // Each user's deletes, in event-time order, fire once per full run of BURST (the window then starts afresh).
  const bursts: { user: string; count: number; events: string[] }[] = [];
  for (const [user, ids] of deletesByUser) {
    for (let k = 0; k + BURST <= ids.length; k += BURST)
      bursts.push({ user, count: BURST, events: ids.slice(k, k + BURST) });
  }
  return { events, markers: markers.sort(), bursts: sortBursts(bursts) };
}

const sortBursts = <T extends { user: string; events: string[] }>(list: T[]): T[] =>
  list.sort((a, b) => a.user.localeCompare(b.user) || a.events[0]!.localeCompare(b.events[0]!));

describe('API-server-like client against kaudit over a real socket, with faults', () => {
  it('alerts on 50,000 events exactly once each despite 503s, dropped connections and slow answers', async () => {
    const { events, markers, bursts } = workload();
    expect(markers.length).toBeGreaterThan(100);
    expect(bursts.length).toBeGreaterThan(30);

    const pipeline = createPipeline({ rules, tick: false });
    const alerts: Alert[] = [];
    pipeline.notices$.subscribe((n) => {
      if (n.type === 'alert') alerts.push(n.alert);
    });
    const kapp = createApp({ pipeline });

    // Faults from a seeded PRNG, at most two per batch so none runs out of retries: 503 + Retry-After
    // before anything is read; a connection dropped after the events were pushed; an answer held until
    // the client gave up waiting (its timeout), also after the push. The last two make redeliveries.
    const faultRandom = seededRandom(20261126);
    const faultsByBody = new Map<string, number>();
    const injected = { unavailable: 0, dropped: 0, slow: 0 };
    const processedThenFailed = new Set<string>();
    const unexpected: number[] = [];
    const processed = new Set<string>();
    let redeliveries = 0;
    const passOn = async (digest: string, req: Request, env: HttpBindings): Promise<Response> => {
      if (processed.has(digest)) redeliveries++;
      const answer = await kapp.fetch(req, env);
      if (answer.status === 200) processed.add(digest);
      else unexpected.push(answer.status);
      return answer;
    };
    const fetch = async (req: Request, bindings: HttpBindings | Http2Bindings): Promise<Response> => {
      // createAdaptorServer below is plain HTTP/1.1.
      const env = bindings as HttpBindings;
      const digest = createHash('sha256')
        .update(new Uint8Array(await req.clone().arrayBuffer()))
        .digest('hex');
      const faults = faultsByBody.get(digest) ?? 0;
      const r = faultRandom();
      const fault = faults >= 2 ? 'none' : r < 0.15 ? 'unavailable' : r < 0.3 ? 'dropped' : r < 0.45 ? 'slow' : 'none';
      if (fault === 'none') return passOn(digest, req, env);
      faultsByBody.set(digest, faults + 1);
      injected[fault]++;
      if (fault === 'unavailable') return new Response('busy', { status: 503, headers: { 'Retry-After': '1' } });
      const socket = env.incoming.socket;
      const closed = once(socket, 'close');
      const answer = await passOn(digest, req, env);
      processedThenFailed.add(digest);
      if (fault === 'dropped') socket.destroy();
      await closed;
      return answer;
    };
    const server = createAdaptorServer({ fetch });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/audit`;

    const attempts: AttemptRecord[] = [];
    const client = createApiServerClient({
      url,
      maxInFlight: 8,
      // Scaled down from 30 s and 10 s, with room for a busy machine: a slow fault lasts one timeout
      // (the answer is held until the client gives up). Retry-After stays in whole seconds, as HTTP has it.
      timeout: 3000,
      backoff: { initial: 50 },
      random: seededRandom(7),
      onAttempt: (a) => attempts.push(a),
    });
    try {
      for (const event of events) await client.send(event);
      const stats = await client.close();
      await pipeline.end();

      expect(unexpected).toEqual([]);
      expect(injected.unavailable).toBeGreaterThan(0);
      expect(injected.dropped).toBeGreaterThan(0);
      expect(injected.slow).toBeGreaterThan(0);
      expect(stats).toMatchObject({ events: EVENTS, batches: EVENTS / 400, dropped: 0, deliveredEvents: EVENTS });
      expect(stats.retryAfterHonoured).toBe(injected.unavailable);
      expect(stats.retries).toBeGreaterThanOrEqual(injected.unavailable + injected.dropped + injected.slow);

      // Every event evaluated once: redelivered batches were answered 200 and not pushed again.
      expect(pipeline.stats.events).toBe(EVENTS);
      expect(pipeline.stats.rejected).toBe(0);
      const redelivered = new Set(
        attempts.filter((a) => a.outcome === 200 && JSON.parse(a.answer!).redelivery === true).map((a) => a.batch),
      );
      // Each batch whose push was not acknowledged came back, and was recognised, at least once (more
      // when a normal answer outlasted the client's timeout on a very busy machine).
      expect(redelivered.size).toBeGreaterThanOrEqual(processedThenFailed.size);
      expect(redeliveries).toBeGreaterThanOrEqual(processedThenFailed.size);
      const metrics = await kapp.metrics.text();
      expect(metrics).toMatch(new RegExp(`^kaudit_redeliveries_dropped_total ${redeliveries}$`, 'm'));

      // No alert lost, none doubled, threshold counts exact.
      const byRule = (rule: string) => alerts.filter((a) => a.rule === rule);
      expect(
        byRule('marker-exec')
          .map((a) => a.events[0]!.auditID)
          .sort(),
      ).toEqual(markers);
      expect(
        sortBursts(
          byRule('configmap-delete-burst').map((a) => ({
            user: a.key['user.username'] as string,
            count: a.count,
            events: a.events.map((e) => e.auditID!),
          })),
        ),
      ).toEqual(bursts);
      expect(alerts).toHaveLength(markers.length + bursts.length);
    } finally {
      await client.close();
      server.close();
    }
  }, 120_000);
});
