/**
 * The text report of a rule test run, as `kaudit rules test` prints it: per file, ✓ or ✗ per case
 * with expected and got for failures, then coverage gaps and a summary line.
 */
import { relative } from 'node:path';
import type { ExpectedAlert } from './rule-file.js';
import type { RuleCoverage, RuleTestAlert, RuleTestCaseResult, RuleTestReport } from './rule-tests.js';

/** Options of {@link formatRuleTestReport}. */
export interface FormatRuleTestReportOptions {
  /** Print file paths relative to this folder. */
  cwd?: string;
  /** ANSI colours (green ✓, red ✗). Default false. */
  color?: boolean;
  /** Leave coverage out (when it was not asked for). Default false. */
  noCoverage?: boolean;
}

/**
 * The whole report as text, ending with a newline.
 *
 * @example
 * ok  rules/execution.json
 *   ✓ exec by a person alerts
 *   ✗ exec by a node stays quiet
 *       expected: nothing
 *       got:      exec-into-pod ×1 {"user.username":"system:node:n1"}
 * 2 cases: 1 passed, 1 failed · 1 rule, 0 with coverage gaps
 */
export function formatRuleTestReport(report: RuleTestReport, options: FormatRuleTestReportOptions = {}): string {
  const paint = (code: string, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const path = (file: string) => {
    if (options.cwd === undefined) return file;
    const near = relative(options.cwd, file);
    return near === '' || near.startsWith('..') ? file : near;
  };
  const lines: string[] = [];
  let file: string | undefined;
  for (const c of report.cases) {
    if (c.file !== file) {
      file = c.file;
      lines.push(path(file));
    }
    const profile = c.profile !== undefined ? ` [profile ${c.profile}]` : '';
    lines.push(`  ${c.passed ? paint('32', '✓') : paint('31', '✗')} ${c.name}${profile}`);
    if (!c.passed) lines.push(...describeRuleTestFailure(c).map((l) => `      ${l}`));
  }
  if (!options.noCoverage && report.gaps.length > 0) {
    lines.push('', `coverage gaps (${report.gaps.length}):`);
    for (const gap of report.gaps) lines.push(`  ${gap.rule} (${path(gap.file)}): ${describeGap(gap)}`);
  }
  const failed = report.failed > 0 ? paint('31', `${report.failed} failed`) : `${report.failed} failed`;
  const coverage = options.noCoverage
    ? ''
    : ` · ${report.coverage.length} rule(s), ${report.gaps.length > 0 ? paint('31', String(report.gaps.length)) : 0} with coverage gaps`;
  lines.push('', `${report.cases.length} case(s): ${report.passed} passed, ${failed}${coverage}`);
  return `${lines.join('\n')}\n`;
}

/** Why one case failed, as lines: the error, expected vs got, and what is missing or unexpected. */
export function describeRuleTestFailure(c: RuleTestCaseResult): string[] {
  if (c.passed) return [];
  const lines: string[] = [];
  if (c.error !== undefined) lines.push(`error:      ${c.error}`);
  lines.push(`expected:   ${c.expected.length === 0 ? 'nothing' : c.expected.map(expectedText).join(', ')}`);
  lines.push(`got:        ${c.got.length === 0 ? 'nothing' : c.got.map(alertText).join(', ')}`);
  if (c.missing.length > 0 && c.expected.length > 0)
    lines.push(`missing:    ${c.missing.map(expectedText).join(', ')}`);
  if (c.unexpected.length > 0 && c.expected.length > 0)
    lines.push(`unexpected: ${c.unexpected.map(alertText).join(', ')}`);
  return lines;
}

function describeGap(gap: RuleCoverage): string {
  const why: string[] = [];
  if (gap.firing.length === 0) why.push('no case expects it to fire');
  if (gap.quiet.length === 0) why.push('no case names it in "rules" and expects it to stay quiet');
  return why.join('; ');
}

function expectedText(e: ExpectedAlert): string {
  const count = e.count !== undefined ? ` ×${e.count}` : '';
  const key = e.key !== undefined ? ` ${JSON.stringify(e.key)}` : '';
  return `${e.rule}${count}${key}`;
}

function alertText(a: RuleTestAlert): string {
  const key = Object.keys(a.key).length > 0 ? ` ${JSON.stringify(a.key)}` : '';
  return `${a.rule} ×${a.count}${key}`;
}
