#!/usr/bin/env node
// Measured noise: runs the rule library over benign real traffic and prints the alerts per rule.
//
//   pnpm build && pnpm report:noise [--rules rules] [--profile kubeadm] [FILE...]
//
// Default input: PerfSPEC (hkerma/kubernetes-event-dataset, CC-BY-4.0), 4 minutes of a real kubeadm cluster
// installing Helm charts, at ../shared/fixtures/audit/perfspec/audit-logs.jsonl.gz. The target is no high or
// critical alert on that traffic; the exit code is 1 when one fires, so CI can hold the library to it.
// Without the fixture the report is skipped (exit 0), except under CI=true (exit 1).
import { join, relative } from 'node:path';
import { FIXTURES_DIR, ROOT, fixturesPresent, loadCore, parseArgs } from './fixtures.mjs';

const REPORT = 'report:noise';
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];

const { options, positional } = parseArgs(process.argv.slice(2), ['rules', 'profile']);
const files = positional.length > 0 ? positional : [join(FIXTURES_DIR, 'audit', 'perfspec', 'audit-logs.jsonl.gz')];
if (!fixturesPresent(REPORT, files)) process.exit(0);

const { compileRuleSet, createPipeline, loadRuleFiles, readEvents } = await loadCore(REPORT);
const rulesDir = options.rules ?? join(ROOT, 'rules');
const spec = await loadRuleFiles([rulesDir], options.profile !== undefined ? { profile: options.profile } : {});
const ruleSet = compileRuleSet(spec);

const pipeline = createPipeline({ rules: ruleSet, tick: false });
const alerts = [];
pipeline.notices$.subscribe((n) => {
  if (n.type === 'closed') alerts.push(n.alert);
});
let events = 0;
let rejected = 0;
for (const file of files) {
  for await (const batch of readEvents(file)) {
    const result = pipeline.pushDecoded(batch);
    events += result.accepted;
    rejected += result.rejected.length;
  }
}
await pipeline.end();

const perRule = new Map();
for (const a of alerts) {
  const row = perRule.get(a.rule) ?? { rule: a.rule, severity: a.severity, alerts: 0, matched: 0, users: new Set() };
  row.alerts += 1;
  row.matched += a.count;
  for (const e of a.events) if (e.user) row.users.add(e.user);
  perRule.set(a.rule, row);
}
const rows = [...perRule.values()].sort(
  (a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.rule.localeCompare(b.rule),
);

const enabled = spec.rules.filter((r) => r.enabled !== false).length;
console.log(`kaudit noise report — ${files.map((f) => relative(process.cwd(), f)).join(', ')}`);
console.log(
  `rules: ${relative(process.cwd(), rulesDir) || '.'} (${spec.rules.length} rules, ${enabled} enabled), profile: ${spec.profile ?? 'none'}`,
);
console.log(`events: ${events} read, ${rejected} rejected; alerts: ${alerts.length}`);
console.log('');
const width = Math.max(4, ...rows.map((r) => r.rule.length));
console.log(
  `${'severity'.padEnd(9)} ${'rule'.padEnd(width)} ${'alerts'.padStart(6)} ${'events'.padStart(7)}  identities`,
);
for (const r of rows) {
  console.log(
    `${r.severity.padEnd(9)} ${r.rule.padEnd(width)} ${String(r.alerts).padStart(6)} ${String(r.matched).padStart(7)}  ${[...r.users].sort().join(', ')}`,
  );
}
const loud = alerts.filter((a) => a.severity === 'high' || a.severity === 'critical');
console.log('');
console.log(`high or critical alerts: ${loud.length} (target: 0)`);
if (files.some((f) => f.includes('perfspec'))) {
  console.log("PerfSPEC: hkerma/kubernetes-event-dataset, CC-BY-4.0 (credit the dataset's authors where you use it).");
}
process.exit(loud.length > 0 ? 1 : 0);
