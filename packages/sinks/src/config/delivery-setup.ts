import {
  deadLetterFile,
  deliveryOptionsFromConfig,
  type DeliveryEvent,
  type KauditConfig,
  type PipelineOptions,
} from '@kaudit/core';
import { createSinks } from './create-sinks.js';
import { SINK_TYPES, type SinkType } from './sink-types.js';

/** Options of {@link deliverySetup}. */
export interface DeliverySetupOptions {
  /** The dead-letter file, overriding the config's `delivery.deadLetter` (e.g. from `--dead-letter`). */
  deadLetter?: string;
  /** Health changes and dead letters, for logs. */
  onEvent?: (event: DeliveryEvent) => void;
  types?: Readonly<Record<string, SinkType>>;
}

/**
 * Everything `createPipeline` needs to deliver as a config says: the sinks, the routes and the
 * delivery options, with the dead-letter file (created only when something is dead-lettered).
 *
 * @example
 * const pipeline = createPipeline({ rules, ...deliverySetup(config, process.env, { deadLetter: 'dl.jsonl' }) });
 */
export function deliverySetup(
  config: KauditConfig,
  env: NodeJS.ProcessEnv,
  options: DeliverySetupOptions = {},
): Required<Pick<PipelineOptions, 'sinks' | 'delivery'>> &
  Pick<PipelineOptions, 'routes'> & { deadLetterPath?: string } {
  const sinks = createSinks(config, env, options.types ?? SINK_TYPES);
  const { deadLetterPath: configured, ...delivery } = deliveryOptionsFromConfig(config.delivery);
  const deadLetterPath = options.deadLetter ?? configured;
  return {
    sinks,
    ...(config.routes ? { routes: config.routes } : {}),
    delivery: {
      ...delivery,
      ...(deadLetterPath ? { deadLetter: deadLetterFile(deadLetterPath) } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    },
    ...(deadLetterPath ? { deadLetterPath } : {}),
  };
}
