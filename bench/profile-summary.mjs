/**
 * Self time by function from a V8 CPU profile (`node --cpu-prof`), highest first.
 * Usage: node bench/profile-summary.mjs FILE.cpuprofile [COUNT]
 */
import { readFileSync } from 'node:fs';

const [file, count = '25'] = process.argv.slice(2);
if (!file) throw new Error('usage: node bench/profile-summary.mjs FILE.cpuprofile [COUNT]');
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const byNode = new Map();
profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const byFunction = new Map();
let total = 0;
for (const [id, time] of byNode) {
  const frame = nodes.get(id).callFrame;
  const where = frame.url ? ` ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}` : '';
  const key = `${frame.functionName || '(anonymous)'}${where}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + time);
  total += time;
}
for (const [key, time] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(count))) {
  console.log(`${((time / total) * 100).toFixed(1).padStart(5)} %  ${key}`);
}
