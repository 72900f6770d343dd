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

const FALCO_EQUIVALENTS = [
  'disallowed-user',
  'disallowed-pod-image',
  'privileged-pod',
  'sensitive-mount-pod',
  'hostnetwork-pod',
  'hostpid-pod',
  'hostipc-pod',
  'nodeport-service-created',
  'configmap-with-credentials',
  'anonymous-access-allowed',
  'exec-into-pod',
  'port-forward',
  'ephemeral-container-created',
  'disallowed-namespace-created',
  'pod-created-in-kube-namespace',
  'service-account-created-in-kube-namespace',
  'system-role-modified',
  'cluster-admin-binding',
  'role-with-wildcard',
  'role-with-write-privileges',
  'role-with-pod-exec',
  ...['deployment', 'service', 'configmap', 'namespace', 'service-account', 'role', 'cluster-role', 'role-binding']
    .concat(['cluster-role-binding', 'secret'])
    .flatMap((kind) => [`${kind}-created`, `${kind}-deleted`]),
  'secret-get',
  'secret-access-denied',
  'all-audit-events',
  'full-admin-access',
  'ingress-without-tls',
  'untrusted-node-joined',
  'untrusted-node-join-failed',
];

/** The stateful detections: secret enumeration, 403s from one address, grant then use, new user agent,
 * exec into a privileged pod, tokens for many service accounts, delete bursts (impersonation is per event). */
const STATEFUL = [
  'secret-enumeration',
  'forbidden-burst-from-ip',
  'rbac-grant-then-workload',
  'new-user-agent',
  'exec-into-privileged-pod',
  'exec-into-privileged-pod-named',
  'token-requests-many-service-accounts',
  'delete-burst',
  'secret-read-burst',
];

describe('the rule library', () => {
  // Each inline case of rules/*.json is one test here, so `pnpm test` runs what `kaudit rules test rules` runs.
  it.each(suite.cases)('$title', ({ failure }) => {
    expect(failure).toEqual([]);
  });

  it('has a firing and a quiet case for every rule, disabled ones included', () => {
    expect(suite.gaps).toEqual([]);
  });

  it("holds an equivalent of each of Falco's 48 k8saudit rules, the stateful detections, and the starter rules", async () => {
    const spec = await loadRuleFiles([rulesDir]);
    const names = new Set(spec.rules.map((r) => r.name));
    // In the order of Falco's k8s_audit_rules.yaml; docs/rules-library.md maps each one and says what changed.
    expect(FALCO_EQUIVALENTS).toHaveLength(48);
    expect(FALCO_EQUIVALENTS.filter((name) => !names.has(name))).toEqual([]);
    const stateful = spec.rules.filter((r) => r.threshold || r.sequence || r.newTerm).map((r) => r.name);
    expect(stateful.length).toBeGreaterThanOrEqual(8);
    expect(stateful).toEqual(expect.arrayContaining(STATEFUL));
    expect(spec.rules.length).toBeGreaterThanOrEqual(48 + STATEFUL.length);
    // The five starter rules keep their names (the quick start and CI grep them): four are Falco equivalents,
    // secret-read-burst is stateful, so both lists above already hold them.
    for (const starter of ['exec-into-pod', 'cluster-admin-binding', 'privileged-pod', 'anonymous-access-allowed']) {
      expect(FALCO_EQUIVALENTS).toContain(starter);
    }
    expect(STATEFUL).toContain('secret-read-burst');
  });

  it('ships the six platform profiles', () => {
    expect([...profiles].sort()).toEqual(['aks', 'eks', 'gke', 'k3s', 'kind', 'kubeadm']);
  });

  it.each(profiles)(
    'passes every case with the %s profile selected, so a profile never breaks a rule',
    async (profile) => {
      const withProfile = await ruleTestSuite([rulesDir], { profile });
      expect(withProfile.cases).toHaveLength(suite.cases.length);
      expect(withProfile.cases.filter((c) => c.failure.length > 0)).toEqual([]);
    },
  );
});
