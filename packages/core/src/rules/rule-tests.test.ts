import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuleFiles, parseRuleSet } from './load-rule-files.js';
import type { RuleFile } from './rule-file.js';
import type { RulesError } from './rule-problem.js';
import { formatRuleTestReport } from './rule-tests-report.js';
import { compareAlerts, runRuleTestFiles, runRuleTests, withDefaults } from './rule-tests.js';

const exec = (username: string, extra: Record<string, unknown> = {}) => ({
  verb: 'create',
  user: { username },
  objectRef: { resource: 'pods', subresource: 'exec', namespace: 'default', name: 'web-0' },
  ...extra,
});

const EXEC_RULES: RuleFile = {
  lists: { 'system-users': ['system:admin'] },
  rules: [
    {
      name: 'exec-into-pod',
      severity: 'high',
      enabled: false,
      conditions: {
        all: [
          { fact: 'objectRef.subresource', operator: 'equal', value: 'exec' },
          { fact: 'user.username', operator: 'notIn', value: { fact: 'system-users' } },
        ],
      },
      suppress: { for: '1h', key: ['user.username'] },
    },
    {
      name: 'exec-burst',
      severity: 'medium',
      conditions: { all: [{ fact: 'objectRef.subresource', operator: 'equal', value: 'exec' }] },
      threshold: { count: 3, within: '1m', groupBy: ['user.username'] },
    },
  ],
};

function tempDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kaudit-rule-tests-'));
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

describe('withDefaults', () => {
  it('fills in the envelope and one-second timestamps, keeping what the event sets', () => {
    expect(withDefaults({ verb: 'get' }, 'c', 2)).toEqual({
      apiVersion: 'audit.k8s.io/v1',
      kind: 'Event',
      level: 'Metadata',
      stage: 'ResponseComplete',
      auditID: 'c#2',
      verb: 'get',
      requestReceivedTimestamp: '2026-01-01T00:00:02.000Z',
      stageTimestamp: '2026-01-01T00:00:02.000Z',
    });
    const own = withDefaults({ verb: 'get', stage: 'ResponseStarted', stageTimestamp: '2026-02-01T00:00:00Z' }, 'c', 0);
    expect(own).toMatchObject({ stage: 'ResponseStarted', stageTimestamp: '2026-02-01T00:00:00Z' });
    expect(own.requestReceivedTimestamp).toBeUndefined();
  });

  it('does not change the event it is given', () => {
    const event = { verb: 'get', user: { username: 'a' } };
    const out = withDefaults(event, 'c', 0);
    (out.user as { username: string }).username = 'b';
    expect(event).toEqual({ verb: 'get', user: { username: 'a' } });
  });
});

describe('compareAlerts', () => {
  const alert = (rule: string, count: number, key: Record<string, unknown>) => ({ rule, count, key, message: '' });

  it('matches as a multiset: counts and key subsets, extra and missing alerts reported', () => {
    const got = [alert('a', 1, { u: 'x' }), alert('a', 2, { u: 'y', n: 'ns' }), alert('b', 1, {})];
    expect(compareAlerts([{ rule: 'a', count: 2, key: { u: 'y' } }, { rule: 'a' }, { rule: 'b' }], got)).toEqual({
      missing: [],
      unexpected: [],
    });
    expect(compareAlerts([{ rule: 'a' }, { rule: 'c' }], got)).toEqual({
      missing: [{ rule: 'c' }],
      unexpected: [got[1], got[2]],
    });
  });

  it('never lets a loose expectation take the alert a stricter one needs', () => {
    const got = [alert('a', 1, { u: 'x' }), alert('a', 1, { u: 'y' })];
    // Greedy pairing in order would give the first alert to { rule: 'a' } and fail the second expectation.
    expect(compareAlerts([{ rule: 'a' }, { rule: 'a', key: { u: 'x' } }], got)).toEqual({
      missing: [],
      unexpected: [],
    });
    expect(
      compareAlerts(
        [
          { rule: 'a', key: { u: 'x' } },
          { rule: 'a', key: { u: 'x' } },
        ],
        got,
      ).missing,
    ).toHaveLength(1);
  });

  it('compares key values deeply and requires the fact to be in the key', () => {
    const got = [alert('a', 1, { groups: ['g1', 'g2'], ns: null })];
    expect(compareAlerts([{ rule: 'a', key: { groups: ['g1', 'g2'], ns: null } }], got).missing).toEqual([]);
    expect(compareAlerts([{ rule: 'a', key: { groups: ['g1'] } }], got).missing).toHaveLength(1);
    expect(compareAlerts([{ rule: 'a', key: { other: undefined } }], got).missing).toHaveLength(1);
  });
});

