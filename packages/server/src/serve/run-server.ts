import type { EventEmitter } from 'node:events';
import { createPipeline, KauditError, type DeliveryEvent, type Pipeline } from '@kaudit/core';
import { consoleSink, deliverySetup, SINK_TYPES, type SinkType } from '@kaudit/sinks';
import type { Logger } from 'pino';
import { createAuth } from '../app/auth.js';
import { createApp } from '../app/create-app.js';
import { createMetrics } from '../app/metrics.js';
import { credentialSource } from './credential-source.js';
import { listen, type Listener } from './listen.js';
import { createRulesReloader, enabledRuleCount, loadRules } from './rules-reloader.js';
import { authenticationConfigured, insecureBindProblem, type ServerSettings } from './server-config.js';

/** What {@link runServer} runs with besides its settings. */
export interface RunServerDeps {
  /** For `${ENV}` references in sink options. */
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /**
   * Where SIGTERM / SIGINT (graceful shutdown) and SIGHUP (rules reload) come from. Default `process`;
   * tests pass an EventEmitter and `emit('SIGTERM')`.
   */
  signals?: Pick<EventEmitter, 'on' | 'off'>;
  /** The console sink's streams. Default the process's. */
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Sink types config files may name. Default {@link SINK_TYPES} (with the console on `stdout` / `stderr`). */
  types?: Readonly<Record<string, SinkType>>;
  /** ms between checks of rule files, token files and certificates. Default 2000. */
  watchInterval?: number;
}

/** A running server. */
export interface ServerHandle {
  /** `http(s)://host:port`, with the port actually bound. */
  readonly url: string;
  readonly pipeline: Pipeline;
  /**
   * Graceful shutdown: POST /audit answers 503 from now on, requests in flight are answered, windows are
   * flushed and deliveries drained within `shutdownTimeout`. Idempotent: later calls return the same promise.
   */
  close(reason?: string): Promise<void>;
  /** Reloads the rules now (like SIGHUP); true when the new rules are in force. */
  reloadRules(): Promise<boolean>;
  /** Settles when the server has shut down (after a signal or `close()`). */
  readonly closed: Promise<void>;
}

/** At most this share of the shutdown budget goes to answering requests in flight; the rest is for deliveries. */
const HTTP_SHARE = 0.2;
const HTTP_DRAIN_MAX = 5_000;

/**
 * Runs `kaudit serve`: loads and compiles the rules (a problem stops the start), builds the pipeline with
 * the config's sinks, the metrics, the app with its authentication, and listens. SIGTERM and SIGINT shut
 * down gracefully; SIGHUP and changed rule files reload the rules. Refuses (KauditError `insecure_bind`)
 * a non-loopback address without authentication unless `insecureNoAuth`.
 *
 * @example
 * const settings = await loadServerSettings({ env: process.env, cwd: process.cwd() });
 * const server = await runServer(settings, { env: process.env, logger: createLogger() });
 * await server.closed;
 */
