import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureIO } from './test-io.js';
import { describe, expect, it } from 'vitest';
import { main } from '../cli-main.js';

async function run(args: string[], cwd: string) {
  const t = captureIO({ cwd });
  const code = await main(args, t.io);
  return { code, out: t.out(), err: t.err() };
}

const execEvent = (username: string) => ({
  verb: 'create',
  user: { username },
  objectRef: { resource: 'pods', subresource: 'exec', namespace: 'default', name: 'web-0' },
});

function ruleDir(tests: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'kaudit-rules-cmd-'));
  mkdirSync(join(dir, 'rules', 'profiles'), { recursive: true });
  const file = {
    lists: { 'system-users': ['system:admin'] },
    rules: [
      {
        name: 'exec-into-pod',
        severity: 'high',
        conditions: {
          all: [
            { fact: 'objectRef.subresource', operator: 'equal', value: 'exec' },
            { fact: 'user.username', operator: 'notIn', value: { fact: 'system-users' } },
          ],
        },
      },
    ],
    tests,
  };
  writeFileSync(join(dir, 'rules', 'exec.json'), JSON.stringify(file));
  writeFileSync(
    join(dir, 'rules', 'profiles', 'kind.json'),
    JSON.stringify({ profile: 'kind', lists: { 'system-users': ['kind-admin'] } }),
  );
  writeFileSync(
    join(dir, 'audit.jsonl'),
    [execEvent('alice'), execEvent('kind-admin')].map((e) => JSON.stringify(e)).join('\n'),
  );
  return dir;
}

const PASSING = [
  { name: 'fires', events: [execEvent('alice')], expect: [{ rule: 'exec-into-pod' }] },
  { name: 'quiet', rules: ['exec-into-pod'], events: [execEvent('system:admin')], expect: [] },
];

describe('kaudit rules test', () => {
  it('prints a ✓ per case and a summary, exit 0 when all pass and every rule is covered', async () => {
    const dir = ruleDir(PASSING);
    const { code, out } = await run(['rules', 'test', 'rules'], dir);
    expect(out).toBe(
      [
        'rules/exec.json',
        '  ✓ fires',
        '  ✓ quiet',
        '',
        '2 case(s): 2 passed, 0 failed · 1 rule(s), 0 with coverage gaps',
        '',
      ].join('\n'),
    );
    expect(code).toBe(0);
  });

  it('exits 1 with expected and got on a failure, and on a coverage gap unless --no-coverage', async () => {
    const failing = await run(
      ['rules', 'test', 'rules'],
      ruleDir([PASSING[0], { ...PASSING[1], events: [execEvent('kind-admin')] }]),
    );
    expect(failing.code).toBe(1);
    expect(failing.out).toContain('  ✗ quiet\n      expected:   nothing\n      got:        exec-into-pod ×1\n');

    const gap = ruleDir([PASSING[0]]);
    const withGap = await run(['rules', 'test', 'rules'], gap);
    expect(withGap.code).toBe(1);
    expect(withGap.out).toContain(
      'exec-into-pod (rules/exec.json): no case names it in "rules" and expects it to stay quiet',
    );
    expect((await run(['rules', 'test', '--no-coverage', 'rules'], gap)).code).toBe(0);
  });

  it('applies --profile to cases that name none', async () => {
    const dir = ruleDir([
      { name: 'kind admin is quiet', rules: ['exec-into-pod'], events: [execEvent('kind-admin')], expect: [] },
    ]);
    expect((await run(['rules', 'test', '--no-coverage', 'rules'], dir)).code).toBe(1);
    const { code, out } = await run(['rules', 'test', '--no-coverage', '--profile', 'kind', 'rules'], dir);
    expect(out).toContain('✓ kind admin is quiet [profile kind]');
    expect(code).toBe(0);
  });

  it('exits 2 on usage errors: no path, an unknown option, an unknown profile (listing those there are)', async () => {
    const dir = ruleDir(PASSING);
    expect((await run(['rules', 'test'], dir)).code).toBe(2);
    expect((await run(['rules', 'test', '--bogus', 'rules'], dir)).code).toBe(2);
    const unknown = await run(['rules', 'test', '--profile', 'eks', 'rules'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('kaudit: unknown profile "eks"; available profiles: kind');
  });

  it('exits 1 and lists the problems of invalid rule files', async () => {
    const dir = ruleDir([{ name: 'no events', expect: [] }]);
    const { code, err } = await run(['rules', 'test', 'rules'], dir);
    expect(code).toBe(1);
    expect(err).toContain('at /tests/0: the test case needs its events');
  });
});

describe('kaudit replay --profile', () => {
  it('appends the profile lists, so the profile system user raises nothing', async () => {
    const dir = ruleDir(PASSING);
    const [rules, audit] = [join(dir, 'rules'), join(dir, 'audit.jsonl')];
    const plain = await run(['replay', '--format', 'json', '--quiet', '--rules', rules, audit], dir);
    expect(
      plain.out
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).message),
    ).toHaveLength(2);
    const kind = await run(
      ['replay', '--format', 'json', '--quiet', '--profile', 'kind', '--rules', rules, audit],
      dir,
    );
    expect(kind.code).toBe(0);
    const alerts = kind.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(alerts.map((a) => a.events[0].user)).toEqual(['alice']);
  });

  it('refuses an unknown profile before reading anything', async () => {
    const dir = ruleDir(PASSING);
    const { code, err } = await run(
      ['replay', '--profile', 'gke', '--rules', join(dir, 'rules'), join(dir, 'audit.jsonl')],
      dir,
    );
    expect(code).toBe(2);
    expect(err).toContain('unknown profile "gke"; available profiles: kind');
  });
});
