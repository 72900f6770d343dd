import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadRuleFiles } from '@kaudit/core';
import { ruleTestSuite } from '@kaudit/core/testing';
import { describe, expect, it } from 'vitest';

const rulesDir = fileURLToPath(new URL('.', import.meta.url));
const suite = await ruleTestSuite([rulesDir]);
const profiles = readdirSync(new URL('./profiles/', import.meta.url))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length));

describe('the rule library', () => {
  // Each inline case of rules/*.json is one test here, so `pnpm test` runs what `kaudit rules test rules` runs.
  it.each(suite.cases)('$title', ({ failure }) => {
    expect(failure).toEqual([]);
  });

  it('has a firing and a quiet case for every rule, disabled ones included', () => {
    expect(suite.gaps).toEqual([]);
  });

  it('holds Falco k8saudit detections and the stateful ones the issue asks for', async () => {
    const spec = await loadRuleFiles([rulesDir]);
    const rules = spec.rules;
    // 48 Falco rules map onto 48 of ours (docs/rules-library.md has the table); the others come on top.
    expect(rules.length).toBeGreaterThanOrEqual(48 + 8);
    const stateful = rules.filter(
      (r) => r.threshold !== undefined || r.sequence !== undefined || r.newTerm !== undefined,
    );
    expect(stateful.map((r) => r.name).sort()).toEqual(
      expect.arrayContaining([
        'exec-into-privileged-pod',
        'forbidden-burst-from-ip',
        'new-user-agent',
        'rbac-grant-then-workload',
        'secret-enumeration',
        'token-requests-many-service-accounts',
        'delete-burst',
      ]),
    );
    for (const name of [
      'exec-into-pod',
      'cluster-admin-binding',
      'privileged-pod',
      'anonymous-access-allowed',
      'secret-read-burst',
    ]) {
      expect(rules.some((r) => r.name === name)).toBe(true);
    }
  });

  it.each(profiles)('loads with the %s profile', async (profile) => {
    expect(['eks', 'gke', 'aks', 'k3s', 'kind', 'kubeadm']).toContain(profile);
    await expect(loadRuleFiles([rulesDir], { profile })).resolves.toBeDefined();
  });
});
