import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRuleSet, compileRuleSet, type DeadLetterEntry, type RuleFile } from '@kaudit/core';
import { auditEvent } from '@kaudit/core/testing';
import type { CallRecord, ReceivedMessage } from './testing/index.js';

/** Rules for the end-to-end delivery tests: stateless ones (an alert per event) and a suppressed one. */
const RULES: RuleFile = {
  rules: [
    {
      name: 'exec-into-pod',
      title: 'Exec into a pod',
      severity: 'critical',
      tags: ['execution'],
      conditions: { all: [{ fact: 'objectRef.subresource', operator: 'equal', value: 'exec' }] },
      message: '{{user.username}} exec into {{objectRef.namespace}}/{{objectRef.name}}',
    },
    {
      name: 'secret-read',
      title: 'Secret read',
      severity: 'high',
      tags: ['credential-access'],
      conditions: {
        all: [
          { fact: 'objectRef.resource', operator: 'equal', value: 'secrets' },
          { fact: 'verb', operator: 'equal', value: 'get' },
        ],
      },
      message: '{{user.username}} read {{objectRef.namespace}}/{{objectRef.name}}',
    },
    {
      name: 'pod-deleted',
      title: 'Pod deleted',
      severity: 'medium',
      conditions: {
        all: [
          { fact: 'objectRef.resource', operator: 'equal', value: 'pods' },
          { fact: 'verb', operator: 'equal', value: 'delete' },
        ],
      },
    },
    {
      name: 'configmap-patched',
      title: 'ConfigMap patched repeatedly',
      severity: 'low',
      conditions: {
        all: [
          { fact: 'objectRef.resource', operator: 'equal', value: 'configmaps' },
          { fact: 'verb', operator: 'equal', value: 'patch' },
        ],
      },
      suppress: { for: '10m', key: ['user.username', 'objectRef.name'] },
      message: '{{user.username}} patched {{objectRef.name}}',
    },
  ],
};

/** The compiled test rules. */
export const testRules = () => compileRuleSet(parseRuleSet([{ file: 'delivery-e2e.json', json: RULES }]));

const T0 = Date.parse('2026-11-26T20:00:00Z');

/** An audit event that raises one alert of `kind`, distinct per `i`. */
export function alertingEvent(kind: 'exec' | 'secret' | 'delete', i: number) {
  const at = T0 + i * 10;
  const user = { username: `user-${i}@example.com`, groups: ['system:authenticated'] };
  if (kind === 'exec')
    return auditEvent({
      at,
      verb: 'create',
      user,
      objectRef: { resource: 'pods', subresource: 'exec', namespace: 'shop', name: `web-${i}`, apiVersion: 'v1' },
    });
  if (kind === 'secret')
    return auditEvent({
      at,
      verb: 'get',
      user,
      objectRef: { resource: 'secrets', namespace: 'shop', name: `db-${i}`, apiVersion: 'v1' },
    });
  return auditEvent({
    at,
    verb: 'delete',
    user,
    objectRef: { resource: 'pods', namespace: 'shop', name: `web-${i}`, apiVersion: 'v1' },
  });
}

/** The same ConfigMap patch by the same user, `n` seconds after the first. */
export function repeatedPatch(n: number) {
  return auditEvent({
    at: T0 + n * 1000,
    verb: 'patch',
    user: { username: 'mallory@example.com', groups: ['system:authenticated'] },
    objectRef: { resource: 'configmaps', namespace: 'kube-system', name: 'coredns', apiVersion: 'v1' },
  });
}

/** Alerts a channel received: one per alert message, N per "N alerts of …" digest (thread replies excluded). */
export function alertsReceived(messages: readonly ReceivedMessage[]): {
  messages: number;
  alerts: number;
  digests: number;
} {
  let alerts = 0;
  let digests = 0;
  for (const m of messages) {
    const digest = /\] (\d+) alerts? of /.exec(m.text ?? '');
    if (digest) {
      digests++;
      alerts += Number(digest[1]);
    } else alerts++;
  }
  return { messages: messages.length, alerts, digests };
}

/**
 * How far a series of call times exceeds a token-bucket limit: max over intervals [i, j] of
 * `calls - (burst + perSecond·(Tj - Ti + slack)/1000)`. ≤ 0 means never faster than the limit. `slack`
 * (ms) absorbs the jitter of local HTTP between the client's send and the server's clock reading.
 */
export function excessOverLimit(times: readonly number[], perSecond: number, burst: number, slack: number): number {
  let worst = -Infinity;
  for (let i = 0; i < times.length; i++)
    for (let j = i; j < times.length; j++)
      worst = Math.max(worst, j - i + 1 - (burst + (perSecond * (times[j]! - times[i]! + slack)) / 1000));
  return worst;
}

/** For every 429 in `calls` (one channel, in order): how long the client waited before its next call there. */
export function waitsAfter429(calls: readonly CallRecord[]): number[] {
  const waits: number[] = [];
  calls.forEach((c, i) => {
    const next = calls[i + 1];
    if (c.status === 429 && next) waits.push(next.at - c.at);
  });
  return waits;
}

/** A temporary folder for a dead-letter file, and a reader for it. */
export async function deadLetterDir(): Promise<{
  path: string;
  read(): Promise<DeadLetterEntry[]>;
  remove(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'kaudit-e2e-'));
  const path = join(dir, 'dead-letter.jsonl');
  return {
    path,
    async read() {
      try {
        return (await readFile(path, 'utf8'))
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as DeadLetterEntry);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
