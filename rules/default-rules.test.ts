import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileRuleSet, createPipeline, loadRuleFiles, readEvents, RULE_FILE_SCHEMA, type Alert } from '@kaudit/core';
import { auditEvent, auditFixtureFiles, FIXTURES_DIR, skipWithoutFixtures } from '@kaudit/core/testing';
import { TestScheduler } from 'rxjs/testing';
import { beforeAll, describe, expect, it } from 'vitest';

const rulesDir = fileURLToPath(new URL('.', import.meta.url));
let ruleSet: ReturnType<typeof compileRuleSet>;

beforeAll(async () => {
  ruleSet = compileRuleSet(await loadRuleFiles([rulesDir]));
});

async function replay(file: string): Promise<Alert[]> {
  const pipeline = createPipeline({ rules: ruleSet, tick: false });
  const alerts: Alert[] = [];
  pipeline.notices$.subscribe((n) => n.type === 'closed' && alerts.push(n.alert));
  for await (const batch of readEvents(file)) pipeline.pushDecoded(batch);
  await pipeline.end();
  return alerts;
}

/**
 * Every alert the rule library raises on the real corpus, by file. Any file or rule not listed must stay
 * quiet, so each entry is a positive test and everything else a negative one. Falco's own trace files test
 * Falco's rules: each fires the rule of its scenario, plus the activity rule (info) Falco also fires on it.
 */
const EXPECTED: Record<string, string[]> = {
  // kubectl exec (ResponseComplete, 101) and a privileged pod from kubectl apply.
  'crowdsec/k8s-audit-pod-exec-file.log': ['exec-into-pod'],
  'crowdsec/k8s-audit-priv-pod-file.log': ['privileged-pod'],
  // An allowed anonymous namespace create: also a namespace outside allowed-namespaces, and the activity record.
  'falco/anonymous_creates_namespace_foo.json': [
    'anonymous-access-allowed',
    'disallowed-namespace-created',
    'namespace-created',
  ],
  'falco/attach_cluster_admin_role.json': ['cluster-admin-binding'],
  'falco/attach_pod.json': ['exec-into-pod'],
  // Falco's risky-ClusterRole scenarios: the specific rule, plus the activity record of the ClusterRole.
  'falco/create_cluster_role_pod_exec.json': ['cluster-role-created', 'role-with-pod-exec'],
  'falco/create_cluster_role_wildcard_resources.json': ['cluster-role-created', 'role-with-wildcard'],
  'falco/create_cluster_role_wildcard_verbs.json': ['cluster-role-created', 'role-with-wildcard'],
  'falco/create_cluster_role_write_privileges.json': ['cluster-role-created', 'role-with-write-privileges'],
  'falco/create_clusterrole.json': ['cluster-role-created'],
  'falco/create_clusterrolebinding.json': ['cluster-role-binding-created'],
  'falco/create_configmap.json': ['configmap-created'],
  'falco/create_configmap_no_sensitive_values.json': ['configmap-created'],
  // Six ConfigMaps, each with one credential-like key (aws_access_key_id, password, passphrase, ...): six
  // alerts; the six creations by one person roll up into one activity alert.
  'falco/create_configmap_sensitive_values.json': [
    'configmap-created',
    ...Array<string>(6).fill('configmap-with-credentials'),
  ],
  'falco/create_deployment.json': ['deployment-created'],
  'falco/create_nginx_pod_hostnetwork.json': ['hostnetwork-pod'],
  // Privileged in the first container, in the second, and in the second after one with no securityContext.
  'falco/create_nginx_pod_privileged.json': ['privileged-pod'],
  'falco/create_nginx_pod_privileged_2nd_container.json': ['privileged-pod'],
  'falco/create_nginx_pod_no_secctx_1st_container_privileged_2nd_container.json': ['privileged-pod'],
  'falco/create_nginx_pod_sensitive_mount.json': ['sensitive-mount-pod'],
  'falco/create_nginx_pod_sensitive_mount_2nd_container.json': ['sensitive-mount-pod'],
  'falco/create_nginx_service_nodeport.json': ['nodeport-service-created', 'service-created'],
  'falco/create_nginx_service_nonodeport.json': ['service-created'],
  'falco/create_secret.json': ['secret-created'],
  'falco/create_service.json': ['service-created'],
  'falco/create_serviceaccount.json': ['service-account-created'],
  'falco/create_serviceaccount_kube_public_namespace.json': [
    'service-account-created',
    'service-account-created-in-kube-namespace',
  ],
  'falco/create_serviceaccount_kube_system_namespace.json': [
    'service-account-created',
    'service-account-created-in-kube-namespace',
  ],
  // Deleting system:kube-aggregator is a system role deleted, as Falco's scenario intends.
  'falco/delete_cluster_role_kube_aggregator.json': ['cluster-role-deleted', 'system-role-modified'],
  'falco/delete_clusterrole.json': ['cluster-role-deleted'],
  'falco/delete_clusterrolebinding.json': ['cluster-role-binding-deleted'],
  'falco/delete_configmap.json': ['configmap-deleted'],
  'falco/delete_deployment.json': ['deployment-deleted'],
  'falco/delete_namespace_foo.json': ['namespace-deleted'],
  'falco/delete_secret.json': ['secret-deleted'],
  'falco/delete_service.json': ['service-deleted'],
  'falco/delete_serviceaccount.json': ['service-account-deleted'],
  'falco/exec_pod.json': ['exec-into-pod'],
  'falco/minikube_creates_namespace_foo.json': ['disallowed-namespace-created', 'namespace-created'],
  'falco/modify_cluster_role_node_problem_detector.json': ['system-role-modified'],
  'falco/some-user_creates_namespace_foo.json': ['disallowed-namespace-created', 'namespace-created'],
  // Panther's hand-written detection events, read as they are (most fragments lack the stage, so the rules that
  // need ResponseComplete skip them; scripts/panther-agreement.mjs fills defaults and compares rule by rule):
  // two privileged pods, allowed and refused anonymous requests from public addresses, kube-system service
  // accounts used from public addresses, an exec, refused secret reads, persons listing every secret, a person
  // creating a Secret, and two clients new to their user (the events span several days, past the learning day).
  'panther/complete.jsonl': [
    'anonymous-access-allowed',
    'anonymous-probe-from-public-ip',
    'new-user-agent',
    'new-user-agent',
    'privileged-pod',
    'privileged-pod',
    'system-identity-from-public-ip',
  ],
  'panther/fragments.jsonl': [
    'anonymous-access-allowed',
    'anonymous-probe-from-public-ip',
    'exec-into-pod',
    'secret-access-denied',
    'secret-access-denied',
    'secret-created',
    'secrets-listed-cluster-wide',
    'secrets-listed-cluster-wide',
    ...Array<string>(5).fill('system-identity-from-public-ip'),
  ],
  // PerfSPEC, 4 minutes of a benign kubeadm cluster installing Helm charts as kubernetes-admin: no high or
  // critical alert. What fires is what the admin did, one alert per rule (repeats roll up): the activity
  // records of the objects Helm created and deleted (info), the two DaemonSets (low), the five admission
  // webhooks the charts register (medium) and Helm deleting its hook objects 25 times within a minute
  // (delete-burst, medium). docs/rules-library.md gives the reason for each.
  'perfspec/audit-logs.jsonl.gz': [
    'admission-webhook-changed',
    'cluster-role-binding-created',
    'cluster-role-binding-deleted',
    'cluster-role-created',
    'cluster-role-deleted',
    'configmap-created',
    'daemonset-created',
    'daemonset-created',
    'delete-burst',
    'deployment-created',
    'role-binding-created',
    'role-binding-deleted',
    'role-created',
    'role-deleted',
    'secret-created',
    'service-account-created',
    'service-account-deleted',
    'service-created',
  ],
};

