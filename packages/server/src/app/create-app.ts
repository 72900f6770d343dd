import type { IncomingMessage } from 'node:http';
import { KauditError, type Pipeline, type PushResult } from '@kaudit/core';
import { Hono, type Context } from 'hono';
import { pino, type Logger } from 'pino';
import type { Authenticator } from './auth.js';
import { createMetrics, type Metrics } from './metrics.js';
import { readBody, type BodySource } from './read-body.js';
import { createRedeliveryMemory, type RedeliveryOptions } from './redelivery.js';

/** Options of {@link createApp}. */
export interface AppOptions {
  /** Where events go (`createPipeline` of @kaudit/core); its `pushBody` is synchronous. */
  pipeline: Pipeline;
  /** Who may `POST /audit` (see `createAuth`). Undefined: anyone. */
  auth?: Authenticator;
  /** Request body bytes at most (413 past it). Default 32 MiB. */
  bodyLimit?: number;
  /** `POST /audit` requests in flight at most (503 past it). Default 64. */
  maxConcurrent?: number;
  /** Bytes of bodies admitted but not yet handed to the pipeline, at most (503 past it). Default 256 MiB. */
  maxPendingBytes?: number;
  /** Dropping byte-identical redeliveries (API-server retries); `false` processes every body. */
  redelivery?: RedeliveryOptions | false;
  /** Default: `createMetrics({ pipeline })`. */
  metrics?: Metrics;
  /** Default: silent. */
  logger?: Logger;
  /** What `/readyz` reports (e.g. "rules loaded"). Default: always ready. Sink health never counts. */
  ready?: () => boolean;
  /** Seconds sent as `Retry-After` with 503s. Default 5. */
  retryAfter?: number;
  /** Time in ms for the redelivery window. Default `Date.now`. */
  clock?: () => number;
}

/** The HTTP app of `kaudit serve`; see {@link createApp}. */
export interface KauditApp {
  /** The Hono app: `serve({ fetch: kapp.app.fetch, ... })`. */
  readonly app: Hono;
  readonly fetch: (req: Request, env?: unknown) => Response | Promise<Response>;
  readonly metrics: Metrics;
  /** From now on POST /audit answers 503 + Retry-After; resolves once requests in flight are answered. */
  drain(): Promise<void>;
}

/** The answer to an accepted `POST /audit`. */
export interface AuditAnswer {
  accepted: number;
  rejected: number;
  /** The first 20 rejected items and why. */
  errors: { index?: number; line?: number; reason: string }[];
  /** True when the body was identical to one already processed: nothing was pushed again. */
  redelivery: boolean;
}

const MiB = 1024 * 1024;
const MAX_ERRORS = 20;
const ROUTES: Record<string, string> = {
  '/audit': 'POST',
  '/livez': 'GET, HEAD',
  '/readyz': 'GET, HEAD',
  '/metrics': 'GET, HEAD',
};

/** Media types of audit bodies: JSON (an EventList, an Event, an array) and JSON lines. */
function acceptedContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const type = header.split(';', 1)[0]!.trim().toLowerCase();
  return (
    type === 'application/json' ||
    type === 'application/x-ndjson' ||
    type === 'application/jsonl' ||
    type === 'application/x-jsonlines' ||
    /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(type)
  );
}

/** The node request under @hono/node-server (`c.env.incoming`); undefined elsewhere (`app.fetch(request)`). */
function incomingOf(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
}

/**
 * Where to read the body from: the node request while nothing has read from it (cheaper), else the web
 * request, whose body @hono/node-server buffered when some wrapper of `fetch` read or cloned it.
 */
function bodySource(c: Context): BodySource {
  const incoming = incomingOf(c);
  return incoming !== undefined && !incoming.readableDidRead ? incoming : c.req.raw.body;
}

/** The node socket under @hono/node-server (`c.env.incoming.socket`); undefined elsewhere. */
function socketOf(c: Context): unknown {
  return incomingOf(c)?.socket;
}