describe('runRuleTests', () => {
  const run = (tests: RuleFile['tests'], file: RuleFile = EXEC_RULES) =>
    runRuleTests(parseRuleSet([{ file: '/r/exec.json', json: { ...file, tests } }]));

  it('runs a disabled rule, merges roll-ups into the final count, and scopes the comparison', async () => {
    const report = await run([
      {
        name: 'two execs by alice: one alert of count 2',
        rules: ['exec-into-pod'],
        events: [exec('alice'), exec('alice')],
        expect: [{ rule: 'exec-into-pod', count: 2, key: { 'user.username': 'alice' } }],
      },
      { name: 'the system user is quiet', rules: ['exec-into-pod'], events: [exec('system:admin')], expect: [] },
    ]);
    expect(report.cases.map((c) => [c.name, c.passed, c.error])).toEqual([
      ['two execs by alice: one alert of count 2', true, undefined],
      ['the system user is quiet', true, undefined],
    ]);
  });

  it('fails with what was missing and what was unexpected', async () => {
    const report = await run([
      {
        name: 'wrong',
        rules: ['exec-into-pod'],
        events: [exec('alice'), exec('bob')],
        expect: [{ rule: 'exec-into-pod', key: { 'user.username': 'carol' } }],
      },
    ]);
    const [c] = report.cases;
    expect(c).toMatchObject({ passed: false, missing: [{ rule: 'exec-into-pod' }] });
    expect(c!.unexpected.map((a) => a.key)).toEqual([{ 'user.username': 'alice' }, { 'user.username': 'bob' }]);
    expect(report).toMatchObject({ passed: 0, failed: 1 });
  });

  it('defaults the scope to the rules of the file: every one of them must be expected', async () => {
    const three = [exec('alice'), exec('alice'), exec('alice')];
    const [quiet, loud] = (
      await run([
        { name: 'only the exec alert expected', events: three, expect: [{ rule: 'exec-into-pod', count: 3 }] },
        {
          name: 'both',
          events: three,
          expect: [
            { rule: 'exec-into-pod', count: 3 },
            { rule: 'exec-burst', count: 3 },
          ],
        },
      ])
    ).cases;
    expect(quiet).toMatchObject({ passed: false, unexpected: [{ rule: 'exec-burst', count: 3 }] });
    expect(loud!.passed).toBe(true);
  });

  it('uses explicit timestamps for windows: three execs over two minutes do not make a burst', async () => {
    const at = (s: number) => ({ stageTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString() });
    const report = await run([
      {
        name: 'spread out',
        rules: ['exec-burst'],
        events: [exec('a', at(0)), exec('a', at(50)), exec('a', { stageTimestamp: '2026-01-01T00:02:00Z' })],
        expect: [],
      },
    ]);
    expect(report.cases[0]!.passed).toBe(true);
  });

  it('goes through decoding and redaction: a refused event fails the case with the reason', async () => {
    const report = await run([
      { name: 'bad event', rules: ['exec-into-pod'], events: [{ user: { username: 'x' } }], expect: [] },
    ]);
    expect(report.cases[0]).toMatchObject({
      passed: false,
      error: 'event 0 was refused: verb and requestURI are both missing',
    });
  });

  it('reports coverage: a firing case and a quiet case that names the rule', async () => {
    const report = await run([
      { name: 'fires', events: [exec('alice')], expect: [{ rule: 'exec-into-pod' }] },
      { name: 'quiet', rules: ['exec-into-pod'], events: [exec('system:admin')], expect: [] },
    ]);
    expect(report.coverage).toEqual([
      { rule: 'exec-into-pod', file: '/r/exec.json', firing: ['fires'], quiet: ['quiet'] },
      { rule: 'exec-burst', file: '/r/exec.json', firing: [], quiet: [] },
    ]);
    expect(report.gaps.map((g) => g.rule)).toEqual(['exec-burst']);
  });
});