export async function runServer(settings: ServerSettings, deps: RunServerDeps): Promise<ServerHandle> {
  const { logger, env } = deps;
  const signals = deps.signals ?? process;
  const refusal = insecureBindProblem(settings);
  if (refusal !== undefined) throw new KauditError('server', 'insecure_bind', refusal);

  const initial = await loadRules({
    paths: settings.rules.paths,
    ...(settings.rules.profile !== undefined ? { profile: settings.rules.profile } : {}),
  });

  const shutdownTimeout = settings.shutdownTimeout;
  const httpBudget = Math.min(HTTP_DRAIN_MAX, shutdownTimeout * HTTP_SHARE);
  const setup = deliverySetup(settings.config, env, {
    onEvent: (event) => logDeliveryEvent(logger, event),
    types: deps.types ?? consoleOn(deps.stdout, deps.stderr),
  });
  const configuredDrain = setup.delivery.drainTimeout;
  const pipeline = createPipeline({
    // Read per event, and no event is pushed before the app exists, long after `reloader` below.
    rules: () => reloader.current(),
    sinks: setup.sinks,
    ...(setup.routes ? { routes: setup.routes } : {}),
    delivery: {
      ...setup.delivery,
      // Kubernetes kills the pod `terminationGracePeriodSeconds` after SIGTERM: the drain must end first.
      drainTimeout: Math.min(configuredDrain ?? Infinity, shutdownTimeout - httpBudget),
    },
    tick: 1000,
    ...(settings.pipeline.lateness !== undefined ? { lateness: settings.pipeline.lateness } : {}),
    ...(settings.pipeline.maxKeys !== undefined ? { maxKeys: settings.pipeline.maxKeys } : {}),
    ...(settings.pipeline.maxStateKeys !== undefined ? { maxStateKeys: settings.pipeline.maxStateKeys } : {}),
  });
  const metrics = createMetrics({ pipeline });
  metrics.ruleReload('ok', enabledRuleCount(initial));
  const watchInterval = settings.watchInterval ?? deps.watchInterval;
  const reloader = await createRulesReloader({
    paths: settings.rules.paths,
    ...(settings.rules.profile !== undefined ? { profile: settings.rules.profile } : {}),
    initial,
    watch: settings.rules.watch,
    signals,
    metrics,
    logger,
    ...(watchInterval !== undefined ? { pollInterval: watchInterval } : {}),
  });

  const credentials = credentialSource({
    tokens: settings.auth.tokens,
    ...(settings.auth.tokenFile !== undefined ? { tokenFile: settings.auth.tokenFile } : {}),
    basic: settings.auth.basic,
    ...(settings.auth.basicFile !== undefined ? { basicFile: settings.auth.basicFile } : {}),
    ...(settings.tls?.clientSubjects ? { clientSubjects: settings.tls.clientSubjects } : {}),
    clientCertificates: settings.tls?.clientCA !== undefined,
    ...(watchInterval !== undefined ? { watchInterval } : {}),
    logger,
  });
  let ready = true;
  const kapp = createApp({
    pipeline,
    // Configured but (for now) empty credentials still authenticate: they refuse everyone, not admit everyone.
    ...(authenticationConfigured(settings) ? { auth: createAuth(() => credentials.current()) } : {}),
    ...(settings.bodyLimit !== undefined ? { bodyLimit: settings.bodyLimit } : {}),
    ...(settings.maxConcurrent !== undefined ? { maxConcurrent: settings.maxConcurrent } : {}),
    ...(settings.maxPendingBytes !== undefined ? { maxPendingBytes: settings.maxPendingBytes } : {}),
    redelivery: settings.redelivery,
    metrics,
    logger,
    ready: () => ready,
  });

  let listener: Listener;
  try {
    listener = await listen({
      fetch: kapp.fetch,
      host: settings.host,
      port: settings.port,
      ...(settings.tls
        ? {
            tls: {
              cert: settings.tls.cert,
              key: settings.tls.key,
              ...(settings.tls.clientCA !== undefined ? { clientCA: settings.tls.clientCA } : {}),
            },
          }
        : {}),
      ...(settings.requestTimeout !== undefined ? { requestTimeout: settings.requestTimeout } : {}),
      ...(settings.headersTimeout !== undefined ? { headersTimeout: settings.headersTimeout } : {}),
      ...(watchInterval !== undefined ? { watchInterval } : {}),
      logger,
    });
  } catch (err) {
    reloader.close();
    credentials.close();
    metrics.close();
    await pipeline.end();
    throw err;
  }

  const auth = [
    settings.auth.tokens.length > 0 || settings.auth.tokenFile ? 'bearer' : undefined,
    settings.auth.basic.length > 0 || settings.auth.basicFile ? 'basic' : undefined,
    settings.tls?.clientCA ? 'mtls' : undefined,
  ].filter((a) => a !== undefined);
  logger.info(
    {
      url: listener.url,
      rules: enabledRuleCount(initial),
      sinks: setup.sinks.map((s) => s.id),
      auth: auth.length > 0 ? auth : 'none',
      config: settings.source,
    },
    `kaudit listening on ${listener.url}`,
  );

  let closing: Promise<void> | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));

  const shutdown = async (reason: string): Promise<void> => {
    const started = Date.now();
    logger.info({ reason }, `shutting down (${reason}): new batches get 503, finishing requests in flight`);
    ready = false;
    reloader.close();
    const http = (async () => {
      await kapp.drain();
      await listener.close();
    })();
    const httpDone = await within(http, httpBudget);
    if (!httpDone) {
      logger.warn(
        { budgetMs: httpBudget },
        'requests in flight were not answered within the shutdown budget; closing their connections',
      );
      // A client still trickling a body would otherwise hold the process open after shutdown.
      (listener.server as { closeAllConnections?: () => void }).closeAllConnections?.();
    }
    credentials.close();
    // Flushes windows (the alerts they hold are raised now) and drains deliveries within drainTimeout.
    await pipeline.end();
    metrics.close();
    const s = pipeline.stats;
    const deliveries = Object.values(s.deliveries);
    const delivered = deliveries.reduce((n, d) => n + d.delivered + d.digested, 0);
    const undelivered = deliveries.reduce((n, d) => n + d.deadLettered + d.rollupsDeadLettered, 0);
    logger.info(
      { reason, ms: Date.now() - started, events: s.events, alerts: s.alerts, delivered, undelivered },
      undelivered > 0
        ? `shut down: ${undelivered} notice(s) could not be delivered in time (dead-lettered)`
        : 'shut down: every alert delivered',
    );
  };

  const onStop = (signal: string) => () => {
    if (closing) logger.info({ signal }, 'already shutting down');
    // A failed shutdown is logged by close(); whoever awaits `closed` / close() sees the outcome.
    handle.close(signal).catch(() => undefined);
  };
  const onTerm = onStop('SIGTERM');
  const onInt = onStop('SIGINT');
  signals.on('SIGTERM', onTerm);
  signals.on('SIGINT', onInt);

  const handle: ServerHandle = {
    url: listener.url,
    pipeline,
    close(reason = 'close') {
      closing ??= shutdown(reason)
        .catch((err: unknown) => {
          logger.error({ err: { message: (err as Error).message } }, 'shutdown failed');
          throw err;
        })
        .finally(() => {
          signals.off('SIGTERM', onTerm);
          signals.off('SIGINT', onInt);
          resolveClosed();
        });
      return closing;
    },
    reloadRules: () => reloader.reload('requested'),
    closed,
  };
  return handle;
}

