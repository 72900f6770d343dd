#!/usr/bin/env node
// Measured agreement with Panther's Kubernetes detections, on Panther's own test events.
//
//   pnpm build && pnpm report:panther [--rules rules] [--profile eks] [--verbose true]
//
// ../shared/fixtures/audit/panther holds Panther's test events (complete.jsonl, fragments.jsonl, from
// panther-labs/panther-analysis, Apache-2.0) and, line by line in *.index.jsonl, the Panther rule each event
// tests and whether that rule should alert. Each Panther rule maps to the kaudit rules with the same intent
// (PANTHER_MAP below); an event "alerts" in kaudit when any of them raises an alert on it.
//
// How events are judged, so that the comparison is like for like:
// - Panther's rule() looks at one event, so each event runs alone through a fresh pipeline.
// - Panther keeps its thresholds and de-duplication outside rule(); likewise the mapped kaudit rules run here
//   with their threshold, suppression and new-term learning removed (their conditions alone), which is what
//   the event tests. Sequence rules are not mapped.
// - Fragments lack auditID, stage and level, and some lack apiVersion, kind or timestamps. They get neutral
//   defaults (below), never an edit of the fixture files: apiVersion audit.k8s.io/v1, kind Event, level
//   RequestResponse when a body is present else Metadata, stage ResponseComplete, auditID panther-FILE-LINE,
//   and 2024-01-01T00:00:00Z when there is no timestamp.
// Without the fixtures the report is skipped (exit 0), except under CI=true (exit 1).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES_DIR, ROOT, fixturesPresent, loadCore, parseArgs } from './fixtures.mjs';

const REPORT = 'report:panther';

/** Panther rule id -> the kaudit rules with the same intent (empty: no equivalent). */
export const PANTHER_MAP = {
  'Amazon.EKS.AnonymousAPIAccess': ['anonymous-access-allowed', 'anonymous-probe-from-public-ip'],
  'Amazon.EKS.Audit.Multiple403': ['forbidden-burst-from-ip'],
  'Amazon.EKS.Audit.SystemNamespaceFromPublicIP': ['system-identity-from-public-ip'],
  'Kubernetes.API.AnonymousAccess': ['anonymous-access-allowed'],
  'Kubernetes.API.IOC.Activity': [],
  'Kubernetes.API.Multiple403.PublicIP': ['forbidden-burst-from-ip'],
  'Kubernetes.AdmissionController.Created': ['admission-webhook-changed'],
  'Kubernetes.BulkSecretAccess': ['secret-read-burst', 'secret-enumeration'],
  'Kubernetes.ClientCertificate.Created': ['client-certificate-requested'],
  'Kubernetes.ClusterRoleBinding.Privileged': ['cluster-admin-binding', 'system-role-binding'],
  'Kubernetes.CronJob.CreatedOrModified': ['cronjob-created-or-modified'],
  'Kubernetes.DaemonSet.Created': ['daemonset-created'],
  'Kubernetes.Ingress.NoTLS': ['ingress-without-tls'],
  'Kubernetes.Kubectl.CP.Operation': ['kubectl-cp-from-pod'],
  'Kubernetes.Pod.Dangerous.Capabilities': ['dangerous-capabilities-pod'],
  'Kubernetes.Pod.Exec': ['exec-into-pod'],
  'Kubernetes.Pod.Host.IPC': ['hostipc-pod'],
  'Kubernetes.Pod.Host.Network': ['hostnetwork-pod'],
  'Kubernetes.Pod.Host.PID': ['hostpid-pod'],
  'Kubernetes.Pod.HostPath.Volume': ['hostpath-volume-pod', 'sensitive-mount-pod'],
  'Kubernetes.Pod.Privileged.Created': ['privileged-pod'],
  'Kubernetes.Pod.StealServiceAccountToken': ['service-account-token-read-in-pod'],
  'Kubernetes.Pod.SystemNamespace': ['pod-created-in-kube-namespace'],
  'Kubernetes.Role.NodeProxyPermissions': ['role-with-node-proxy', 'role-with-wildcard'],
  'Kubernetes.Role.PodExec': ['role-with-pod-exec'],
  'Kubernetes.Role.Wildcard': ['role-with-wildcard'],
  'Kubernetes.Role.WritePermissions': ['role-with-write-privileges'],
  'Kubernetes.Secret.AccessDenied': ['secret-access-denied'],
  'Kubernetes.Secrets.DumpAllNamespaces': ['secrets-listed-cluster-wide', 'service-account-lists-secrets-cluster-wide'],
  'Kubernetes.Service.NodePort.Deployed': ['nodeport-service-created'],
  'Kubernetes.ServiceAccount.TokenCreated': ['service-account-token-requested', 'token-requests-many-service-accounts'],
  'Kubernetes.System.Principal.PublicIP': ['system-identity-from-public-ip'],
  'Kubernetes.SystemRole.Modified': ['system-role-modified'],
};

const { options } = parseArgs(process.argv.slice(2), ['rules', 'profile', 'verbose']);
const dir = join(FIXTURES_DIR, 'audit', 'panther');
const SETS = ['complete', 'fragments'];
const needed = SETS.flatMap((s) => [join(dir, `${s}.jsonl`), join(dir, `${s}.index.jsonl`)]);
if (!fixturesPresent(REPORT, needed)) process.exit(0);

