import { Buffer } from 'node:buffer';
import * as http from 'node:http';
import * as https from 'node:https';
import { KauditError, systemClock, type DeliveryClock } from '@kaudit/core';

/**
 * Growing delays between attempts: after the n-th failed attempt `initial · factor^(n-1)`, plus up to
 * `jitter · delay` at random. A `Retry-After` replaces the delay of its attempt; n counts on regardless.
 */
export interface ApiServerClientBackoff {
  /** Delay after the first failure (ms). Default 10 s, the API server's webhook default. */
  initial?: number;
  /** Multiplier per further failure. Default 1.5. */
  factor?: number;
  /** Extra random share of each delay, 0 to 1 (Kubernetes' `wait.Backoff.Jitter`). Default 0.2. */
  jitter?: number;
}

/** Options of {@link createApiServerClient}. Durations are milliseconds. */
export interface ApiServerClientOptions {
  /** Where to POST, e.g. `http://127.0.0.1:8080/audit`. `https:` uses `tls`. */
  url: string | URL;
  /** Events per `EventList` at most. Default 400 (`--audit-webhook-batch-max-size`). */
  maxBatchSize?: number;
  /** A partial batch is sent this long after its first event. Default 30 s (`--audit-webhook-batch-max-wait`). */
  maxBatchWait?: number;
  /**
   * Batches being sent (attempts and backoff sleeps included) at once. Default 15. The API server sends
   * each batch from its own goroutine, rate-limited to 10 batches/s with bursts of 15
   * (`--audit-webhook-batch-throttle-qps` / `-burst`); a cap on concurrency is the closest a test needs.
   */
  maxInFlight?: number;
  /**
   * Events waiting for a batch slot at most; {@link ApiServerClient.send} waits while more are queued.
   * Default 10,000 (`--audit-webhook-batch-buffer-size`). The API server drops events past it; a test
   * client would rather slow its producer down.
   */
  bufferSize?: number;
  /** Each attempt is aborted after this long, answer body included. Default 30 s. */
  timeout?: number;
  /** Retries after a failed first attempt (network error, timeout, any non-2xx). Default 5. */
  retries?: number;
  backoff?: ApiServerClientBackoff;
  /** `Authorization: Bearer …` (the webhook kubeconfig's `token`). */
  bearerToken?: string;
  /** `Authorization: Basic …` (the kubeconfig's `username` / `password`). */
  basic?: { username: string; password: string };
  /** For `https:` URLs: trusted CA (PEM), client certificate and key (PEM) for mutual TLS, SNI name. */
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; servername?: string };
  /** More request headers. */
  headers?: Record<string, string>;
  /** Time source for batch waits, timeouts, backoff and `Retry-After`. Default: wall clock. */
  clock?: DeliveryClock;
  /** Random numbers in [0, 1) for jitter. Default Math.random. */
  random?: () => number;
  /** Called after every attempt, with what happened and what comes next. */
  onAttempt?: (record: AttemptRecord) => void;
}

/** One attempt to deliver a batch. */
export interface AttemptRecord {
  /** The batch's sequence number, from 1. */
  batch: number;
  /** Events in the batch. */
  events: number;
  /** 1 for the first attempt. */
  attempt: number;
  /** The HTTP status, or how the attempt failed without one. */
  outcome: number | 'timeout' | 'network';
  /** The answer's body (first 64 KiB), when there was one. */
  answer?: string;
  /** The network error's message. */
  error?: string;
  /** Milliseconds asked for by a `Retry-After` header on a 429 or 5xx. */
  retryAfter?: number;
  /** Milliseconds until the next attempt; absent when the batch was delivered or dropped. */
  retryIn?: number;
  /** The batch was given up after this attempt. */
  dropped?: boolean;
}

/** What the client did so far. */
export interface ApiServerClientStats {
  /** Events given to `send`. */
  events: number;
  /** Batches formed. */
  batches: number;
  /** Batches answered with a 2xx, and their events. */
  delivered: number;
  deliveredEvents: number;
  /** Requests sent, retries included. */
  attempts: number;
  retries: number;
  /** Retries whose delay came from a `Retry-After` header. */
  retryAfterHonoured: number;
  /** Batches given up after the last retry, and their events. */
  dropped: number;
  droppedEvents: number;
  /** Attempts by outcome: `"200"`, `"503"`, `"timeout"`, `"network"`. */
  byStatus: Record<string, number>;
}

