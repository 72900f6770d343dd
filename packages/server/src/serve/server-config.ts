import { readFile, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { KauditError, listProfiles, parseDuration, validateKauditConfig, type KauditConfig } from '@kaudit/core';
import { configFromEnv, interpolateEnv, optionSchemas, SINK_TYPES, type SinkType } from '@kaudit/sinks';
import { parseDocument } from 'yaml';
import { defaultRulePaths } from '../commands/default-rules.js';
import type { BasicCredential } from './credential-source.js';

/** Log levels of the server's logger (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Everything `kaudit serve` runs with: the config file, then the environment, then the flags. */
export interface ServerSettings {
  /** Where the settings came from, for messages: the config file, or `defaults`. */
  source: string;
  host: string;
  /** 0 = any free port. */
  port: number;
  auth: { tokens: string[]; tokenFile?: string; basic: BasicCredential[]; basicFile?: string };
  /** File paths; `clientCA` turns on mutual TLS. */
  tls?: { cert: string; key: string; clientCA?: string; clientSubjects?: string[] };
  /** Bytes. */
  bodyLimit?: number;
  maxConcurrent?: number;
  /** Bytes. */
  maxPendingBytes?: number;
  /** ms. */
  requestTimeout?: number;
  /** ms. */
  headersTimeout?: number;
  /** ms: how long SIGTERM waits for requests and deliveries in all. Default 25 s (Kubernetes gives 30). */
  shutdownTimeout: number;
  /** ms: how often token files and certificates are checked for changes. */
  watchInterval?: number;
  /** Redelivered-batch detection; `false` turns it off. Window in ms. */
  redelivery: { window?: number; maxEntries?: number } | false;
  /** Serve without authentication on a non-loopback address (explicit opt-out). */
  insecureNoAuth: boolean;
  rules: { paths: string[]; profile?: string; watch: boolean };
  pipeline: { lateness?: number; maxKeys?: number; maxStateKeys?: number };
  log: { level: LogLevel };
  /** Sinks, routes and delivery: the file's, or the seed's environment variables when the file names no sinks. */
  config: KauditConfig;
  /** `file` when the sinks came from the config file, `environment` otherwise. */
  sinksFrom: 'file' | 'environment';
}

/** Command-line values of `kaudit serve` (highest precedence). */
export interface ServeFlags {
  host?: string;
  port?: string;
  rules?: string[];
  config?: string;
  profile?: string;
  insecureNoAuth?: boolean;
}

/** Defaults of {@link ServerSettings}. */
export const SERVER_DEFAULTS = { host: '127.0.0.1', port: 8080, shutdownTimeout: 25_000, logLevel: 'info' } as const;

const duration = {
  description: 'milliseconds or a duration such as 30s, 5m',
  anyOf: [{ type: 'number', minimum: 0 }, { type: 'string' }],
};
const positiveInt = { type: 'integer', minimum: 1 };
const path = { type: 'string', minLength: 1 };
const strings = { type: 'array', items: { type: 'string', minLength: 1 } };

/** JSON Schemas of the sections a server config adds to `sinks` / `routes` / `delivery`. */
export const SERVER_CONFIG_SECTIONS = {
  server: {
    type: 'object',
    additionalProperties: false,
    properties: {
      host: { type: 'string', minLength: 1 },
      port: { type: 'integer', minimum: 0, maximum: 65535 },
      auth: {
        type: 'object',
        additionalProperties: false,
        properties: {
          tokens: strings,
          tokenFile: path,
          basic: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['username', 'password'],
              properties: { username: { type: 'string', minLength: 1 }, password: { type: 'string', minLength: 1 } },
            },
          },
          basicFile: path,
        },
      },
      tls: {
        type: 'object',
        additionalProperties: false,
        properties: { cert: path, key: path, clientCA: path, clientSubjects: strings },
      },
      bodyLimit: positiveInt,
      maxConcurrent: positiveInt,
      maxPendingBytes: positiveInt,
      requestTimeout: duration,
      headersTimeout: duration,
      shutdownTimeout: duration,
      watchInterval: duration,
      redelivery: {
        description: 'false, or { "window": duration, "maxEntries": n >= 1 }',
        anyOf: [
          { const: false },
          {
            type: 'object',
            additionalProperties: false,
            properties: { window: duration, maxEntries: positiveInt },
          },
        ],
      },
      insecureNoAuth: { type: 'boolean' },
    },
  },
  rules: {
    type: 'object',
    additionalProperties: false,
    properties: {
      paths: { type: 'array', minItems: 1, items: path },
      profile: { type: 'string', minLength: 1 },
      watch: { type: 'boolean' },
    },
  },
  pipeline: {
    type: 'object',
    additionalProperties: false,
    properties: { lateness: duration, maxKeys: positiveInt, maxStateKeys: positiveInt },
  },
  log: {
    type: 'object',
    additionalProperties: false,
    properties: { level: { enum: [...LOG_LEVELS] } },
  },
} as const;