const { compileRuleSet, createPipeline, loadRuleFiles } = await loadCore(REPORT);
const rulesDir = options.rules ?? join(ROOT, 'rules');
const spec = await loadRuleFiles([rulesDir], options.profile !== undefined ? { profile: options.profile } : {});

const mapped = new Set(Object.values(PANTHER_MAP).flat());
const known = new Set(spec.rules.map((r) => r.name));
const unknown = [...mapped].filter((r) => !known.has(r));
if (unknown.length > 0) {
  console.error(`[${REPORT}] the map names rules the library does not have: ${unknown.join(', ')}`);
  process.exit(2);
}
// Only the mapped rules, each reduced to its conditions: one event in, alert or not (see the header).
const perEvent = {
  ...spec,
  rules: spec.rules
    .filter((r) => mapped.has(r.name) && r.sequence === undefined)
    .map((r) => {
      const { threshold: _t, suppress: _s, newTerm: _n, lateness: _l, ...rest } = r;
      return { ...rest, enabled: true };
    }),
};
const ruleSet = compileRuleSet(perEvent);

const readLines = (file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));

/** Neutral defaults for what Panther's fragments leave out (documented in the header). */
function withDefaults(event, set, line) {
  const e = { ...event };
  e.apiVersion ??= 'audit.k8s.io/v1';
  e.kind ??= 'Event';
  e.level ??= e.requestObject !== undefined || e.responseObject !== undefined ? 'RequestResponse' : 'Metadata';
  e.stage ??= 'ResponseComplete';
  e.auditID ??= `panther-${set}-${line}`;
  if (e.requestReceivedTimestamp === undefined && e.stageTimestamp === undefined) {
    e.requestReceivedTimestamp = '2024-01-01T00:00:00Z';
  }
  return e;
}

async function alertsFor(event) {
  const pipeline = createPipeline({ rules: ruleSet, tick: false });
  const rules = new Set();
  pipeline.notices$.subscribe((n) => {
    if (n.type === 'alert') rules.add(n.alert.rule);
  });
  const result = pipeline.push(event);
  await pipeline.end();
  return { rules, rejected: result.rejected.length > 0 };
}

const byRule = new Map();
for (const set of SETS) {
  const events = readLines(join(dir, `${set}.jsonl`));
  const index = readLines(join(dir, `${set}.index.jsonl`));
  if (events.length !== index.length) {
    console.error(`[${REPORT}] ${set}: ${events.length} events but ${index.length} index lines`);
    process.exit(2);
  }
  for (let i = 0; i < events.length; i++) {
    const { rule_id: pantherRule, test_name: test, expected_result: expected } = index[i];
    const ours = PANTHER_MAP[pantherRule];
    const row = byRule.get(pantherRule) ?? { pantherRule, ours: ours ?? [], events: 0, agree: 0, disagree: [] };
    row.events += 1;
    byRule.set(pantherRule, row);
    if (ours === undefined || ours.length === 0) continue;
    const { rules, rejected } = await alertsFor(withDefaults(events[i], set, i + 1));
    const fired = ours.filter((r) => rules.has(r));
    const got = fired.length > 0;
    if (got === expected) row.agree += 1;
    else row.disagree.push({ set, line: i + 1, test, expected, got: fired, rejected });
  }
}

const rows = [...byRule.values()].sort((a, b) => a.pantherRule.localeCompare(b.pantherRule));
let events = 0;
let compared = 0;
let agree = 0;
console.log(`kaudit vs Panther — ${Object.keys(PANTHER_MAP).length} Panther rules, profile: ${spec.profile ?? 'none'}`);
console.log('');
const width = Math.max(...rows.map((r) => r.pantherRule.length));
console.log(
  `${'Panther rule'.padEnd(width)} ${'events'.padStart(6)} ${'agree'.padStart(5)} ${'differ'.padStart(6)}  kaudit rules`,
);
for (const r of rows) {
  events += r.events;
  const mappedRow = r.ours.length > 0;
  if (mappedRow) {
    compared += r.events;
    agree += r.agree;
  }
  console.log(
    `${r.pantherRule.padEnd(width)} ${String(r.events).padStart(6)} ${mappedRow ? String(r.agree).padStart(5) : '    -'} ${mappedRow ? String(r.disagree.length).padStart(6) : '     -'}  ${mappedRow ? r.ours.join(', ') : '(no equivalent)'}`,
  );
  if (options.verbose === 'true') {
    for (const d of r.disagree) {
      console.log(
        `    ${d.set}:${d.line} "${d.test}": Panther ${d.expected ? 'alerts' : 'quiet'}, kaudit ${d.got.length > 0 ? `alerts (${d.got.join(', ')})` : 'quiet'}${d.rejected ? ' [event rejected by the decoder]' : ''}`,
      );
    }
  }
}
console.log('');
console.log(
  `events: ${events}; compared (mapped rules): ${compared}; agree: ${agree} (${((100 * agree) / compared).toFixed(1)}%); differ: ${compared - agree}`,
);
if (options.verbose !== 'true') console.log('(--verbose true lists every difference)');