describe('runRuleTestFiles', () => {
  const withProfile = (tests: RuleFile['tests']) =>
    tempDir({
      'exec.json': { ...EXEC_RULES, tests },
      'profiles/eks.json': { profile: 'eks', lists: { 'system-users': ['eks:node-manager'] } },
      'tests/three.jsonl': [exec('bob'), exec('bob'), exec('bob')]
        .map((e, i) => JSON.stringify({ ...e, stageTimestamp: `2026-01-01T00:00:0${i}Z` }))
        .join('\n'),
    });

  it('runs cases with their profile, and events from a file relative to the rule file', async () => {
    const dir = withProfile([
      {
        name: 'eks system user alerts without the profile',
        rules: ['exec-into-pod'],
        events: [exec('eks:node-manager')],
        expect: [{ rule: 'exec-into-pod' }],
      },
      {
        name: 'and is quiet with it',
        rules: ['exec-into-pod'],
        profile: 'eks',
        events: [exec('eks:node-manager')],
        expect: [],
      },
      {
        name: 'from a file',
        rules: ['exec-burst'],
        eventsFile: 'tests/three.jsonl',
        expect: [{ rule: 'exec-burst', count: 3 }],
      },
    ]);
    const report = await runRuleTestFiles([dir]);
    expect(report.cases.map((c) => [c.name, c.profile, c.passed, c.error])).toEqual([
      ['eks system user alerts without the profile', undefined, true, undefined],
      ['and is quiet with it', 'eks', true, undefined],
      ['from a file', undefined, true, undefined],
    ]);
    // The profile given for the run applies to cases that name none.
    const withEks = await runRuleTestFiles([dir], { profile: 'eks' });
    expect(withEks.cases.map((c) => c.passed)).toEqual([false, true, true]);
  });

  it('runs a case with "profile": null without any profile, whatever the run has', async () => {
    const dir = withProfile([
      {
        name: 'alerts without the profile, always',
        rules: ['exec-into-pod'],
        profile: null,
        events: [exec('eks:node-manager')],
        expect: [{ rule: 'exec-into-pod' }],
      },
    ]);
    const report = await runRuleTestFiles([dir], { profile: 'eks' });
    expect(report.cases.map((c) => [c.profile, c.passed])).toEqual([[undefined, true]]);
  });

  it('fails a case whose profile or events file does not exist, and runs the others', async () => {
    const dir = withProfile([
      { name: 'no such profile', rules: ['exec-into-pod'], profile: 'gke', events: [exec('a')], expect: [] },
      { name: 'no such file', rules: ['exec-into-pod'], eventsFile: 'tests/none.jsonl', expect: [] },
      { name: 'fine', rules: ['exec-into-pod'], events: [exec('system:admin')], expect: [] },
    ]);
    const report = await runRuleTestFiles([dir]);
    expect(report.cases.map((c) => c.passed)).toEqual([false, false, true]);
    expect(report.cases[0]!.error).toContain('unknown profile "gke"; available profiles: eks');
    expect(report.cases[1]!.error).toMatch(/none\.jsonl/);
  });

  it('refuses test cases that could never pass, when loading', async () => {
    const dir = tempDir({
      'exec.json': {
        ...EXEC_RULES,
        tests: [
          { name: 'a', rules: ['exec-into-pdo'], events: [], expect: [] },
          { name: 'a', rules: ['exec-burst'], events: [], expect: [{ rule: 'exec-into-pod' }] },
          { name: 'b', events: [], eventsFile: 'x.jsonl', expect: [] },
          { name: 'c', expect: [] },
          { name: 'd', events: [], expect: [{ rule: 'exec-into-pod', key: { 'user.username': 'a', verb: 'get' } }] },
        ],
      },
    });
    const problems = await loadRuleFiles([dir]).then(
      () => [],
      (err: RulesError) => err.problems.map((p) => `${p.pointer}: ${p.message}`),
    );
    expect(problems).toEqual([
      '/tests/0/rules/0: unknown rule "exec-into-pdo" (did you mean "exec-into-pod"?); a test case can scope any loaded rule',
      '/tests/1/name: duplicate test name "a": the test at /tests/0 has it too',
      `/tests/1/expect/0/rule: rule "exec-into-pod" is not in the scope of this case: the case's "rules"`,
      '/tests/2/eventsFile: a test case has "events" or "eventsFile", not both',
      '/tests/3: the test case needs its events: "events" (inline) or "eventsFile" (a path relative to this file)',
      `/tests/4/expect/0/key/verb: "verb" is not in the key of exec-into-pod's alerts, which are keyed by user.username`,
    ]);
  });

  it('prints ✓ and ✗ per case, expected and got, coverage gaps and a summary', async () => {
    const dir = withProfile([
      { name: 'fires', rules: ['exec-into-pod'], events: [exec('alice')], expect: [{ rule: 'exec-into-pod' }] },
      { name: 'wrongly quiet', rules: ['exec-into-pod'], events: [exec('bob')], expect: [] },
    ]);
    const text = formatRuleTestReport(await runRuleTestFiles([dir]), { cwd: dir });
    expect(text).toBe(
      [
        'exec.json',
        '  ✓ fires',
        '  ✗ wrongly quiet',
        '      expected:   nothing',
        '      got:        exec-into-pod ×1 {"user.username":"bob"}',
        '',
        'coverage gaps (1):',
        '  exec-burst (exec.json): no case expects it to fire; no case names it in "rules" and expects it to stay quiet',
        '',
        '2 case(s): 1 passed, 1 failed · 2 rule(s), 1 with coverage gaps',
        '',
      ].join('\n'),
    );
  });
});

describe('ruleTestSuite', () => {
  it('gives one titled entry per case, with the failure explained, and the gaps', async () => {
    const dir = tempDir({
      'exec.json': {
        ...EXEC_RULES,
        tests: [
          { name: 'fires', events: [exec('alice')], expect: [{ rule: 'exec-into-pod' }] },
          { name: 'wrong', rules: ['exec-into-pod'], events: [exec('bob')], expect: [] },
        ],
      },
    });
    const { ruleTestSuite } = await import('./rule-tests-suite.js');
    expect(await ruleTestSuite([dir])).toEqual({
      cases: [
        { title: 'exec.json: fires', failure: [] },
        {
          title: 'exec.json: wrong',
          failure: ['expected:   nothing', 'got:        exec-into-pod ×1 {"user.username":"bob"}'],
        },
      ],
      gaps: ['exec-burst (exec.json): no firing case, no quiet case'],
    });
  });
});