/** Options of {@link loadServerSettings}. */
export interface LoadServerSettingsOptions {
  flags?: ServeFlags;
  env: NodeJS.ProcessEnv;
  /** Relative paths (flags, environment, config file) resolve against it. */
  cwd: string;
  /** Sink types the config may name. Default {@link SINK_TYPES}. */
  types?: Readonly<Record<string, SinkType>>;
}

type Doc = Record<string, unknown>;
const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);
const section = (doc: Doc, name: string): Doc => (isObject(doc[name]) ? doc[name] : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/**
 * Parses a config document, YAML or JSON (JSON is YAML): the first syntax error is reported with its
 * line and column. The top level must be a mapping.
 */
export function parseConfigText(text: string, source: string): Doc {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const at = e.linePos?.[0] ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
      return `${at}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`;
    });
    throw new KauditError(
      'config',
      'invalid_config',
      `${source} is not valid YAML or JSON${lines[0]}${lines.length > 1 ? ` (and ${lines.length - 1} more)` : ''}`,
      { cause: doc.errors[0] },
    );
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (value === null || value === undefined) return {};
  if (!isObject(value)) throw new KauditError('config', 'invalid_config', `${source}: the top level must be a mapping`);
  return value;
}

/** Reads a config file; a missing file is `invalid_config` naming it. */
async function readConfigFile(file: string): Promise<Doc> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new KauditError('config', 'invalid_config', `cannot read config file ${file}: ${code}`, { cause: err });
  }
  return parseConfigText(text, file);
}

/**
 * The settings `kaudit serve` runs with: the config file (`flags.config`, else `$KAUDIT_CONFIG`;
 * YAML or JSON; `${ENV}` references resolved from the environment), overridden by the environment
 * (`HOST`, `PORT`, `KAUDIT_RULES`, `KAUDIT_PROFILE`, `KAUDIT_AUTH_TOKEN`, `KAUDIT_AUTH_TOKEN_FILE`,
 * `KAUDIT_TLS_CERT`, `KAUDIT_TLS_KEY`, `KAUDIT_TLS_CLIENT_CA`, `LOG_LEVEL`), overridden by the flags.
 * Without `sinks` in the file, the sinks come from the seed's variables (`SLACK_TOKEN` + `CHANNEL_ID`,
 * `SLACK_WEBHOOK_URL`, else the console). Everything is checked before anything starts: one
 * KauditError (`invalid_config`) lists every fault.
 *
 * @example
 * const settings = await loadServerSettings({ flags: { port: '9443' }, env: process.env, cwd: process.cwd() });
 */
