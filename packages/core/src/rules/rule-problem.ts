import { KauditError } from '../errors.js';

/**
 * One thing wrong with a rule file: where (file, rule name, JSON pointer inside the file) and what
 * was expected. Shared by the validator (shape, durations, names) and the compiler (operators,
 * values, references).
 *
 * @example
 * { file: 'rules/secrets.json', rule: 'secret-read-burst', pointer: '/rules/3/conditions/all/1/value', message: 'in needs an array value; got a number' }
 */
export interface RuleProblem {
  file: string;
  /** The rule's name; absent for problems outside rules (lists, shared conditions, the file itself). */
  rule?: string;
  /** RFC 6901 pointer into the file: `/rules/3/conditions/all/1/value`; `""` is the whole file. */
  pointer: string;
  message: string;
}

/** `file#pointer (rule): message`, the way problems are printed. */
export function formatRuleProblem(problem: RuleProblem): string {
  const rule = problem.rule !== undefined ? ` (rule ${problem.rule})` : '';
  return `${problem.file}#${problem.pointer}${rule}: ${problem.message}`;
}

/** The rules could not be loaded or compiled; `problems` lists every reason, code `invalid_rules`. */
export class RulesError extends KauditError {
  readonly problems: RuleProblem[];

  constructor(problems: RuleProblem[], options?: { cause?: unknown }) {
    const head = problems.length === 1 ? '1 problem in the rules' : `${problems.length} problems in the rules`;
    super(
      'rules',
      'invalid_rules',
      `${head}:\n${problems.map((p) => `  ${formatRuleProblem(p)}`).join('\n')}`,
      options,
    );
    this.name = 'RulesError';
    this.problems = problems;
  }
}
