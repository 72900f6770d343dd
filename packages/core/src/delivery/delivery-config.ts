import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { KauditError } from '../errors.js';
import { DURATION_PATTERN, parseDuration } from '../rules/duration.js';
import { SEVERITIES } from '../rules/rule-file.js';
import type { DeliveryOptions } from './create-delivery.js';
import type { Route } from './routes.js';

/** A duration: milliseconds, or text such as `30s`, `5m`, `1h30m`. */
export type DurationSetting = number | string;

/** One sink of a config file: its factory is chosen by `type`, which receives `options`. */
export interface SinkConfig {
  /** Unique; routes and metrics name the sink by it. */
  id: string;
  /** `slack`, `slack-webhook`, `console`, `file`, or a type registered by the caller. */
  type: string;
  options?: Record<string, unknown>;
}

/** The `delivery` section of a config file; see {@link createDelivery} for the meaning of each. */
export interface DeliveryConfig {
  rate?: { perSecond?: number; burst?: number };
  retry?: {
    maxAttempts?: number;
    maxAge?: DurationSetting;
    baseDelay?: DurationSetting;
    maxDelay?: DurationSetting;
    timeout?: DurationSetting;
  };
  digest?: { threshold?: number; maxAlerts?: number } | false;
  maxQueued?: number;
  probeInterval?: DurationSetting;
  /** The dead-letter JSON-lines file. */
  deadLetter?: string;
  /** How long shutdown waits for queues before dead-lettering the rest. */
  drainTimeout?: DurationSetting;
}

/** A kaudit config file: `{ "sinks": [...], "routes": [...], "delivery": {...} }`. */
export interface KauditConfig {
  sinks: SinkConfig[];
  routes?: Route[];
  delivery?: DeliveryConfig;
}

const duration = {
  description: 'milliseconds or a duration such as 30s, 5m',
  anyOf: [
    { type: 'number', minimum: 0 },
    { type: 'string', pattern: DURATION_PATTERN },
  ],
};
const positiveInt = { type: 'integer', minimum: 1 };

/** JSON Schema of {@link KauditConfig}; sink options are checked per type by the caller's schemas. */
export const KAUDIT_CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'kaudit config',
  type: 'object',
  additionalProperties: false,
  required: ['sinks'],
  properties: {
    $schema: { type: 'string' },
    sinks: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'type'],
        properties: {
          id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.#-]*$', maxLength: 100 },
          type: { type: 'string', minLength: 1 },
          options: { type: 'object' },
        },
      },
    },
    routes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['sinks'],
        properties: {
          sinks: { type: 'array', minItems: 1, items: { type: 'string' } },
          minSeverity: { enum: [...SEVERITIES] },
          tags: { type: 'array', minItems: 1, items: { type: 'string' } },
          rules: { type: 'array', minItems: 1, items: { type: 'string' } },
          continue: { type: 'boolean' },
        },
      },
    },
    delivery: {
      type: 'object',
      additionalProperties: false,
      properties: {
        rate: {
          type: 'object',
          additionalProperties: false,
          properties: { perSecond: { type: 'number', exclusiveMinimum: 0 }, burst: positiveInt },
        },
        retry: {
          type: 'object',
          additionalProperties: false,
          properties: {
            maxAttempts: positiveInt,
            maxAge: duration,
            baseDelay: duration,
            maxDelay: duration,
            timeout: duration,
          },
        },
        digest: {
          description: 'false, or { "threshold": n >= 1, "maxAlerts": n >= 2 }',
          anyOf: [
            { const: false },
            {
              type: 'object',
              additionalProperties: false,
              properties: { threshold: positiveInt, maxAlerts: { type: 'integer', minimum: 2 } },
            },
          ],
        },
        maxQueued: positiveInt,
        probeInterval: duration,
        deadLetter: { type: 'string', minLength: 1 },
        drainTimeout: duration,
      },
    },
  },
} as const;

/** Options of {@link validateKauditConfig}. */
export interface ValidateConfigOptions {
  /** Where the config came from, for messages (a file path, `environment`). */
  source?: string;
  /** JSON Schema of the `options` of each sink type; a type not listed is refused. */
  sinkTypes?: Readonly<Record<string, object>>;
  /**
   * Further top-level sections the caller understands (e.g. the server's `server`, `rules`, `log`), by
   * name, with their JSON Schemas: checked in the same pass, so one message lists every fault.
   */
  sections?: Readonly<Record<string, object>>;
  /** `sinks` may be absent, when the caller has another source of sinks (the environment). Default false. */
  sinksOptional?: boolean;
  /** Faults the caller found by itself (cross-checks, environment), listed with the others. */
  faults?: readonly string[];
}

let compiledConfig: ValidateFunction | undefined;
const extendedValidators = new WeakMap<object, { required: ValidateFunction; optional: ValidateFunction }>();

/** The config schema with the caller's sections, compiled once per sections object. */
function extendedValidator(sections: Readonly<Record<string, object>>, sinksOptional: boolean): ValidateFunction {
  let pair = extendedValidators.get(sections);
  if (!pair) {
    const schema = (required: string[]) => ({
      ...KAUDIT_CONFIG_SCHEMA,
      required,
      properties: { ...KAUDIT_CONFIG_SCHEMA.properties, ...sections },
    });
    pair = { required: ajv().compile(schema(['sinks'])), optional: ajv().compile(schema([])) };
    extendedValidators.set(sections, pair);
  }
  return sinksOptional ? pair.optional : pair.required;
}
const NO_SECTIONS: Readonly<Record<string, object>> = {};
const typeValidators = new WeakMap<object, ValidateFunction>();
const ajv = () => new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });

