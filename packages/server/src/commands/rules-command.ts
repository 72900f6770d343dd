import { compileRuleSet, loadRuleFiles, RULE_FILE_SCHEMA, RulesError } from '@kaudit/core';
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
 * `kaudit rules validate PATH...`: loads, validates and compiles rule files and folders, listing every
 * problem; exit 1 on any. `kaudit rules schema`: prints the rule file JSON Schema for editors.
 */
export async function rulesCommand(args: string[], io: CommandIO): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'schema') {
    await write(io.stdout, `${JSON.stringify(RULE_FILE_SCHEMA, null, 2)}\n`);
    return 0;
  }
  if (sub === 'validate') {
    if (rest.length === 0) throw new UsageError('kaudit rules validate needs at least one file or folder');
    try {
      const spec = await loadRuleFiles(rest);
      const compiled = compileRuleSet(spec);
      const enabled = compiled.rules.filter((r) => r.spec.enabled).length;
      await write(
        io.stdout,
        `ok: ${spec.rules.length} rules (${enabled} enabled) in ${spec.files.length} file(s), ${Object.keys(spec.lists).length} lists, ${Object.keys(spec.conditions).length} shared conditions\n`,
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
  throw new UsageError(sub ? `unknown rules command "${sub}"` : 'kaudit rules needs a command: validate or schema');
}