/** A running client: {@link ApiServerClient.send} events, {@link ApiServerClient.close} to flush. */
export interface ApiServerClient {
  /**
   * Queues events (one object or several) for batching. Each is serialized now. Resolves once fewer
   * than `bufferSize` events wait for a slot, so a producer in a loop is paced by the receiver.
   */
  send(events: object | readonly object[]): Promise<void>;
  /** Sends the partial batch now; resolves when every batch formed so far was delivered or dropped. */
  flush(): Promise<void>;
  /** Flushes, waits, closes the connections. Later sends throw `client_closed`. */
  close(): Promise<ApiServerClientStats>;
  /** Live counters. */
  readonly stats: ApiServerClientStats;
}

interface Batch {
  readonly id: number;
  readonly events: number;
  /** Serialized once: every retry sends these very bytes, as the API server does. */
  readonly body: Buffer;
}

type Outcome =
  | { kind: 'status'; status: number; answer: string; retryAfter?: number }
  | { kind: 'timeout' }
  | { kind: 'network'; error: string };

const LIST_HEAD = '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[';
const MAX_ANSWER = 64 * 1024;

/**
 * A client that sends audit events the way the kube-apiserver's webhook backend does in batch mode:
 * `EventList` batches of up to 400 events or after 30 s, several batches concurrently, a 30 s timeout
 * per attempt, every failure (network error, timeout, any non-2xx) retried with growing backoff (10 s,
 * 15 s, 22.5 s… with 20 % jitter), `Retry-After` on a 429 or 5xx honoured, byte-identical bodies on
 * every retry, and the batch dropped after the last retry. The API server's own retry predicate
 * (`DefaultShouldRetry`) is narrower (connection resets, answers that suggest a delay); this client
 * retries every failure, as issue 5 describes it, which is what a receiver must survive anyway. Its defaults make 6 attempts (retries 5); `retries: 4`
 * gives the 5 attempts of Kubernetes' `DefaultRetryBackoff` (Steps 5).
 *
 * For tests, scale durations down through the options, or pass a `clock` that records the delays asked
 * for and waits less.
 *
 * @example
 * const client = createApiServerClient({ url: 'http://127.0.0.1:8080/audit', bearerToken: token, timeout: 1000 });
 * for (const event of events) await client.send(event);
 * const stats = await client.close();
 * console.log(stats.delivered, stats.retries, stats.dropped);
 */
