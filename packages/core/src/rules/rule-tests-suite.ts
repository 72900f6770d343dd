/**
 * Inline rule tests for a test runner (vitest, jest, node:test): one entry per case with a title and
 * the lines that explain its failure, plus the coverage gaps, so a suite can register one test per case.
 */
import { relative } from 'node:path';
import { describeRuleTestFailure } from './rule-tests-report.js';
import { runRuleTestFiles, type RunRuleTestFilesOptions } from './rule-tests.js';

/** One case, ready for `it(title, () => expect(failure).toEqual([]))`. */
export interface RuleTestSuiteCase {
  /** `file.json: case name` (file relative to the first path, plus the profile when one is used). */
  title: string;
  /** Empty when the case passed; else what was expected, what came, and why. */
  failure: string[];
}

/** What {@link ruleTestSuite} returns. */
export interface RuleTestSuite {
  cases: RuleTestSuiteCase[];
  /** `rule (file): what is missing`, one per rule lacking a firing or a quiet case. */
  gaps: string[];
}

/**
 * Runs the inline tests of rule files and folders for a test runner.
 *
 * @throws RulesError when the rule files have problems (the suite should fail loudly).
 * @example
 * // rules/rules-library.test.ts
 * const suite = await ruleTestSuite([fileURLToPath(new URL('.', import.meta.url))]);
 * describe('inline rule tests', () => {
 *   it.each(suite.cases)('$title', ({ failure }) => expect(failure).toEqual([]));
 *   it('cover every rule', () => expect(suite.gaps).toEqual([]));
 * });
 */
export async function ruleTestSuite(
  paths: readonly string[],
  options: RunRuleTestFilesOptions = {},
): Promise<RuleTestSuite> {
  const report = await runRuleTestFiles(paths, options);
  const base = paths[0] ?? '.';
  const name = (file: string) => {
    const near = relative(base, file);
    return near === '' || near.startsWith('..') ? file : near;
  };
  return {
    cases: report.cases.map((c) => ({
      title: `${name(c.file)}: ${c.name}${c.profile !== undefined ? ` [profile ${c.profile}]` : ''}`,
      failure: describeRuleTestFailure(c),
    })),
    gaps: report.gaps.map((g) => {
      const missing = [g.firing.length === 0 ? 'no firing case' : '', g.quiet.length === 0 ? 'no quiet case' : '']
        .filter(Boolean)
        .join(', ');
      return `${g.rule} (${name(g.file)}): ${missing}`;
    }),
  };
}