/**
 * The HTTP app of `kaudit serve` (Hono): `POST /audit` with DESIGN.md's status-code contract, plus
 * `/livez`, `/readyz` and `/metrics`. Cheap refusals come before the body is read: 401 (credentials),
 * 415 (content type), 413 (Content-Length over `bodyLimit`), 503 + `Retry-After` (draining, too many
 * requests, too many bytes pending). The body is then read with the limits enforced while it streams,
 * pushed to the pipeline synchronously, and answered at once: never after a sink. A body identical to
 * one processed within the redelivery window (the API server retries byte for byte) is answered 200
 * without being pushed again.
 *
 * @example
 * const kapp = createApp({ pipeline, auth: createAuth(() => credentials), logger });
 * serve({ fetch: kapp.fetch, port: 8080, hostname: '127.0.0.1' });
 * process.on('SIGTERM', async () => { await kapp.drain(); await pipeline.end(); });
 */
export function createApp(options: AppOptions): KauditApp {
  const { pipeline, auth } = options;
  for (const name of ['bodyLimit', 'maxConcurrent', 'maxPendingBytes', 'retryAfter'] as const) {
    const value = options[name];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
      throw new KauditError('server', 'invalid_option', `${name} must be a whole number ≥ 0, got ${String(value)}`);
    }
  }
  const bodyLimit = options.bodyLimit ?? 32 * MiB;
  const maxConcurrent = options.maxConcurrent ?? 64;
  const maxPendingBytes = options.maxPendingBytes ?? 256 * MiB;
  const retryAfter = String(options.retryAfter ?? 5);
  const ready = options.ready ?? (() => true);
  const logger = options.logger ?? pino({ level: 'silent' });
  const metrics = options.metrics ?? createMetrics({ pipeline });
  const memory =
    options.redelivery === false
      ? undefined
      : createRedeliveryMemory(options.redelivery ?? {}, options.clock ?? Date.now);

  let inFlight = 0;
  let pendingBytes = 0;
  let draining = false;
  const drainWaiters: (() => void)[] = [];
  metrics.trackQueue('in_flight_requests', () => inFlight);
  metrics.trackQueue('pending_bytes', () => pendingBytes);
  if (memory) metrics.trackQueue('redelivery_digests', () => memory.size);

  // Connection: close on refusals whose body was not read: the client stops sending it sooner, and the
  // connection does not stay busy discarding it.
  const refuse = (
    c: Context,
    status: 400 | 401 | 413 | 415 | 503,
    error: string,
    message: string,
    headers: Record<string, string> = {},
  ) => c.json({ error, message }, status, { Connection: 'close', ...headers });
  const unavailable = (c: Context, error: string, message: string) =>
    refuse(c, 503, error, message, { 'Retry-After': retryAfter });

  const app = new Hono();

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const route = ROUTES[c.req.path] !== undefined ? c.req.path : 'other';
    metrics.observeRequest(route, c.res.status, (performance.now() - started) / 1000);
  });

  app.get('/livez', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    if (draining) return c.json({ error: 'shutting_down', message: 'the server is shutting down' }, 503);
    return ready() ? c.json({ status: 'ready' }) : c.json({ error: 'not_ready', message: 'rules are not loaded' }, 503);
  });
  app.get('/metrics', async (c) => c.body(await metrics.text(), 200, { 'Content-Type': metrics.contentType }));

  app.post('/audit', async (c) => {
    let principal: string | undefined;
    if (auth) {
      const verdict = auth.authenticate({ authorization: c.req.header('authorization'), socket: socketOf(c) });
      if (!verdict.ok) {
        logger.info({ reason: verdict.reason }, 'audit request refused: credentials %s', verdict.reason);
        return refuse(c, 401, 'unauthorized', `credentials ${verdict.reason}`, {
          'WWW-Authenticate': verdict.challenge,
        });
      }
      principal = `${verdict.principal.method}:${verdict.principal.name}`;
    }
    if (!acceptedContentType(c.req.header('content-type'))) {
      return refuse(
        c,
        415,
        'unsupported_media_type',
        'send application/json (EventList, Event or array) or application/x-ndjson (JSON lines)',
      );
    }
    const lengthHeader = c.req.header('content-length');
    const length = lengthHeader === undefined ? undefined : Number(lengthHeader);
    if (length !== undefined && length > bodyLimit) {
      return refuse(c, 413, 'body_too_large', `the body (${length} bytes) is over the limit of ${bodyLimit} bytes`);
    }
    if (length !== undefined && length > maxPendingBytes) {
      // It could never be admitted: retrying would not help, so this is 413 and not 503.
      return refuse(
        c,
        413,
        'body_too_large',
        `the body (${length} bytes) is over the limit of ${maxPendingBytes} bytes`,
      );
    }
    if (draining) return unavailable(c, 'shutting_down', 'the server is shutting down');
    if (inFlight >= maxConcurrent) {
      return unavailable(c, 'overloaded', `${inFlight} requests in flight (at most ${maxConcurrent})`);
    }
    const reserve = length ?? 0;
    if (pendingBytes + reserve > maxPendingBytes) {
      return unavailable(c, 'overloaded', `${pendingBytes} bytes pending (at most ${maxPendingBytes})`);
    }

    inFlight++;
    pendingBytes += reserve;
    let reserved = reserve;
    try {
      const body = await readBody(bodySource(c), {
        limit: Math.min(bodyLimit, maxPendingBytes),
        admitted: reserve,
        admit(extra) {
          if (pendingBytes + extra > maxPendingBytes) return false;
          pendingBytes += extra;
          reserved += extra;
          return true;
        },
      });
      if (!body.ok) {
        if (body.why === 'too_large') {
          return refuse(
            c,
            413,
            'body_too_large',
            `the body is over the limit of ${Math.min(bodyLimit, maxPendingBytes)} bytes`,
          );
        }
        if (body.why === 'over_capacity') {
          return unavailable(c, 'overloaded', `${pendingBytes} bytes pending (at most ${maxPendingBytes})`);
        }
        logger.info({ read: body.read }, 'audit request aborted by the client while sending its body');
        return refuse(c, 400, 'aborted', 'the body could not be read to its end');
      }
      return c.json(accept(body.bytes, body.digest, principal));
    } catch (error) {
      if (error instanceof KauditError) {
        logger.warn({ code: error.code, reason: error.message }, 'audit request refused: not audit events');
        return refuse(c, 400, error.code, error.message);
      }
      throw error;
    } finally {
      pendingBytes -= reserved;
      inFlight--;
      if (inFlight === 0 && draining) for (const done of drainWaiters.splice(0)) done();
    }
  });

  // Synchronous from the redelivery check to `remember`, so two identical bodies arriving together
  // cannot both be pushed.
  function accept(bytes: Uint8Array, digest: string, principal: string | undefined): AuditAnswer {
    const seen = memory?.seen(digest);
    if (seen !== undefined) {
      metrics.redelivered(seen);
      logger.info({ events: seen, bytes: bytes.byteLength, principal }, 'redelivered batch dropped');
      return { accepted: 0, rejected: 0, errors: [], redelivery: true };
    }
    const result: PushResult = pipeline.pushBody(bytes);
    memory?.remember(digest, result.accepted);
    const errors = result.rejected.slice(0, MAX_ERRORS).map((r) => ({
      ...(r.index !== undefined ? { index: r.index } : {}),
      ...(r.line !== undefined ? { line: r.line } : {}),
      reason: r.reason,
    }));
    if (result.rejected.length > 0) {
      logger.warn(
        { accepted: result.accepted, rejected: result.rejected.length, reasons: errors.slice(0, 5), principal },
        'audit batch had rejected items',
      );
    } else {
      logger.debug({ accepted: result.accepted, principal }, 'audit batch accepted');
    }
    return { accepted: result.accepted, rejected: result.rejected.length, errors, redelivery: false };
  }

  app.all('*', (c) => {
    const allow = ROUTES[c.req.path];
    if (allow === undefined) return c.json({ error: 'not_found', message: `no route ${c.req.path}` }, 404);
    return c.json({ error: 'method_not_allowed', message: `${c.req.path} takes ${allow}` }, 405, { Allow: allow });
  });

  app.onError((error, c) => {
    logger.error({ err: error }, 'request failed');
    return c.json({ error: 'internal', message: 'internal error' }, 500);
  });

  return {
    app,
    fetch: (req, env) => app.fetch(req, env),
    metrics,
    drain() {
      draining = true;
      if (inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => drainWaiters.push(resolve));
    },
  };
}