describe('the rule library on real audit data', () => {
  it('raise exactly the expected alerts on every fixture file, and nothing elsewhere', async () => {
    if (skipWithoutFixtures('default rules on real data')) return;
    const files = auditFixtureFiles().map((f) => f.slice('audit/'.length));
    expect(files.length).toBeGreaterThan(50);
    const actual: Record<string, string[]> = {};
    for (const file of files) {
      const rules = (await replay(join(FIXTURES_DIR, 'audit', file))).map((a) => a.rule).sort();
      if (rules.length > 0) actual[file] = rules;
    }
    expect(actual).toEqual(EXPECTED);
  });

  it('read the exec command and roll the two stages of one exec request into one alert', async () => {
    if (skipWithoutFixtures('default rules on real data')) return;
    const [exec] = await replay(join(FIXTURES_DIR, 'audit/falco/exec_pod.json'));
    expect(exec!.message).toBe(
      'minikube-user ran `bash` in default/nginx-deployment-7998647bdf-phvq7 (exec, container nginx1)',
    );
  });

  it("raise nothing high or critical on PerfSPEC, not even the secret burst Helm's own reads used to trigger", async () => {
    if (skipWithoutFixtures('default rules on real data')) return;
    const alerts = await replay(join(FIXTURES_DIR, 'audit/perfspec/audit-logs.jsonl.gz'));
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.filter((a) => a.severity === 'high' || a.severity === 'critical')).toEqual([]);
    // Every PerfSPEC alert is about the admin running helm, never about the operators it installed.
    expect(new Set(alerts.map((a) => a.events[0]?.user))).toEqual(new Set(['kubernetes-admin']));
  });
});

describe('the rule library live, in virtual time', () => {
  it('alert on an exec within a second, and on a secret burst once the 5-minute lateness has passed', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(() => {
      const pipeline = createPipeline({ rules: ruleSet, scheduler });
      const raised: Array<[number, string]> = [];
      pipeline.notices$.subscribe((n) => n.type === 'alert' && raised.push([scheduler.now(), n.alert.rule]));
      const t0 = Date.parse('2024-06-03T09:00:00Z');
      // Live: each event arrives at its own event time on the virtual clock.
      const at = (seconds: number, init: Parameters<typeof auditEvent>[0]) =>
        scheduler.schedule(() => pipeline.push(auditEvent({ ...init, at: t0 + seconds * 1000 })), seconds * 1000);
      at(0, {
        verb: 'create',
        stage: 'ResponseStarted',
        requestURI: '/api/v1/namespaces/shop/pods/web-0/exec?command=sh&container=web',
        objectRef: { resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web-0' },
        responseStatus: { code: 101 },
      });
      for (let i = 0; i < 5; i++) {
        at(10 + i, { verb: 'get', objectRef: { resource: 'secrets', namespace: 'shop', name: `s${i}` } });
      }
      scheduler.schedule(() => void pipeline.end(), 400_000);
      scheduler.flush();
      expect(raised).toEqual([
        [1_000, 'exec-into-pod'],
        [315_000, 'secret-read-burst'],
      ]);
    });
  });
});

describe('the rule file schema kept beside the rules', () => {
  it('is exactly what `kaudit rules schema` prints (regenerate it when the format changes)', () => {
    const kept = JSON.parse(readFileSync(join(rulesDir, 'rule-file.schema.json'), 'utf8'));
    expect(kept).toEqual(JSON.parse(JSON.stringify(RULE_FILE_SCHEMA)));
  });
});
