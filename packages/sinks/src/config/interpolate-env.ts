import { KauditError } from '@kaudit/core';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `${NAME}` in every string of a sink's options with the environment variable's value, so
 * tokens and webhook URLs stay out of config files. A variable that is not set is an error naming
 * the variable (never its value).
 *
 * @example
 * interpolateEnv({ token: '${SLACK_TOKEN}' }, { SLACK_TOKEN: 'xoxb-…' }, '/sinks/0/options') // { token: 'xoxb-…' }
 */
export function interpolateEnv(
  options: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  where: string,
): Record<string, unknown> {
  const missing: string[] = [];
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string')
      return value.replace(REFERENCE, (_, name: string) => {
        const found = env[name];
        if (found === undefined || found === '') {
          missing.push(name);
          return '';
        }
        return found;
      });
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value === 'object' && value !== null)
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  const out = walk(options) as Record<string, unknown>;
  if (missing.length > 0)
    throw new KauditError(
      'config',
      'invalid_config',
      `${where} uses ${[...new Set(missing)].map((n) => `\${${n}}`).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not set in the environment`,
    );
  return out;
}
