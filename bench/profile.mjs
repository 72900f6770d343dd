/**
 * Where the end-to-end time goes, for docs/performance.md: the cost per event of each stage on
 * PerfSPEC (user CPU time, best of several passes), then a long end-to-end loop to profile.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/kaudit-prof bench/profile.mjs
 *   node bench/profile-summary.mjs /tmp/kaudit-prof/<file>.cpuprofile
 */
import {
  compileRuleSet,
  createPipeline,
  createRedactor,
  decodeBody,
  loadRuleFiles,
} from '../packages/core/dist/index.js';
// Internal: the pipeline's decode + redact pass (pushBody), not exported from the package.
import { decodeBodyEach } from '../packages/core/dist/decode/decode-body.js';
import { createRedaction } from '../packages/core/dist/redact/create-redactor.js';
import { PERFSPEC_CREDIT, REPO_ROOT, perfspecLines } from './lib/data.mjs';

const lines = perfspecLines();
const bodies = [];
for (let i = 0; i < lines.length; i += 1000) bodies.push(lines.slice(i, i + 1000).join('\n'));
const rules = compileRuleSet(await loadRuleFiles([process.argv[2] ?? `${REPO_ROOT}/rules`]));
const decoded = bodies.map((b) => decodeBody(b));
const redact = createRedactor();
const { afterDecode } = createRedaction();

/** Nanoseconds of user CPU per event of `fn` (one pass over PerfSPEC), best of 10 after 5 warm-ups. */
function cost(fn) {
  for (let w = 0; w < 5; w++) fn();
  let best = Infinity;
  for (let r = 0; r < 10; r++) {
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user * 1000) / lines.length);
  }
  return best;
}

const stages = [
  ['JSON.parse of each line (the floor)', () => lines.forEach((l) => JSON.parse(l))],
  ['decodeBody: split + parse + sanitize + check', () => bodies.forEach((b) => decodeBody(b))],
  [
    'decodeBody + redact (createRedactor, whole walk)',
    () => bodies.forEach((b) => decodeBody(b).events.forEach(redact)),
  ],
  ['decode + redact in one pass (what pushBody runs)', () => bodies.forEach((b) => decodeBodyEach(b, {}, afterDecode))],
  [
    'rule set match() alone (default library)',
    () => {
      const out = [];
      for (const d of decoded) for (const e of d.events) rules.match(e, out.splice(0));
    },
  ],
  [
    'stream stages alone (pushDecoded, redaction off)',
    () => {
      const p = createPipeline({ rules, tick: false, redaction: { enabled: false } });
      p.notices$.subscribe(() => {});
      for (const d of decoded) p.pushDecoded(d);
      void p.end();
    },
  ],
  [
    'whole pipeline (pushBody)',
    () => {
      const p = createPipeline({ rules, tick: false });
      p.notices$.subscribe(() => {});
      for (const b of bodies) p.pushBody(b);
      void p.end();
    },
  ],
];
console.log(`Cost per event on PerfSPEC (${lines.length} events; ${PERFSPEC_CREDIT})`);
for (const [name, fn] of stages) console.log(`  ${name.padEnd(56)} ${Math.round(cost(fn)).toString().padStart(6)} ns`);

// A long end-to-end run for the profiler.
for (let r = 0; r < 40; r++) {
  const p = createPipeline({ rules, tick: false });
  p.notices$.subscribe(() => {});
  for (const b of bodies) p.pushBody(b);
  await p.end();
}
