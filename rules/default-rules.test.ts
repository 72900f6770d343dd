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
 * Every alert the starter rules raise on the real corpus, by file. Any file or rule not listed must stay
 * quiet, so each entry is a positive test and everything else a negative one.
 */
const EXPECTED: Record<string, string[]> = {
  // kubectl exec (ResponseComplete, 101) and a privileged pod from kubectl apply.
  'crowdsec/k8s-audit-pod-exec-file.log': ['exec-into-pod'],
  'crowdsec/k8s-audit-priv-pod-file.log': ['privileged-pod'],
  'falco/anonymous_creates_namespace_foo.json': ['anonymous-access-allowed'],
  'falco/attach_cluster_admin_role.json': ['cluster-admin-binding'],
  'falco/attach_pod.json': ['exec-into-pod'],
  'falco/exec_pod.json': ['exec-into-pod'],
  // Privileged in the first container, in the second, and in the second after one with no securityContext.
  'falco/create_nginx_pod_privileged.json': ['privileged-pod'],
  'falco/create_nginx_pod_privileged_2nd_container.json': ['privileged-pod'],
  'falco/create_nginx_pod_no_secctx_1st_container_privileged_2nd_container.json': ['privileged-pod'],
  // Panther's hand-written detection events: two privileged pods, anonymous reads that were allowed
  // (health and version endpoints stay quiet), an exec, and an attacker reading five secrets.
  'panther/complete.jsonl': ['anonymous-access-allowed', 'privileged-pod', 'privileged-pod'],
  'panther/fragments.jsonl': ['anonymous-access-allowed', 'exec-into-pod', 'secret-read-burst'],
  // PerfSPEC, 4 minutes of a benign cluster installing Helm charts: the operators (Prometheus, Argo CD)
  // reading their own namespaces' secrets stay quiet; the one alert is the human admin whose helm installs
  // read more than 20 secrets in 4 minutes, which is what the rule describes.
  'perfspec/audit-logs.jsonl.gz': ['secret-read-burst'],
};

describe('the starter rules on real audit data', () => {
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

  it('count only the PerfSPEC admin in the secret burst, and with the burst over the threshold', async () => {
    if (skipWithoutFixtures('default rules on real data')) return;
    const [burst] = await replay(join(FIXTURES_DIR, 'audit/perfspec/audit-logs.jsonl.gz'));
    expect(burst).toMatchObject({ rule: 'secret-read-burst', key: { 'user.username': 'kubernetes-admin' } });
    expect(burst!.count).toBeGreaterThanOrEqual(5);
  });
});

describe('the starter rules live, in virtual time', () => {
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