export function createApiServerClient(options: ApiServerClientOptions): ApiServerClient {
  const url = new URL(options.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KauditError(
      'server',
      'invalid_option',
      `apiserver client: url must be http: or https:, got ${url.protocol}`,
    );
  }
  const maxBatchSize = positive('maxBatchSize', options.maxBatchSize ?? 400);
  const maxBatchWait = nonNegative('maxBatchWait', options.maxBatchWait ?? 30_000);
  const maxInFlight = positive('maxInFlight', options.maxInFlight ?? 15);
  const bufferSize = positive('bufferSize', options.bufferSize ?? 10_000);
  const timeout = positive('timeout', options.timeout ?? 30_000);
  const retries = nonNegative('retries', options.retries ?? 5);
  const initial = nonNegative('backoff.initial', options.backoff?.initial ?? 10_000);
  const factor = nonNegative('backoff.factor', options.backoff?.factor ?? 1.5);
  const jitter = nonNegative('backoff.jitter', options.backoff?.jitter ?? 0.2);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const onAttempt = options.onAttempt;

  const isHttps = url.protocol === 'https:';
  const agent = isHttps
    ? new https.Agent({ keepAlive: true, maxSockets: maxInFlight, ...options.tls })
    : new http.Agent({ keepAlive: true, maxSockets: maxInFlight });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, */*',
    'user-agent': 'kaudit-apiserver-client (like kube-apiserver audit webhook)',
    ...options.headers,
  };
  if (options.bearerToken !== undefined) headers.authorization = `Bearer ${options.bearerToken}`;
  else if (options.basic !== undefined) {
    const pair = `${options.basic.username}:${options.basic.password}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }

  const stats: ApiServerClientStats = {
    events: 0,
    batches: 0,
    delivered: 0,
    deliveredEvents: 0,
    attempts: 0,
    retries: 0,
    retryAfterHonoured: 0,
    dropped: 0,
    droppedEvents: 0,
    byStatus: {},
  };

  let buffer: string[] = [];
  let waitTimer: { cancel(): void } | undefined;
  const queue: Batch[] = [];
  let queuedEvents = 0;
  let inFlight = 0;
  let closed = false;
  let roomWaiters: (() => void)[] = [];
  let idleWaiters: (() => void)[] = [];

  const cut = (): void => {
    waitTimer?.cancel();
    waitTimer = undefined;
    if (buffer.length === 0) return;
    const items = buffer;
    buffer = [];
    stats.batches++;
    queue.push({ id: stats.batches, events: items.length, body: Buffer.from(`${LIST_HEAD}${items.join(',')}]}`) });
    pump();
  };

  const pump = (): void => {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.shift()!;
      queuedEvents -= batch.events;
      inFlight++;
      void deliver(batch).finally(() => {
        inFlight--;
        pump();
        settle();
      });
    }
    settle();
  };

  const settle = (): void => {
    if (queuedEvents < bufferSize && roomWaiters.length > 0) {
      const waiters = roomWaiters;
      roomWaiters = [];
      for (const w of waiters) w();
    }
    if (inFlight === 0 && queue.length === 0 && idleWaiters.length > 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  };

  const sleep = (ms: number): Promise<void> => new Promise((resolve) => clock.setTimeout(resolve, ms));

  const deliver = async (batch: Batch): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      stats.attempts++;
      const outcome = await attemptOnce(batch);
      const key = outcome.kind === 'status' ? String(outcome.status) : outcome.kind;
      stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1;
      const record: AttemptRecord = {
        batch: batch.id,
        events: batch.events,
        attempt,
        outcome: outcome.kind === 'status' ? outcome.status : outcome.kind,
      };
      if (outcome.kind === 'status') record.answer = outcome.answer;
      if (outcome.kind === 'network') record.error = outcome.error;
      if (outcome.kind === 'status' && outcome.retryAfter !== undefined) record.retryAfter = outcome.retryAfter;
      if (outcome.kind === 'status' && outcome.status >= 200 && outcome.status < 300) {
        stats.delivered++;
        stats.deliveredEvents += batch.events;
        onAttempt?.(record);
        return;
      }
      if (attempt > retries) {
        stats.dropped++;
        stats.droppedEvents += batch.events;
        record.dropped = true;
        onAttempt?.(record);
        return;
      }
      let delay: number;
      if (record.retryAfter !== undefined) {
        delay = record.retryAfter;
        stats.retryAfterHonoured++;
      } else {
        const base = initial * factor ** (attempt - 1);
        delay = base + base * jitter * random();
      }
      record.retryIn = delay;
      stats.retries++;
      onAttempt?.(record);
      await sleep(delay);
    }
  };

  const attemptOnce = (batch: Batch): Promise<Outcome> =>
    new Promise<Outcome>((resolve) => {
      let done = false;
      const finish = (outcome: Outcome): void => {
        if (done) return;
        done = true;
        timer.cancel();
        resolve(outcome);
      };
      const request = (isHttps ? https : http).request(url, {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': String(batch.body.length) },
      });
      // The whole attempt, answer included, is bounded: a receiver that stalls mid-answer is a failure too.
      const timer = clock.setTimeout(() => {
        finish({ kind: 'timeout' });
        request.destroy();
      }, timeout);
      request.on('error', (err) => finish({ kind: 'network', error: err.message }));
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < MAX_ANSWER) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('error', (err) => finish({ kind: 'network', error: err.message }));
        response.on('aborted', () => finish({ kind: 'network', error: 'answer aborted' }));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          const answer = Buffer.concat(chunks).subarray(0, MAX_ANSWER).toString('utf8');
          const retryAfter =
            status === 429 || status >= 500 ? parseRetryAfter(response.headers['retry-after'], clock.now()) : undefined;
          finish({ kind: 'status', status, answer, ...(retryAfter !== undefined ? { retryAfter } : {}) });
        });
      });
      request.end(batch.body);
    });

  const flush = (): Promise<void> => {
    cut();
    if (inFlight === 0 && queue.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => idleWaiters.push(resolve));
  };

  return {
    stats,
    send(events) {
      if (closed)
        return Promise.reject(new KauditError('server', 'client_closed', 'apiserver client: send after close'));
      const list: readonly object[] = Array.isArray(events) ? events : [events as object];
      for (const event of list) {
        buffer.push(JSON.stringify(event));
        stats.events++;
        queuedEvents++;
        if (buffer.length >= maxBatchSize) cut();
        else if (waitTimer === undefined) waitTimer = clock.setTimeout(cut, maxBatchWait);
      }
      if (queuedEvents < bufferSize) return Promise.resolve();
      return new Promise<void>((resolve) => roomWaiters.push(resolve));
    },
    flush,
    async close() {
      closed = true;
      await flush();
      agent.destroy();
      return stats;
    },
  };
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or invalid. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new KauditError(
      'server',
      'invalid_option',
      `apiserver client: ${name} must be a positive number, got ${value}`,
    );
  }
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new KauditError('server', 'invalid_option', `apiserver client: ${name} must be 0 or more, got ${value}`);
  }
  return value;
}
