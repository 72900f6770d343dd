import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { captureIO } from './commands/test-io.js';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { loadRuleFiles } from '@kaudit/core';
import { fixture, skipWithoutFixtures } from '@kaudit/core/testing';
import { describe, expect, it } from 'vitest';
import { main } from './cli-main.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const quickStart = join(repo, 'examples/events/quick-start.jsonl');
const rules = join(repo, 'rules');

async function run(args: string[], stdin: NodeJS.ReadableStream = Readable.from([])) {
  const t = captureIO({ cwd: repo, stdin });
  const code = await main(args, t.io);
  return { code, out: t.out(), err: t.err() };
}

const ALERT_KEYS = [
  'count',
  'events',
  'firstSeen',
  'id',
  'key',
  'lastSeen',
  'message',
  'rule',
  'severity',
  'suppressed',
  'tags',
  'title',
];

describe('kaudit replay', () => {
  it('prints exactly one alert per line on stdout with --format json, everything else on stderr', async () => {
    const { code, out, err } = await run(['replay', '--format', 'json', '--rules', rules, quickStart]);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    const alerts = lines.map((l) => JSON.parse(l));
    for (const a of alerts) expect(Object.keys(a).sort()).toEqual(ALERT_KEYS);
    expect(alerts.map((a) => a.rule).sort()).toEqual([
      'anonymous-access-allowed',
      'cluster-admin-binding',
      'exec-into-pod',
      'privileged-pod',
      'secret-read-burst',
    ]);
    // Two stages of one exec request: one alert, the second rolled up.
    expect(alerts.find((a) => a.rule === 'exec-into-pod')).toMatchObject({ count: 2, suppressed: 1 });
    expect(err).toMatch(/20 events read .* 0 rejected, 5 alerts/);
    expect(err).toContain('matched 5 × secret-read-burst');
  });

  it('never prints a secret value, in json or pretty form', async () => {
    for (const format of ['json', 'pretty']) {
      const { out, err } = await run(['replay', '--format', format, '--rules', rules, quickStart]);
      expect(out.length).toBeGreaterThan(100);
      for (const secret of ['c3VwZXJzZWNyZXQ=', 'hunter2-not-for-slack']) {
        expect(out + err).not.toContain(secret);
      }
      // The secret was in the input: the test would catch a redaction failure.
      expect(readFileSync(quickStart, 'utf8')).toContain('hunter2-not-for-slack');
    }
  });

  it('redacts extra paths on request, and only turns redaction off when told to', async () => {
    const extra = await run([
      'replay',
      '--format',
      'json',
      '--rules',
      rules,
      '--redact-path',
      'user.username',
      quickStart,
    ]);
    expect(extra.out).not.toContain('ci-deployer');
    expect(extra.out).toContain('[REDACTED]');
    // The off switch wins over everything, extra paths included.
    const off = await run([
      'replay',
      '--format',
      'json',
      '--rules',
      rules,
      '--redact-path',
      'user.username',
      '--no-redaction',
      quickStart,
    ]);
    expect(off.out).toContain('ci-deployer');
    expect(off.out).not.toContain('[REDACTED]');
  });

  it('reads stdin with -, gzipped or not, and reports rejected lines without stopping', async () => {
    const text = readFileSync(quickStart, 'utf8');
    const lines = text.trimEnd().split('\n');
    const broken = [lines[0], '{not json', '{"kind":"Event"}', ...lines.slice(1)].join('\n');
    const { code, out, err } = await run(
      ['replay', '--format', 'json', '--rules', rules, '-'],
      Readable.from([gzipSync(broken)]),
    );
    expect(code).toBe(0);
    expect(out.trimEnd().split('\n')).toHaveLength(5);
    expect(err).toMatch(/skipped stdin:2: /);
    expect(err).toMatch(/skipped stdin:3: verb and requestURI are both missing/);
    expect(err).toContain('2 rejected');
  });

  it('ends the run with a clear message and exit 1 on an unreadable file, before any work', async () => {
    const { code, out, err } = await run([
      'replay',
      '--format',
      'json',
      '--rules',
      rules,
      quickStart,
      '/nonexistent/audit.log',
    ]);
    expect(code).toBe(1);
    expect(err).toBe('kaudit: cannot read /nonexistent/audit.log: ENOENT\n');
    expect(out).toBe('');
  });

  it('ends the run at a file that fails part-way, after alerting on what was read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kaudit-logs-'));
    const truncated = join(dir, 'audit.log.gz');
    // Benign events only, so every alert comes from the first file.
    const benign = `${readFileSync(quickStart, 'utf8').split('\n').slice(0, 2).join('\n')}\n`.repeat(200);
    const gz = gzipSync(benign);
    writeFileSync(truncated, gz.subarray(0, gz.length - 20));
    const { code, out, err } = await run(['replay', '--format', 'json', '--rules', rules, quickStart, truncated]);
    expect(code).toBe(1);
    expect(out.trimEnd().split('\n')).toHaveLength(5);
    expect(err).toMatch(/kaudit: \[decode\] cannot read .*audit\.log\.gz: gzip/);
  });

  it('refuses invalid rules with every problem listed and exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kaudit-rules-'));
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({
        rules: [
          { name: 'a', severity: 'urgent', conditions: { all: [] } },
          {
            name: 'b',
            severity: 'low',
            conditions: { all: [{ fact: 'verb', operator: 'nope', value: 1 }] },
            threshold: { count: 2, within: 'soon' },
          },
        ],
      }),
    );
    const { code, out, err } = await run(['replay', '--rules', dir, quickStart]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain('bad.json');
    expect(err).toMatch(/rule "a" at \/rules\/0\/severity/);
    expect(err).toMatch(/rule "b" at \/rules\/1\/threshold\/within/);
    expect(err).toMatch(/rule "b" at \/rules\/1\/conditions\/all\/0\/operator/);
  });

  it('counts rule evaluation errors in the summary instead of failing the replay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kaudit-rules-'));
    // `in` against a fact reference that holds a number: json-rules-engine throws, so does the rule.
    const rule = { fact: 'verb', operator: 'in', value: { fact: 'responseStatus.code' } };
    writeFileSync(
      join(dir, 'odd.json'),
      JSON.stringify({ rules: [{ name: 'odd', severity: 'low', conditions: { all: [rule] } }] }),
    );
    const { code, err } = await run(['replay', '--rules', dir, quickStart]);
    expect(code).toBe(0);
    expect(err).toContain('20 evaluation error(s) in odd: those events did not match it');
  });

  it('answers a usage error with the usage and exit 2', async () => {
    expect((await run(['replay'])).code).toBe(2);
    expect((await run(['replay', '--format', 'xml', quickStart])).err).toContain('--format must be pretty or json');
    expect((await run(['frobnicate'])).code).toBe(2);
  });

  it('alerts on the falco exec, cluster-admin and privileged pod events and not on the unprivileged pod', async () => {
    if (skipWithoutFixtures('kaudit replay on falco fixtures')) return;
    const files = [
      'exec_pod.json',
      'attach_cluster_admin_role.json',
      'create_nginx_pod_privileged.json',
      'create_nginx_pod_unprivileged.json',
    ];
    const { code, out } = await run([
      'replay',
      '--format',
      'json',
      '--rules',
      rules,
      ...files.map((f) => fixture(`audit/falco/${f}`)),
    ]);
    expect(code).toBe(0);
    const alerts = out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const byAuditID = new Map(alerts.map((a) => [a.events[0].auditID, a.rule]));
    const ids = files.map((f) => JSON.parse(readFileSync(fixture(`audit/falco/${f}`), 'utf8')).auditID);
    expect(byAuditID.get(ids[0])).toBe('exec-into-pod');
    expect(byAuditID.get(ids[1])).toBe('cluster-admin-binding');
    expect(byAuditID.get(ids[2])).toBe('privileged-pod');
    expect(byAuditID.has(ids[3])).toBe(false);
    expect(alerts).toHaveLength(3);
  });
});

describe('kaudit rules', () => {
  it('validates the default rules', async () => {
    const { code, out } = await run(['rules', 'validate', rules]);
    expect(code).toBe(0);
    // The library grows; the command must report what the loader finds.
    const spec = await loadRuleFiles([rules]);
    const enabled = spec.rules.filter((r) => r.enabled).length;
    expect(out).toMatch(
      new RegExp(`^ok: ${spec.rules.length} rules \\(${enabled} enabled\\) in ${spec.files.length} file`),
    );
    expect(out).toContain(`${spec.tests?.length ?? 0} test cases`);
  });

  it('prints the JSON Schema of rule files', async () => {
    const { code, out } = await run(['rules', 'schema']);
    expect(code).toBe(0);
    const schema = JSON.parse(out);
    expect(schema.$schema).toMatch(/json-schema\.org/);
    expect(schema.definitions.ruleFile.properties.rules).toBeDefined();
    expect(schema.definitions.ruleFile.properties.tests.items).toEqual({ $ref: '#/definitions/testCase' });
    expect(schema.then).toEqual({ $ref: '#/definitions/profileFile' });
  });
});
