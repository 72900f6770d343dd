import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LIBRARY_VERDICTS } from './library-verdicts.js';
import { loadRuleFiles } from './load-rule-files.js';
import { matchPatterns } from './match-patterns.js';
import { recheckOutOfProcess, recheckRuns, recheckVersion } from './recheck-child.js';
import { hasUnboundedRepetition, MATCH_FLAGS, RECHECK_TIMEOUT_MS, usableDiagnoses } from './safe-regex.js';

const RULES = new URL('../../../../rules/', import.meta.url);
const REGENERATE = 'stale: run `pnpm build && node scripts/library-verdicts.mjs`';

/** Every pattern of the library the checker must judge, as the generator collects them. */
function libraryPatterns(): string[] {
  const files = readdirSync(RULES, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'));
  const documents = files.map((f) => JSON.parse(readFileSync(new URL(f, RULES), 'utf8')) as unknown);
  return [...new Set(matchPatterns(documents))].filter(hasUnboundedRepetition).sort();
}

describe('LIBRARY_VERDICTS', () => {
  it('were made by the installed checker for the flags patterns are compiled with', () => {
    expect(LIBRARY_VERDICTS.checker, REGENERATE).toBe(recheckVersion());
    expect(LIBRARY_VERDICTS.flags, REGENERATE).toBe(MATCH_FLAGS);
  });

  it("are the checker's diagnoses of exactly the library's patterns", () => {
    const sources = libraryPatterns();
    expect(sources.length).toBeGreaterThan(0);
    const diagnoses = recheckOutOfProcess(sources, MATCH_FLAGS, RECHECK_TIMEOUT_MS);
    expect(LIBRARY_VERDICTS.diagnoses, REGENERATE).toEqual(sources.map((s, i) => [s, diagnoses[i]]));
  });

  it('let the library load without starting the checker', async () => {
    const runs = recheckRuns.count;
    await loadRuleFiles([RULES.pathname]);
    expect(recheckRuns.count).toBe(runs);
  });
});

describe('usableDiagnoses', () => {
  const table = {
    checker: 'recheck@1.0.0',
    flags: 'u',
    diagnoses: [
      ['^a+$', { status: 'safe' }],
      ['(a+)+', { status: 'vulnerable', complexity: { type: 'exponential' } }],
      ['^b*c*$', { status: 'unknown', error: 'the check timed out' }],
    ],
  } as const;

  it('reuses decided diagnoses of the same checker version and flags', () => {
    expect([...usableDiagnoses(table, 'recheck@1.0.0', 'u').keys()]).toEqual(['^a+$', '(a+)+']);
  });

  it('trusts nothing from another checker version, unknown version or other flags', () => {
    expect(usableDiagnoses(table, 'recheck@1.0.1', 'u').size).toBe(0);
    expect(usableDiagnoses(table, undefined, 'u').size).toBe(0);
    expect(usableDiagnoses(table, 'recheck@1.0.0', 'iu').size).toBe(0);
  });
});