function describe(error: ErrorObject, base = ''): string {
  const at = `${base}${error.instancePath}` || '(top level)';
  switch (error.keyword) {
    case 'additionalProperties':
      return `${at}: unknown property "${String((error.params as { additionalProperty: string }).additionalProperty)}"`;
    case 'required':
      return `${at}: "${String((error.params as { missingProperty: string }).missingProperty)}" is required`;
    case 'anyOf':
      return `${at}: must be ${String((error.parentSchema as { description?: string } | undefined)?.description ?? 'valid')}`;
    case 'enum':
      return `${at}: must be one of ${((error.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}`;
    default:
      return `${at}: ${error.message ?? 'is not valid'}`;
  }
}

/** One message per `anyOf` (its schema's description) instead of one per failed branch. */
const meaningful = (errors: readonly ErrorObject[]): ErrorObject[] =>
  errors.filter((e) => !e.schemaPath.includes('/anyOf/'));

/**
 * Checks a parsed config document and returns it typed, or throws one KauditError (`invalid_config`)
 * listing every fault with its JSON pointer: schema faults, duplicate sink ids, unknown sink types,
 * routes naming sinks that do not exist, and each sink's options against its type's schema.
 *
 * @example
 * validateKauditConfig(JSON.parse(text), { source: 'kaudit.json', sinkTypes: { console: {} } });
 */
export function validateKauditConfig(value: unknown, options: ValidateConfigOptions = {}): KauditConfig {
  const source = options.source ?? 'config';
  let check: ValidateFunction;
  if (options.sections || options.sinksOptional) {
    check = extendedValidator(options.sections ?? NO_SECTIONS, options.sinksOptional === true);
  } else {
    check = compiledConfig ??= ajv().compile(KAUDIT_CONFIG_SCHEMA);
  }
  const faults: string[] = [...(options.faults ?? [])];
  if (!check(value)) for (const e of meaningful(check.errors ?? [])) faults.push(describe(e));
  const config = value as Partial<KauditConfig> | null;
  const sinks = Array.isArray(config?.sinks) ? config.sinks : [];
  const ids = new Set<string>();
  sinks.forEach((sink, i) => {
    if (typeof sink !== 'object' || sink === null) return;
    if (typeof sink.id === 'string') {
      if (ids.has(sink.id)) faults.push(`/sinks/${i}/id: "${sink.id}" is used by an earlier sink`);
      ids.add(sink.id);
    }
    if (options.sinkTypes && typeof sink.type === 'string') {
      const schema = Object.hasOwn(options.sinkTypes, sink.type) ? options.sinkTypes[sink.type] : undefined;
      if (!schema) {
        faults.push(
          `/sinks/${i}/type: unknown sink type "${sink.type}" (known: ${Object.keys(options.sinkTypes).join(', ')})`,
        );
        return;
      }
      let validate = typeValidators.get(schema);
      if (!validate) typeValidators.set(schema, (validate = ajv().compile(schema)));
      if (!validate(sink.options ?? {}))
        for (const e of meaningful(validate.errors ?? [])) faults.push(describe(e, `/sinks/${i}/options`));
    }
  });
  const routes = Array.isArray(config?.routes) ? config.routes : [];
  routes.forEach((route, i) => {
    if (typeof route !== 'object' || route === null || !Array.isArray(route.sinks)) return;
    route.sinks.forEach((id, j) => {
      if (typeof id === 'string' && !ids.has(id)) faults.push(`/routes/${i}/sinks/${j}: no sink has the id "${id}"`);
    });
  });
  if (faults.length > 0)
    throw new KauditError(
      'config',
      'invalid_config',
      `${source} has ${faults.length} problem${faults.length === 1 ? '' : 's'}:\n  ${faults.join('\n  ')}`,
    );
  return value as KauditConfig;
}

/** A {@link DurationSetting} in ms. */
export function durationMs(value: DurationSetting): number {
  if (typeof value === 'number') return value;
  const ms = parseDuration(value);
  if (ms === undefined)
    throw new KauditError('config', 'invalid_config', `"${value}" is not a duration (e.g. 30s, 5m)`);
  return ms;
}

/**
 * The `delivery` section as options of {@link createDelivery} (durations in ms), plus the dead-letter
 * path and drain timeout that the caller turns into a writer and a shutdown deadline.
 */
export function deliveryOptionsFromConfig(
  config: DeliveryConfig = {},
): Omit<DeliveryOptions, 'sinks' | 'routes'> & { deadLetterPath?: string; drainTimeout?: number } {
  const ms = (v: DurationSetting | undefined) => (v === undefined ? undefined : durationMs(v));
  const retry = config.retry ?? {};
  const retryOptions = Object.fromEntries(
    Object.entries({
      maxAttempts: retry.maxAttempts,
      maxAge: ms(retry.maxAge),
      baseDelay: ms(retry.baseDelay),
      maxDelay: ms(retry.maxDelay),
      timeout: ms(retry.timeout),
    }).filter(([, v]) => v !== undefined),
  );
  return {
    ...(config.rate ? { rate: { ...config.rate } } : {}),
    ...(Object.keys(retryOptions).length > 0 ? { retry: retryOptions } : {}),
    ...(config.digest !== undefined ? { digest: config.digest === false ? false : { ...config.digest } } : {}),
    ...(config.maxQueued !== undefined ? { maxQueued: config.maxQueued } : {}),
    ...(config.probeInterval !== undefined ? { probeInterval: durationMs(config.probeInterval) } : {}),
    ...(config.deadLetter !== undefined ? { deadLetterPath: config.deadLetter } : {}),
    ...(config.drainTimeout !== undefined ? { drainTimeout: durationMs(config.drainTimeout) } : {}),
  };
}
