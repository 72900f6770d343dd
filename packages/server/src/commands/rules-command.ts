import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  compileRuleSet,
  formatRuleTestReport,
  listProfiles,
  loadRuleFiles,
  RULE_FILE_SCHEMA,
  RulesError,
  runRuleTestFiles,
} from '@kaudit/core';
import { type CommandIO, UsageError, write } from './io.js';

/** Prints every problem of a refused rule set, one per line: `file: rule "x" at /pointer: message`. */
export async function printRuleProblems(io: CommandIO, err: RulesError): Promise<void> {
  await write(io.stderr, `kaudit: ${err.problems.length} problem(s) in rule files:\n`);
  for (const p of err.problems) {
    const rule = p.rule ? ` rule "${p.rule}"` : '';
    await write(io.stderr, `  ${p.file}:${rule} at ${p.pointer || '/'}: ${p.message}\n`);
  }
}

/**
 * Checks a `--profile` name before anything is loaded: an unknown one is a usage error that lists the
 * profiles the given rule folders have.
 */
export async function checkProfile(name: string | undefined, paths: readonly string[]): Promise<void> {
  if (name === undefined) return;
  const folders: string[] = [];
  for (const path of paths) if ((await stat(path).catch(() => undefined))?.isDirectory()) folders.push(path);
  const available = await listProfiles(folders);
  if (available.includes(name)) return;
  throw new UsageError(
    available.length > 0
      ? `unknown profile "${name}"; available profiles: ${available.join(', ')}`
      : `unknown profile "${name}": the rule folders given have no profiles/ folder`,
  );
}

/**
 * `kaudit rules validate PATH... [--profile NAME]`: loads, validates and compiles rule files and
 * folders, listing every problem; exit 1 on any. `kaudit rules test PATH... [--profile NAME]
 * [--no-coverage]`: runs the files' inline tests; exit 1 on a failed case or a coverage gap.
 * `kaudit rules schema`: prints the rule file JSON Schema for editors.
 */
export async function rulesCommand(args: string[], io: CommandIO): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'schema') {
    await write(io.stdout, `${JSON.stringify(RULE_FILE_SCHEMA, null, 2)}\n`);
    return 0;
  }
  if (sub === 'validate') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { profile: { type: 'string', short: 'p' } },
    });
    if (positionals.length === 0) throw new UsageError('kaudit rules validate needs at least one file or folder');
    const paths = positionals.map((p) => resolve(io.cwd, p));
    await checkProfile(values.profile, paths);
    try {
      const spec = await loadRuleFiles(paths, values.profile !== undefined ? { profile: values.profile } : {});
      const compiled = compileRuleSet(spec);
      const enabled = compiled.rules.filter((r) => r.spec.enabled).length;
      const profile = spec.profile !== undefined ? `, profile ${spec.profile}` : '';
      await write(
        io.stdout,
        `ok: ${spec.rules.length} rules (${enabled} enabled) in ${spec.files.length} file(s), ${Object.keys(spec.lists).length} lists, ${Object.keys(spec.conditions).length} shared conditions, ${spec.tests?.length ?? 0} test cases${profile}\n`,
      );
      return 0;
    } catch (err) {
      if (err instanceof RulesError) {
        await printRuleProblems(io, err);
        return 1;
      }
      throw err;
    }
  }
  if (sub === 'test') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        profile: { type: 'string', short: 'p' },
        'no-coverage': { type: 'boolean', default: false },
      },
    });
    if (positionals.length === 0) throw new UsageError('kaudit rules test needs at least one file or folder');
    const paths = positionals.map((p) => resolve(io.cwd, p));
    await checkProfile(values.profile, paths);
    try {
      const report = await runRuleTestFiles(paths, values.profile !== undefined ? { profile: values.profile } : {});
      const noCoverage = values['no-coverage'];
      const color = io.stdout.isTTY === true && !io.env.NO_COLOR;
      if (report.cases.length === 0) await write(io.stderr, 'kaudit: no test cases in these rule files\n');
      await write(io.stdout, formatRuleTestReport(report, { cwd: io.cwd, color, noCoverage }));
      const failed = report.failed > 0 || (!noCoverage && report.gaps.length > 0) || report.cases.length === 0;
      return failed ? 1 : 0;
    } catch (err) {
      if (err instanceof RulesError) {
        await printRuleProblems(io, err);
        return 1;
      }
      throw err;
    }
  }
  throw new UsageError(
    sub ? `unknown rules command "${sub}"` : 'kaudit rules needs a command: validate, test or schema',
  );
}
