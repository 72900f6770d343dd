import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../event/audit-event.js';
import { fixture, skipWithoutFixtures } from '../testing/fixtures.js';
import { decodeBody } from './decode-body.js';
import type { Rejection } from './decode-result.js';
import { readEvents } from './read-events.js';

interface Decoded {
  events: AuditEvent[];
  rejected: Rejection[];
  batches: number;
}

async function readFile(path: string): Promise<Decoded> {
  const out: Decoded = { events: [], rejected: [], batches: 0 };
  for await (const batch of readEvents(path)) {
    out.events.push(...batch.events);
    out.rejected.push(...batch.rejected);
    out.batches++;
  }
  return out;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name))
    .sort();
}

const skip = skipWithoutFixtures('decode: real audit data');

describe.skipIf(skip)('decode: real audit data', () => {
  const audit = fixture('audit');

  it('falco: every scenario file decodes, only fal_01_003.json is rejected', async () => {
    const dir = fixture('audit/falco');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(files).toHaveLength(47);
    let total = 0;
    for (const file of files) {
      const { events, rejected } = await readFile(join(dir, file));
      total += events.length;
      if (file === 'fal_01_003.json') {
        expect(events).toEqual([]);
        expect(rejected).toEqual([{ line: 1, source: join(dir, file), reason: 'kind is 0, expected "Event"' }]);
      } else {
        expect(rejected, file).toEqual([]);
        // create_configmap_sensitive_values.json holds six events, one per line; the rest one each.
        expect(events, file).toHaveLength(file === 'create_configmap_sensitive_values.json' ? 6 : 1);
      }
    }
    expect(total).toBe(51);
  });

  it('falco: v1beta1-era events without apiVersion are accepted', async () => {
    const { events } = await readFile(fixture('audit/falco/exec_pod.json'));
    expect(events[0]?.apiVersion).toBeUndefined();
    expect(events[0]?.objectRef?.subresource).toBe('exec');
  });

  it('audit2rbac: 37 log-backend events', async () => {
    const { events, rejected } = await readFile(fixture('audit/audit2rbac/demo.log'));
    expect(rejected).toEqual([]);
    expect(events).toHaveLength(37);
    expect(events.filter((e) => e.responseStatus?.code === 403)).toHaveLength(11);
    expect(events.every((e) => e.user?.username === 'system:admin' && e.impersonatedUser !== undefined)).toBe(true);
    expect(events.filter((e) => e.impersonatedUser?.username === 'bob')).toHaveLength(29);
  });

  it('aks: the Event Hub wrapper gives the same 22 events as the unwrapped lines', async () => {
    const wrapped = await readFile(fixture('audit/aks/event.json'));
    const unwrapped = await readFile(fixture('audit/aks/event.unwrapped.jsonl'));
    expect(wrapped.rejected).toEqual([]);
    expect(unwrapped.rejected).toEqual([]);
    expect(wrapped.events).toHaveLength(22);
    expect(wrapped.events).toEqual(unwrapped.events);
    expect(wrapped.events.some((e) => e.verb === 'watch' && e.stage === 'ResponseStarted')).toBe(true);
  });

  it('aks: the sample record and the pretty-printed RequestResponse event', async () => {
    const record = await readFile(fixture('audit/aks/sample_EventHubs_event.json'));
    expect(record.rejected).toEqual([]);
    expect(record.events.map((e) => e.auditID)).toEqual(['4e2a4193-cb3d-4ff7-bf37-32c392fbc23b']);
    const pretty = await readFile(fixture('audit/aks/sample_KubeAuditLog_event.json'));
    expect(pretty.rejected).toEqual([]);
    expect(pretty.events).toHaveLength(1);
    expect(pretty.events[0]?.level).toBe('RequestResponse');
  });

  it('perfspec: 16,563 events from the gzip file, streamed in batches', async () => {
    const { events, rejected, batches } = await readFile(fixture('audit/perfspec/audit-logs.jsonl.gz'));
    expect(rejected).toEqual([]);
    expect(events).toHaveLength(16_563);
    expect(batches).toBeGreaterThan(10);
    expect(events.every((e) => typeof e.verb === 'string' && typeof e.user?.username === 'string')).toBe(true);
  });

  it('panther: 18 complete events, and the fragments that carry a verb or requestURI', async () => {
    const complete = await readFile(fixture('audit/panther/complete.jsonl'));
    expect(complete.rejected).toEqual([]);
    expect(complete.events).toHaveLength(18);

    const fragments = await readFile(fixture('audit/panther/fragments.jsonl'));
    expect(fragments.events).toHaveLength(203);
    // Line 14 is the "Localhost Access" negative test of Kubernetes.API.AnonymousAccess: user and sourceIPs only.
    expect(fragments.rejected).toEqual([
      { line: 14, source: fixture('audit/panther/fragments.jsonl'), reason: 'verb and requestURI are both missing' },
    ]);
  });

  it('crowdsec and khi: each file holds one event', async () => {
    for (const path of [
      'crowdsec/k8s-audit-pod-exec-file.log',
      'crowdsec/k8s-audit-priv-pod-file.log',
      'khi/test-log.json',
    ]) {
      const { events, rejected } = await readFile(join(audit, path));
      expect(rejected, path).toEqual([]);
      expect(events, path).toHaveLength(1);
    }
  });

  it('every file: decodeBody on the whole content agrees with streaming', async () => {
    for (const path of filesUnder(audit)) {
      const name = relative(audit, path);
      if (name.endsWith('LICENSE.txt') || name.endsWith('.index.jsonl')) continue;
      const raw = readFileSync(path);
      const body = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
      const whole = decodeBody(body, { source: path });
      const streamed = await readFile(path);
      expect(streamed.events, name).toEqual(whole.events);
      expect(streamed.rejected, name).toEqual(whole.rejected.map((r) => ({ line: 1, ...r })));
    }
  });
});
