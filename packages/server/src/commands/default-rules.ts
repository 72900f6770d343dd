import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The rules used when none are named: `$KAUDIT_RULES`, else `rules/` in the working directory, else
 * the default library shipped beside this package (the repository's `rules/`).
 */
export function defaultRulePaths(env: NodeJS.ProcessEnv, cwd: string): string[] {
  if (env.KAUDIT_RULES) return env.KAUDIT_RULES.split(',').map((p) => resolve(cwd, p.trim()));
  const local = resolve(cwd, 'rules');
  if (existsSync(local)) return [local];
  return [fileURLToPath(new URL('../../../../rules', import.meta.url))];
}
