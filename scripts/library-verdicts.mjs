#!/usr/bin/env node
// Regenerates packages/core/src/rules/library-verdicts.ts: recheck's diagnoses of every `matches` pattern
// of the default library (every .json file under rules/, profiles included), so that loading the library
// starts no checker. Run it after changing a pattern of the library or the recheck version:
//
//   pnpm build && node scripts/library-verdicts.mjs
//
// library-verdicts.test.ts fails while the table and the library (or the checker) disagree.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';

const ROOT = new URL('..', import.meta.url).pathname;
const OUT = join(ROOT, 'packages/core/src/rules/library-verdicts.ts');
const dist = (file) => import(join(ROOT, 'packages/core/dist/rules', file));
const { matchPatterns } = await dist('match-patterns.js');
const { hasUnboundedRepetition, MATCH_FLAGS, RECHECK_TIMEOUT_MS } = await dist('safe-regex.js');
const { recheckOutOfProcess, recheckVersion } = await dist('recheck-child.js');

const files = readdirSync(join(ROOT, 'rules'), { recursive: true })
  .filter((f) => f.endsWith('.json'))
  .sort();
const documents = files.map((f) => JSON.parse(readFileSync(join(ROOT, 'rules', f), 'utf8')));
const sources = [...new Set(matchPatterns(documents))].filter(hasUnboundedRepetition).sort();
const diagnoses = recheckOutOfProcess(sources, MATCH_FLAGS, RECHECK_TIMEOUT_MS);
const undecided = sources.filter((_, i) => diagnoses[i].status === 'unknown');
if (undecided.length > 0)
  throw new Error(`the checker could not decide ${undecided.join(', ')}: fix the library first`);
const checker = recheckVersion();
if (checker === undefined) throw new Error('cannot read the installed recheck version');

const old = readFileSync(OUT, 'utf8');
const header = old.slice(0, old.indexOf('export const LIBRARY_VERDICTS'));
const entries = sources.map((s, i) => [s, diagnoses[i]]);
const text = `${header}export const LIBRARY_VERDICTS: {
  readonly checker: string;
  readonly flags: string;
  readonly diagnoses: ReadonlyArray<readonly [source: string, diagnosis: RecheckDiagnosis]>;
} = ${JSON.stringify({ checker, flags: MATCH_FLAGS, diagnoses: entries })};
`;
writeFileSync(OUT, await format(text, { ...(await resolveConfig(OUT)), filepath: OUT }));
console.log(`${OUT}: ${entries.length} diagnoses by ${checker}`);