export async function loadServerSettings(options: LoadServerSettingsOptions): Promise<ServerSettings> {
  const { env, cwd } = options;
  const flags = options.flags ?? {};
  const types = options.types ?? SINK_TYPES;
  const configPath = flags.config ?? str(env.KAUDIT_CONFIG);
  const source = configPath !== undefined ? resolve(cwd, configPath) : 'defaults';
  const raw = configPath !== undefined ? await readConfigFile(source) : {};
  const faults: string[] = [];

  // `${ENV}` in the server's own sections now; sink options are resolved when the sinks are built,
  // but checked here so a missing variable is listed with everything else.
  const doc: Doc = { ...raw };
  for (const name of Object.keys(SERVER_CONFIG_SECTIONS)) {
    if (!isObject(raw[name])) continue;
    try {
      doc[name] = interpolateEnv(raw[name], env, `/${name}`);
    } catch (err) {
      faults.push((err as Error).message);
    }
  }
  const sinksInFile = Array.isArray(raw.sinks);
  if (sinksInFile)
    (raw.sinks as unknown[]).forEach((sink, i) => {
      if (!isObject(sink) || !isObject(sink.options)) return;
      try {
        interpolateEnv(sink.options, env, `/sinks/${i}/options`);
      } catch (err) {
        faults.push((err as Error).message);
      }
    });
  else faults.push(...envSinkProblems(env));

  const server = section(doc, 'server');
  const auth = section(server, 'auth');
  const tlsFile = section(server, 'tls');
  const rulesFile = section(doc, 'rules');
  const pipelineFile = section(doc, 'pipeline');

  const ms = (value: unknown, where: string): number | undefined => {
    if (typeof value === 'number') return value >= 0 ? value : undefined;
    if (typeof value !== 'string') return undefined;
    const parsed = parseDuration(value);
    if (parsed === undefined) faults.push(`${where}: "${value}" is not a duration (e.g. 30s, 5m)`);
    return parsed;
  };
  const portOf = (value: string | undefined, where: string): number | undefined => {
    if (value === undefined) return undefined;
    const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!(n >= 0 && n <= 65535)) {
      faults.push(`${where}: "${value}" is not a port (0 to 65535)`);
      return undefined;
    }
    return n;
  };
  const filePort = typeof server.port === 'number' && Number.isInteger(server.port) ? server.port : undefined;
  const port =
    portOf(flags.port, '--port') ?? portOf(str(env.PORT), 'PORT (environment)') ?? filePort ?? SERVER_DEFAULTS.port;
  const host = str(flags.host) ?? str(env.HOST) ?? str(server.host) ?? SERVER_DEFAULTS.host;

  const stringsOf = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string' && s !== '') : [];
  const at = (p: string | undefined) => (p === undefined ? undefined : resolve(cwd, p));
  const tokens = env.KAUDIT_AUTH_TOKEN ? list(env.KAUDIT_AUTH_TOKEN) : stringsOf(auth.tokens);
  const tokenFile = at(str(env.KAUDIT_AUTH_TOKEN_FILE) ?? str(auth.tokenFile));
  const basic = Array.isArray(auth.basic)
    ? auth.basic.filter(
        (b): b is BasicCredential => isObject(b) && typeof b.username === 'string' && typeof b.password === 'string',
      )
    : [];
  const basicFile = at(str(auth.basicFile));

  const cert = at(str(env.KAUDIT_TLS_CERT) ?? str(tlsFile.cert));
  const key = at(str(env.KAUDIT_TLS_KEY) ?? str(tlsFile.key));
  const clientCA = at(str(env.KAUDIT_TLS_CLIENT_CA) ?? str(tlsFile.clientCA));
  const clientSubjects = stringsOf(tlsFile.clientSubjects);
  if (cert !== undefined && key === undefined)
    faults.push(
      'tls: a certificate (server.tls.cert / KAUDIT_TLS_CERT) needs its key (server.tls.key / KAUDIT_TLS_KEY)',
    );
  if (key !== undefined && cert === undefined)
    faults.push(
      'tls: a key (server.tls.key / KAUDIT_TLS_KEY) needs its certificate (server.tls.cert / KAUDIT_TLS_CERT)',
    );
  if (clientCA !== undefined && cert === undefined)
    faults.push('tls: a client CA (mutual TLS) needs a server certificate and key');
  if (clientSubjects.length > 0 && clientCA === undefined)
    faults.push(
      'tls: clientSubjects need a client CA (server.tls.clientCA / KAUDIT_TLS_CLIENT_CA): without one no client certificate is asked for',
    );
  for (const [what, file] of [
    ['certificate', cert],
    ['key', key],
    ['client CA', clientCA],
    ['token file', tokenFile],
    ['basic-auth file', basicFile],
  ] as const) {
    if (file !== undefined && !(await isFile(file))) faults.push(`${what} ${file}: no such file`);
  }

  const flagRules = flags.rules && flags.rules.length > 0 ? flags.rules.map((p) => resolve(cwd, p)) : undefined;
  const envRules = env.KAUDIT_RULES ? list(env.KAUDIT_RULES).map((p) => resolve(cwd, p)) : undefined;
  const fileRules = stringsOf(rulesFile.paths).map((p) => resolve(cwd, p));
  const rulePaths = flagRules ?? envRules ?? (fileRules.length > 0 ? fileRules : defaultRulePaths({}, cwd));
  const folders: string[] = [];
  for (const p of rulePaths) {
    const info = await stat(p).catch(() => undefined);
    if (!info) faults.push(`rules: ${p}: no such file or folder`);
    else if (info.isDirectory()) folders.push(p);
  }
  const profile = str(flags.profile) ?? str(env.KAUDIT_PROFILE) ?? str(rulesFile.profile);
  if (profile !== undefined) {
    const available = await listProfiles(folders);
    if (!available.includes(profile))
      faults.push(
        available.length > 0
          ? `rules: unknown profile "${profile}"; available profiles: ${available.join(', ')}`
          : `rules: unknown profile "${profile}": the rule folders have no profiles/ folder`,
      );
  }

  const envLevel = str(env.LOG_LEVEL);
  if (envLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(envLevel))
    faults.push(`LOG_LEVEL (environment): "${envLevel}" is not one of ${LOG_LEVELS.join(', ')}`);
  const fileLevel = section(doc, 'log').level;
  const level = (
    envLevel !== undefined && (LOG_LEVELS as readonly string[]).includes(envLevel)
      ? envLevel
      : typeof fileLevel === 'string' && (LOG_LEVELS as readonly string[]).includes(fileLevel)
        ? fileLevel
        : SERVER_DEFAULTS.logLevel
  ) as LogLevel;

  const requestTimeout = ms(server.requestTimeout, '/server/requestTimeout');
  const headersTimeout = ms(server.headersTimeout, '/server/headersTimeout');
  const shutdownTimeout = ms(server.shutdownTimeout, '/server/shutdownTimeout');
  const watchInterval = ms(server.watchInterval, '/server/watchInterval');
  const lateness = ms(pipelineFile.lateness, '/pipeline/lateness');
  let redelivery: ServerSettings['redelivery'] = {};
  if (server.redelivery === false) redelivery = false;
  else if (isObject(server.redelivery)) {
    const window = ms(server.redelivery.window, '/server/redelivery/window');
    const maxEntries = server.redelivery.maxEntries;
    redelivery = {
      ...(window !== undefined ? { window } : {}),
      ...(typeof maxEntries === 'number' ? { maxEntries } : {}),
    };
  }

  // One message with every fault: the schema's (file), the environment's and the cross-checks.
  const validated = validateKauditConfig(doc, {
    source,
    sinkTypes: optionSchemas(types),
    sections: SERVER_CONFIG_SECTIONS,
    sinksOptional: true,
    faults,
  });
  const config: KauditConfig = sinksInFile
    ? {
        sinks: validated.sinks,
        ...(validated.routes ? { routes: validated.routes } : {}),
        ...(validated.delivery ? { delivery: validated.delivery } : {}),
      }
    : { ...configFromEnv(env), ...(validated.delivery ? { delivery: validated.delivery } : {}) };

  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const optional = <T>(name: string, v: T | undefined) => (v !== undefined ? { [name]: v } : {});
  return {
    source,
    host,
    port,
    auth: { tokens, ...optional('tokenFile', tokenFile), basic, ...optional('basicFile', basicFile) },
    ...(cert !== undefined && key !== undefined
      ? {
          tls: {
            cert,
            key,
            ...optional('clientCA', clientCA),
            ...(clientSubjects.length > 0 ? { clientSubjects } : {}),
          },
        }
      : {}),
    ...optional('bodyLimit', num(server.bodyLimit)),
    ...optional('maxConcurrent', num(server.maxConcurrent)),
    ...optional('maxPendingBytes', num(server.maxPendingBytes)),
    ...optional('requestTimeout', requestTimeout),
    ...optional('headersTimeout', headersTimeout),
    shutdownTimeout: shutdownTimeout ?? SERVER_DEFAULTS.shutdownTimeout,
    ...optional('watchInterval', watchInterval),
    redelivery,
    insecureNoAuth: flags.insecureNoAuth === true || server.insecureNoAuth === true,
    rules: {
      paths: rulePaths,
      ...optional('profile', profile),
      watch: rulesFile.watch !== false,
    },
    pipeline: {
      ...optional('lateness', lateness),
      ...optional('maxKeys', num(pipelineFile.maxKeys)),
      ...optional('maxStateKeys', num(pipelineFile.maxStateKeys)),
    },
    log: { level },
    config,
    sinksFrom: sinksInFile ? 'file' : 'environment',
  } as ServerSettings;
}

