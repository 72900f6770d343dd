/**
 * Inline rule tests (`tests` in a rule file): each case's events go through the whole data path —
 * decode, sanitize, redact, every rule (disabled ones enabled), event-time order, windows,
 * suppression — flushed at the end of the input, and the final alerts of the rules in the case's
 * scope are compared with `expect` as a multiset.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Alert } from '../alert/alert.js';
import { readEvents } from '../decode/read-events.js';
import { createPipeline } from '../pipeline/create-pipeline.js';
import { compileRuleSet, type CompiledRuleSet } from './compile-rule-set.js';
import { loadRuleFiles } from './load-rule-files.js';
import type { ExpectedAlert, RuleSetSpec, RuleTestSpec } from './rule-file.js';

/** Where inline events' timestamps start when they set none: event `i` is this plus `i` seconds. */
export const RULE_TEST_EPOCH = Date.parse('2026-01-01T00:00:00Z');

/** Options of {@link runRuleTests}. */
export interface RunRuleTestsOptions {
  /** The profile of cases that name none (the spec given must already have it applied). */
  profile?: string;
  /**
   * The rule set with another profile applied (`undefined`: none), for cases whose profile differs from
   * `profile`. Without it, such a case fails.
   */
  loadProfile?: (name: string | undefined) => Promise<RuleSetSpec>;
  /** Allowed lateness (ms) of the pipeline the cases run through. Default: the pipeline's (5 minutes). */
  lateness?: number;
}

/** What a test keeps of an alert. */
export interface RuleTestAlert {
  rule: string;
  /** The final count, roll-ups included. */
  count: number;
  key: Record<string, unknown>;
  message: string;
}

/** The outcome of one case. */
export interface RuleTestCaseResult {
  file: string;
  /** Position in the file's `tests`. */
  index: number;
  name: string;
  /** The profile it ran with, if any. */
  profile?: string;
  passed: boolean;
  expected: ExpectedAlert[];
  /** The alerts of the rules in scope. */
  got: RuleTestAlert[];
  /** Expected alerts no alert met. */
  missing: ExpectedAlert[];
  /** Alerts no expectation accounted for. */
  unexpected: RuleTestAlert[];
  /** Why the case could not run as written (events refused, file unreadable, unknown profile). */
  error?: string;
}

/** Which cases cover a rule: `firing` expect it, `quiet` name it in `rules` and do not expect it. */
export interface RuleCoverage {
  rule: string;
  file: string;
  firing: string[];
  quiet: string[];
}

/** Every case's outcome and each rule's coverage. */
export interface RuleTestReport {
  cases: RuleTestCaseResult[];
  coverage: RuleCoverage[];
  /** Rules lacking a firing case or a quiet case. */
  gaps: RuleCoverage[];
  passed: number;
  failed: number;
}

/**
 * Runs the inline test cases of a loaded rule set (`spec.tests`).
 *
 * @example
 * const report = await runRuleTests(await loadRuleFiles(['rules']));
 * if (report.failed > 0) console.log(formatRuleTestReport(report));
 */
export async function runRuleTests(spec: RuleSetSpec, options: RunRuleTestsOptions = {}): Promise<RuleTestReport> {
  const compiled = new Map<string, Promise<CompiledRuleSet>>();
  const ruleSetFor = (profile: string | undefined): Promise<CompiledRuleSet> => {
    const name = profile ?? '';
    let entry = compiled.get(name);
    if (entry === undefined) {
      const sameAsBase = profile === options.profile;
      if (!sameAsBase && options.loadProfile === undefined) {
        entry = Promise.reject(new Error(`profile "${profile ?? '(none)'}" cannot be loaded here`));
      } else {
        entry = (sameAsBase ? Promise.resolve(spec) : options.loadProfile!(profile)).then((s) =>
          compileRuleSet(enableAll(s)),
        );
      }
      // A failure is reported by each case that needs it, not as an unhandled rejection.
      entry.catch(() => undefined);
      compiled.set(name, entry);
    }
    return entry;
  };

  const cases: RuleTestCaseResult[] = [];
  for (const test of spec.tests ?? []) {
    const profile = test.profile === null ? undefined : (test.profile ?? options.profile);
    cases.push(await runCase(test, profile, () => ruleSetFor(profile), options));
  }
  const coverage = ruleTestCoverage(spec);
  const gaps = coverage.filter((c) => c.firing.length === 0 || c.quiet.length === 0);
  const passed = cases.filter((c) => c.passed).length;
  return { cases, coverage, gaps, passed, failed: cases.length - passed };
}

