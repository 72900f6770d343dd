/**
 * Memory figures, run as a child process with --expose-gc so that nothing else the bench holds is
 * counted: `node --expose-gc bench/memory.mjs <rules-dir> <events>`. Prints one JSON object.
 *
 * - heap bytes per tracked key: 100,000 distinct keys held in threshold windows (a threshold never
 *   reached), then in suppression (an alert open per key), measured after a full GC;
 * - RSS every 50,000 events over `<events>` high-cardinality events (distinct users, objects and
 *   auditIDs) through the whole pipeline with the rule library plus two per-user stateful rules on
 *   writes (a 1-minute threshold and a 10-minute suppression). Event time moves at 1,000 events/s,
 *   so that 1,000,000 events span 17 minutes: longer than the short windows and the 5-minute
 *   lateness. The library's 1-hour and 6-hour suppressions and its new-term histories (7 to 30 days)
 *   outlast the whole run: their state (open alerts collecting up to `sampleSize` samples, learned
 *   terms) still fills during the second million, bounded by `maxKeys` per rule, `sampleSize`, and
 *   the pipeline-wide `maxStateKeys` (200,000 keys by default across all rules and stages): `evicted`
 *   counts what either cap dropped.
 */
import { performance } from 'node:perf_hooks';
import { compileRuleSet, createPipeline, loadRuleFiles, parseRuleSet } from '../packages/core/dist/index.js';
import { perfspecLines, varyEvent } from './lib/data.mjs';

const [rulesDir = 'rules', eventsArg = '1000000'] = process.argv.slice(2);
const totalEvents = Number(eventsArg);
const KEYS = 100_000;
const gc = globalThis.gc;
if (typeof gc !== 'function') throw new Error('[bench] memory.mjs needs node --expose-gc');

const lines = perfspecLines();
const event = (i, options) => varyEvent(JSON.parse(lines[i % lines.length]), i, options);

// Writes are about a third of PerfSPEC: every one of them is a match of both per-user rules.
const WRITES = { all: [{ fact: 'verb', operator: 'in', value: ['create', 'update', 'patch', 'delete'] }] };

function stateRule(name, extra) {
  return { name, title: name, severity: 'low', conditions: { all: [] }, lateness: '0s', ...extra };
}

function heapNow() {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function heapPerKey(rule, sampleSize = 10) {
  const ruleSet = compileRuleSet(parseRuleSet([{ file: 'bench-memory.json', json: { rules: [rule] } }]));
  const pipeline = createPipeline({ rules: ruleSet, tick: false, redaction: { enabled: false }, sampleSize });
  let notices = 0;
  pipeline.notices$.subscribe(() => notices++);
  // A warm pipeline first, so that code and fixed structures are not counted per key.
  for (let i = 0; i < 1000; i++) pipeline.push(event(i, { users: 1000 }));
  const before = heapNow();
  const batch = [];
  for (let i = 0; i < KEYS; i++) {
    batch.push(event(i + 1000, { users: KEYS, perSecond: 100 }));
    if (batch.length === 1000) {
      pipeline.push(batch);
      batch.length = 0;
    }
  }
  const after = heapNow();
  const evicted = pipeline.stats.evicted;
  await pipeline.end();
  return { bytesPerKey: (after - before) / KEYS, evicted, notices };
}

async function rssOverEvents() {
  const library = await loadRuleFiles([rulesDir]);
  const extra = parseRuleSet([
    {
      file: 'bench-memory.json',
      json: {
        rules: [
          stateRule('per-user-burst', {
            conditions: WRITES,
            threshold: { count: 50, within: '1m', groupBy: ['user.username'] },
            lateness: '5m',
          }),
          stateRule('per-user-alert', {
            conditions: WRITES,
            suppress: { for: '10m', key: ['user.username'] },
            lateness: '5m',
          }),
        ],
      },
    },
  ]);
  const spec = { ...library, rules: [...library.rules, ...extra.rules], files: [...library.files, ...extra.files] };
  const pipeline = createPipeline({ rules: compileRuleSet(spec), tick: false });
  let notices = 0;
  pipeline.notices$.subscribe(() => notices++);
  const samples = [];
  const batch = [];
  const start = performance.now();
  for (let i = 0; i < totalEvents; i++) {
    batch.push(event(i, { users: 500_000, perSecond: 1_000 }));
    if (batch.length === 1000) {
      pipeline.push(batch);
      batch.length = 0;
    }
    if ((i + 1) % 50_000 === 0) {
      // After a full GC: what the pipeline retains, not when the collector last ran.
      gc();
      const { rss, heapUsed } = process.memoryUsage();
      samples.push({ events: i + 1, rss, heapUsed });
    }
  }
  if (batch.length > 0) pipeline.push(batch);
  const seconds = (performance.now() - start) / 1000;
  await pipeline.end();
  return { samples, seconds, notices, evicted: pipeline.stats.evicted, alerts: pipeline.stats.alerts };
}

const threshold = await heapPerKey(
  stateRule('bench-threshold', { threshold: { count: 1_000_000, within: '1h', groupBy: ['user.username'] } }),
);
const suppression = await heapPerKey(stateRule('bench-suppress', { suppress: { for: '1h', key: ['user.username'] } }));
// The same without event samples (sampleSize 0): what the key and its window cost on their own.
const thresholdNoSamples = await heapPerKey(
  stateRule('bench-threshold', { threshold: { count: 1_000_000, within: '1h', groupBy: ['user.username'] } }),
  0,
);
const suppressionNoSamples = await heapPerKey(
  stateRule('bench-suppress', { suppress: { for: '1h', key: ['user.username'] } }),
  0,
);
const rss = await rssOverEvents();
process.stdout.write(
  JSON.stringify({ keys: KEYS, threshold, suppression, thresholdNoSamples, suppressionNoSamples, rss }) + '\n',
);
