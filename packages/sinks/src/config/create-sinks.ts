import { KauditError, type KauditConfig, type Sink } from '@kaudit/core';
import { interpolateEnv } from './interpolate-env.js';
import { SINK_TYPES, type SinkType } from './sink-types.js';

/**
 * Builds the sinks of a validated config, resolving `${ENV}` references in their options from `env`.
 * Every sink is checked before any is returned: all faults are reported together (`invalid_config`).
 *
 * @example
 * const { config } = await resolveConfig(flags.config, process.env);
 * const sinks = createSinks(config, process.env);
 * createPipeline({ rules, sinks, routes: config.routes });
 */
export function createSinks(
  config: KauditConfig,
  env: NodeJS.ProcessEnv,
  types: Readonly<Record<string, SinkType>> = SINK_TYPES,
): Sink[] {
  const faults: string[] = [];
  const sinks: Sink[] = [];
  config.sinks.forEach((spec, i) => {
    const type = Object.hasOwn(types, spec.type) ? types[spec.type] : undefined;
    if (!type) {
      faults.push(`/sinks/${i}/type: unknown sink type "${spec.type}"`);
      return;
    }
    try {
      sinks.push(type.create(spec.id, interpolateEnv(spec.options ?? {}, env, `/sinks/${i}/options`), env));
    } catch (err) {
      faults.push(err instanceof KauditError ? err.message : `/sinks/${i}: ${(err as Error).message}`);
    }
  });
  if (faults.length > 0)
    throw new KauditError('config', 'invalid_config', `cannot build the sinks:\n  ${faults.join('\n  ')}`);
  return sinks;
}