/** Options of {@link runRuleTestFiles}. */
export interface RunRuleTestFilesOptions {
  /** The profile for cases that name none. */
  profile?: string;
  lateness?: number;
}

/**
 * Loads rule files and folders and runs their inline tests; cases naming a profile load it from the
 * same folders. This is what `kaudit rules test` and the rule library's own vitest suite run.
 *
 * @throws RulesError when the files (or the selected profile) have problems.
 * @example
 * const report = await runRuleTestFiles(['rules'], { profile: 'eks' });
 */
export async function runRuleTestFiles(
  paths: readonly string[],
  options: RunRuleTestFilesOptions = {},
): Promise<RuleTestReport> {
  const spec = await loadRuleFiles(paths, options.profile !== undefined ? { profile: options.profile } : {});
  return runRuleTests(spec, {
    ...options,
    loadProfile: (name) => loadRuleFiles(paths, name !== undefined ? { profile: name } : {}),
  });
}

/** Each rule's covering cases: a rule needs one case expecting it and one naming it in `rules` without expecting it. */
export function ruleTestCoverage(spec: RuleSetSpec): RuleCoverage[] {
  const byRule = new Map<string, RuleCoverage>();
  for (const rule of spec.rules)
    byRule.set(rule.name, { rule: rule.name, file: rule.source.file, firing: [], quiet: [] });
  for (const test of spec.tests ?? []) {
    const expected = new Set(test.expect.map((e) => e.rule));
    for (const rule of expected) byRule.get(rule)?.firing.push(test.name);
    if (!test.scoped) continue;
    for (const rule of test.scope) if (!expected.has(rule)) byRule.get(rule)?.quiet.push(test.name);
  }
  return [...byRule.values()];
}

/** Tests see every rule: a rule disabled by default is still tested. */
function enableAll(spec: RuleSetSpec): RuleSetSpec {
  return { ...spec, rules: spec.rules.map((rule) => (rule.enabled ? rule : { ...rule, enabled: true })) };
}

async function runCase(
  test: RuleTestSpec,
  profile: string | undefined,
  ruleSet: () => Promise<CompiledRuleSet>,
  options: RunRuleTestsOptions,
): Promise<RuleTestCaseResult> {
  const result: RuleTestCaseResult = {
    file: test.source.file,
    index: test.source.index,
    name: test.name,
    ...(profile !== undefined ? { profile } : {}),
    passed: false,
    expected: test.expect,
    got: [],
    missing: [],
    unexpected: [],
  };
  let rules: CompiledRuleSet;
  try {
    rules = await ruleSet();
  } catch (err) {
    result.error = `cannot load the rules${profile !== undefined ? ` with profile "${profile}"` : ''}: ${(err as Error).message}`;
    result.missing = [...test.expect];
    return result;
  }

  const pipeline = createPipeline({
    rules,
    tick: false,
    ...(options.lateness !== undefined ? { lateness: options.lateness } : {}),
  });
  const alerts: Alert[] = [];
  pipeline.notices$.subscribe((notice) => {
    // `closed` carries each alert once, in its final state (roll-ups included).
    if (notice.type === 'closed') alerts.push(notice.alert);
  });
  const refused: string[] = [];
  try {
    if (test.events !== undefined) {
      const events = test.events.map((event, i) => withDefaults(event, test.name, i));
      if (events.length > 0) {
        for (const r of pipeline.push(events).rejected)
          refused.push(`event ${r.index ?? '?'} was refused: ${r.reason}`);
      }
    } else if (test.eventsFile !== undefined) {
      for await (const batch of readEvents(test.eventsFile)) {
        for (const r of pipeline.pushDecoded(batch).rejected)
          refused.push(`${test.eventsFile}${r.line !== undefined ? `:${r.line}` : ''} was refused: ${r.reason}`);
      }
    }
  } catch (err) {
    refused.push((err as Error).message);
  }
  await pipeline.end();

  const scope = new Set(test.scope);
  result.got = alerts
    .filter((a) => scope.has(a.rule))
    .map((a) => ({ rule: a.rule, count: a.count, key: a.key, message: a.message }));
  const { missing, unexpected } = compareAlerts(test.expect, result.got);
  result.missing = missing;
  result.unexpected = unexpected;
  if (refused.length > 0) result.error = refused.slice(0, 5).join('; ') + (refused.length > 5 ? '; …' : '');
  result.passed = refused.length === 0 && missing.length === 0 && unexpected.length === 0;
  return result;
}