/** The seed's Slack variables set half-way (a token without a channel, or the reverse). */
function envSinkProblems(env: NodeJS.ProcessEnv): string[] {
  const channel = env.CHANNEL_ID || env.SLACK_CHANNEL;
  if (env.SLACK_TOKEN && !channel)
    return ['environment: SLACK_TOKEN is set but neither CHANNEL_ID nor SLACK_CHANNEL is'];
  if (channel && !env.SLACK_TOKEN && !env.SLACK_WEBHOOK_URL)
    return [`environment: ${env.CHANNEL_ID ? 'CHANNEL_ID' : 'SLACK_CHANNEL'} is set but SLACK_TOKEN is not`];
  return [];
}

async function isFile(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.isFile() === true;
}

/** Whether some authentication is configured: bearer tokens, basic credentials (or their files), or mutual TLS. */
export function authenticationConfigured(settings: Pick<ServerSettings, 'auth' | 'tls'>): boolean {
  const { auth, tls } = settings;
  return (
    auth.tokens.length > 0 ||
    auth.tokenFile !== undefined ||
    auth.basic.length > 0 ||
    auth.basicFile !== undefined ||
    tls?.clientCA !== undefined
  );
}

/** Whether `host` only accepts connections from this machine: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:') && isIP(h.slice(7)) === 4) return h.slice(7).startsWith('127.');
  return false;
}

/**
 * Why these settings must not start: a non-loopback address without authentication, unless
 * `insecureNoAuth`. Undefined when they may. The text says what to set.
 */
export function insecureBindProblem(settings: ServerSettings): string | undefined {
  if (settings.insecureNoAuth || isLoopback(settings.host) || authenticationConfigured(settings)) return undefined;
  return [
    `refusing to listen on ${settings.host} without authentication: anyone who can reach it could send`,
    'audit events (hide an attack in noise, or flood the alerts). Configure one of:',
    '  KAUDIT_AUTH_TOKEN=<token>[,<token>...] or KAUDIT_AUTH_TOKEN_FILE=<file>   (bearer tokens)',
    '  server.auth.basic / server.auth.basicFile in the --config file            (basic auth)',
    '  KAUDIT_TLS_CERT, KAUDIT_TLS_KEY and KAUDIT_TLS_CLIENT_CA                  (mutual TLS)',
    'or listen on loopback (--host 127.0.0.1), or pass --insecure-no-auth if something in front',
    '(a network policy, a proxy) already restricts who can connect.',
  ].join('\n');
}
