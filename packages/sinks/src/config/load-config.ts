import { readFile } from 'node:fs/promises';
import { KauditError, validateKauditConfig, type KauditConfig } from '@kaudit/core';
import { configFromEnv, envConfigProblems } from './config-from-env.js';
import { optionSchemas, SINK_TYPES, type SinkType } from './sink-types.js';

/** Options of {@link loadConfig} and {@link resolveConfig}. */
export interface LoadConfigOptions {
  /** Sink types config files may name. Default {@link SINK_TYPES}. */
  types?: Readonly<Record<string, SinkType>>;
}

/** Line and column of a JSON.parse error position, when the engine gives one. */
function where(text: string, error: Error): string {
  const position = /position (\d+)/.exec(error.message)?.[1];
  if (position === undefined) return '';
  const before = text.slice(0, Number(position));
  const line = before.split('\n').length;
  return ` at line ${line}, column ${Number(position) - before.lastIndexOf('\n')}`;
}

/**
 * Parses and validates a config document (text). Throws a KauditError `invalid_config` listing every
 * fault: not JSON, schema faults, unknown sink types, each sink's options, routes naming unknown sinks.
 *
 * @example
 * parseConfig('{ "sinks": [{ "id": "out", "type": "console" }] }', 'inline')
 */
export function parseConfig(text: string, source: string, options: LoadConfigOptions = {}): KauditConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new KauditError(
      'config',
      'invalid_config',
      `${source} is not JSON${where(text, err as Error)}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  return validateKauditConfig(json, { source, sinkTypes: optionSchemas(options.types ?? SINK_TYPES) });
}

/**
 * Reads a config file: `{ "sinks": [...], "routes": [...], "delivery": {...} }`.
 *
 * @example
 * const config = await loadConfig('/etc/kaudit/config.json');
 * const sinks = createSinks(config, process.env);
 */
export async function loadConfig(path: string, options: LoadConfigOptions = {}): Promise<KauditConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new KauditError('config', 'invalid_config', `cannot read config file ${path}: ${code}`, { cause: err });
  }
  return parseConfig(text, path, options);
}

/**
 * The config in effect: the file `path` (else `$KAUDIT_CONFIG`) when given, else the seed's
 * environment (see {@link configFromEnv}): Slack sinks from `SLACK_TOKEN` + `CHANNEL_ID` and
 * `SLACK_WEBHOOK_URL`, else the console sink.
 */
export async function resolveConfig(
  path: string | undefined,
  env: NodeJS.ProcessEnv,
  options: LoadConfigOptions = {},
): Promise<{ config: KauditConfig; source: string }> {
  const file = path ?? env.KAUDIT_CONFIG;
  if (file) return { config: await loadConfig(file, options), source: file };
  const problems = envConfigProblems(env);
  if (problems.length > 0) throw new KauditError('config', 'invalid_config', `environment: ${problems.join('; ')}`);
  const config = configFromEnv(env);
  return {
    config: validateKauditConfig(config, {
      source: 'environment',
      sinkTypes: optionSchemas(options.types ?? SINK_TYPES),
    }),
    source: 'environment',
  };
}