/**
 * An inline event with the defaults filled in: apiVersion, kind, level `Metadata`, stage
 * `ResponseComplete`, an auditID from the case and the index, and — when it sets neither timestamp —
 * both timestamps at {@link RULE_TEST_EPOCH} plus `index` seconds. The input is not changed.
 */
export function withDefaults(event: Record<string, unknown>, caseName: string, index: number): Record<string, unknown> {
  const copy = structuredClone(event);
  const out: Record<string, unknown> = {
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Event',
    level: 'Metadata',
    stage: 'ResponseComplete',
    auditID: `${caseName}#${index}`,
    ...copy,
  };
  if (copy.requestReceivedTimestamp === undefined && copy.stageTimestamp === undefined) {
    const time = new Date(RULE_TEST_EPOCH + index * 1000).toISOString();
    out.requestReceivedTimestamp = time;
    out.stageTimestamp = time;
  }
  return out;
}

/** Whether an alert meets an expectation: same rule, the count if given, the key values given. */
export function alertMeets(alert: RuleTestAlert, expected: ExpectedAlert): boolean {
  if (alert.rule !== expected.rule) return false;
  if (expected.count !== undefined && alert.count !== expected.count) return false;
  for (const [fact, value] of Object.entries(expected.key ?? {})) {
    if (!Object.prototype.hasOwnProperty.call(alert.key, fact)) return false;
    if (!isDeepStrictEqual(alert.key[fact], value)) return false;
  }
  return true;
}

/**
 * Pairs expectations with alerts as a multiset, by maximum bipartite matching (so a loose expectation
 * never takes the alert a stricter one needed), and returns what is left on each side.
 */
export function compareAlerts(
  expected: readonly ExpectedAlert[],
  got: readonly RuleTestAlert[],
): { missing: ExpectedAlert[]; unexpected: RuleTestAlert[] } {
  const owner = new Array<number>(got.length).fill(-1);
  const candidates = expected.map((e) => got.flatMap((a, j) => (alertMeets(a, e) ? [j] : [])));
  const assign = (i: number, seen: boolean[]): boolean => {
    for (const j of candidates[i]!) {
      if (seen[j]) continue;
      seen[j] = true;
      if (owner[j] === -1 || assign(owner[j]!, seen)) {
        owner[j] = i;
        return true;
      }
    }
    return false;
  };
  expected.forEach((_, i) => assign(i, new Array<boolean>(got.length).fill(false)));
  // An augmenting path can move an expectation to another alert, never unmatch it: the owners tell.
  const met = new Set(owner.filter((i) => i >= 0));
  return {
    missing: expected.filter((_, i) => !met.has(i)),
    unexpected: got.filter((_, j) => owner[j] === -1),
  };
}
