import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuleFiles, parseRuleSet } from './load-rule-files.js';
import { listProfiles } from './profiles.js';
import type { RulesError } from './rule-problem.js';

const RULES = {
  lists: { 'system-users': ['system:admin'], 'system-namespaces': ['kube-system'] },
  rules: [
    {
      name: 'exec-into-pod',
      severity: 'high',
      conditions: { all: [{ fact: 'user.username', operator: 'notIn', value: { fact: 'system-users' } }] },
    },
  ],
};

function tempDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kaudit-profiles-'));
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

const problemsOf = (promise: Promise<unknown>) =>
  promise.then(
    () => [],
    (err: RulesError) => err.problems.map((p) => `${p.file.split('/').slice(-2).join('/')}#${p.pointer}: ${p.message}`),
  );

describe('environment profiles', () => {
  const dir = tempDir({
    'rules.json': RULES,
    'profiles/eks.json': {
      $schema: '../rule-file.schema.json',
      profile: 'eks',
      description: 'Amazon EKS',
      lists: { 'system-users': ['eks:node-manager', 'system:admin'], 'system-namespaces': ['amazon-cloudwatch'] },
    },
    'profiles/kind.json': { profile: 'kind', lists: {} },
    'tests/events.json': '{"not": "a rule file"}',
  });

  it('are skipped, as are test event files, when no profile is selected', async () => {
    const spec = await loadRuleFiles([dir]);
    expect(spec.files.map((f) => f.slice(dir.length))).toEqual(['/rules.json']);
    expect(spec.lists['system-users']).toEqual(['system:admin']);
    expect(spec.profile).toBeUndefined();
  });

  it('append their lists to the base lists of the same name, without repeats', async () => {
    const spec = await loadRuleFiles([dir], { profile: 'eks' });
    expect(spec.profile).toBe('eks');
    expect(spec.lists).toEqual({
      'system-users': ['system:admin', 'eks:node-manager'],
      'system-namespaces': ['kube-system', 'amazon-cloudwatch'],
    });
    // The profile's file is not a rule file of the set.
    expect(spec.files.map((f) => f.slice(dir.length))).toEqual(['/rules.json']);
  });

  it('are listed by name, and an unknown one is refused with the list', async () => {
    expect(await listProfiles([dir, join(dir, 'rules.json')])).toEqual(['eks', 'kind']);
    expect(await problemsOf(loadRuleFiles([dir], { profile: 'gke' }))).toEqual([
      `${dir.split('/').slice(-2).join('/')}#: unknown profile "gke"; available profiles: eks, kind`,
    ]);
  });

  it('may only extend lists that exist, must be named as their file, and are not rule files', async () => {
    const bad = tempDir({
      'rules.json': RULES,
      'profiles/gke.json': { profile: 'gek', lists: { 'system-user': ['gke:x'] } },
      'profiles/aks.json': { profile: 'aks', lists: { 'system-user': ['aks:x'] }, rules: [] },
    });
    expect(await problemsOf(loadRuleFiles([bad], { profile: 'gke' }))).toEqual([
      'profiles/gke.json#/profile: the profile in gke.json must be named "gke"; got "gek"',
      'profiles/gke.json#/lists/system-user: profile "gek" extends list "system-user", which no loaded rule file defines; a profile can only append to existing lists',
    ]);
    const renamed = tempDir({
      'rules.json': RULES,
      'profiles/gke.json': { profile: 'gke', lists: { 'system-user': ['x'] } },
    });
    expect(await problemsOf(loadRuleFiles([renamed], { profile: 'gke' }))).toEqual([
      'profiles/gke.json#/lists/system-user: profile "gke" extends list "system-user", which no loaded rule file defines; a profile can only append to existing lists',
    ]);
    expect(await problemsOf(loadRuleFiles([bad], { profile: 'aks' }))).toEqual([
      'profiles/aks.json#/rules: unknown property "rules"; expected one of $schema, profile, description, lists',
    ]);
    expect(await problemsOf(loadRuleFiles([join(dir, 'rules.json'), join(dir, 'profiles/eks.json')]))).toEqual([
      'profiles/eks.json#/profile: this is the environment profile "eks", not a rule file: select it with --profile eks (profiles live in a profiles/ folder beside the rules)',
    ]);
  });

  it('apply to parsed files too', () => {
    const spec = parseRuleSet([{ file: 'r.json', json: RULES }], {
      profiles: [{ file: 'profiles/k3s.json', json: { profile: 'k3s', lists: { 'system-users': ['k3s'] } } }],
    });
    expect(spec.lists['system-users']).toEqual(['system:admin', 'k3s']);
  });
});