/** The sink types with the console writing to the given streams (tests capture them). */
function consoleOn(
  stdout: RunServerDeps['stdout'],
  stderr: RunServerDeps['stderr'],
): Readonly<Record<string, SinkType>> {
  if (!stdout && !stderr) return SINK_TYPES;
  return {
    ...SINK_TYPES,
    console: {
      optionsSchema: SINK_TYPES.console!.optionsSchema,
      create: (id, o) =>
        consoleSink({
          id,
          stream:
            (o.stream === 'stderr' ? stderr : stdout) ?? (o.stream === 'stderr' ? process.stderr : process.stdout),
          ...(o.format !== undefined ? { format: o.format as 'pretty' | 'json' | 'auto' } : {}),
          ...(o.color !== undefined ? { color: o.color as boolean } : {}),
        }),
    },
  };
}

/** Delivery health and dead letters, logged without the alert's content (it may quote resource names). */
function logDeliveryEvent(logger: Logger, event: DeliveryEvent): void {
  switch (event.type) {
    case 'unhealthy':
      logger.warn(
        { sink: event.sink, destination: event.destination, reason: event.reason, code: event.code },
        `sink ${event.sink} is unhealthy: ${event.reason}`,
      );
      break;
    case 'healthy':
      logger.info({ sink: event.sink, destination: event.destination }, `sink ${event.sink} is healthy again`);
      break;
    case 'dead-lettered':
      logger.warn({ sink: event.entry.sink, reason: event.entry.reason }, 'a notice could not be delivered');
      break;
    case 'dead-letter-failed':
      logger.error(
        { sink: event.entry.sink, err: { message: (event.error as Error)?.message ?? String(event.error) } },
        'a notice could not be delivered nor written to the dead-letter file',
      );
      break;
  }
}

/** Whether `promise` settled within `ms`; it keeps running either way. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
