import type { AlertNotice, PipelineNotice } from '../alert/alert.js';
import { KauditError } from '../errors.js';
import type { SendResult, Sink } from '../sink/sink.js';
import { DEFAULT_RETRY, type RetryPolicy } from './backoff.js';
import { classify } from './classify.js';
import { systemClock, type DeliveryClock } from './clock.js';
import type { DeadLetterEntry, DeadLetterWriter } from './dead-letter.js';
import { count, createCounters, type DeliveryStats, type SinkDeliveryStats } from './delivery-stats.js';
import { enqueue, type DestinationHealth, type DestinationQueue, type QueueEntry } from './destination-queue.js';
import { alertsOf } from './digest.js';
import { compileRoutes, type Route, type Router } from './routes.js';
import { createTokenBucket, type RateLimit, type TokenBucket } from './token-bucket.js';

/** The bucket of a local sink's queues: always a token. */
const UNLIMITED: TokenBucket = { take: () => 0, empty: () => undefined };

/** What the delivery layer reports for logs: health changes and dead letters. */
export type DeliveryEvent =
  | { type: 'unhealthy'; sink: string; destination: string; reason: string; code?: string }
  | { type: 'healthy'; sink: string; destination: string }
  | { type: 'dead-lettered'; entry: DeadLetterEntry }
  | { type: 'dead-letter-failed'; entry: DeadLetterEntry; error: unknown };

/** Options of {@link createDelivery}. Durations in milliseconds. */
export interface DeliveryOptions {
  sinks: readonly Sink[];
  /** Which alerts go to which sinks; see {@link compileRoutes}. Default: every alert to every sink. */
  routes?: readonly Route[];
  /** Per destination. Default 1 message/s with a burst of 3 (Slack's limit per channel). */
  rate?: Partial<RateLimit>;
  /** Retries, backoff and the timeout per attempt. */
  retry?: Partial<RetryPolicy>;
  /** Storms to digests: from `threshold` queued notices on (default 10), alerts of one rule merge (at most `maxAlerts`, default 50, per digest). `false`: never. */
  digest?: { threshold?: number; maxAlerts?: number } | false;
  /** Notices waiting per destination at most; past it new ones are dead-lettered. Default 10,000. */
  maxQueued?: number;
  /** How often an unhealthy destination is tried again, with one real notice. Default 5 minutes. */
  probeInterval?: number;
  /** Where undelivered notices go (e.g. {@link deadLetterFile}). Default: counted and reported through `onEvent` only. */
  deadLetter?: DeadLetterWriter;
  /** Health changes and dead letters, for logs. Exceptions it throws are ignored. */
  onEvent?: (event: DeliveryEvent) => void;
  /** Time source. Default: the system clock. */
  clock?: DeliveryClock;
  /** Source of jitter in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** Health of every destination, by sink. */
export interface DeliveryHealth {
  /** No destination is unhealthy. */
  healthy: boolean;
  sinks: Record<string, { healthy: boolean; destinations: Record<string, DestinationHealth> }>;
}

/** A running delivery layer. */
export interface Delivery {
  /** Routes and queues a notice; never blocks, never throws for a sink's sake. `closed` notices end an alert's lifetime. */
  push(notice: PipelineNotice): void;
  /** Live counters per sink and destination. */
  readonly stats: DeliveryStats;
  /** A snapshot of destination health. */
  health(): DeliveryHealth;
  /**
   * Resolves once every queue is empty; at `timeout` ms (default: never) whatever is still queued or in
   * flight is dead-lettered (code `shutdown`) instead. Dead-letter writes have finished when it resolves.
   */
  drain(timeout?: number): Promise<void>;
  /** Dead-letters anything left, stops timers, closes the dead-letter writer and the sinks. */
  close(): Promise<void>;
}

interface SinkState {
  readonly sink: Sink;
  readonly stats: SinkDeliveryStats;
  readonly queues: Map<string, DestinationQueue>;
  /** The sink's `ref` per alert id, kept until the alert is closed and its notices are done. */
  readonly refs: Map<string, string>;
  /** Queued notices per alert id. */
  readonly pending: Map<string, number>;
  /** Alerts closed while notices of theirs were still queued. */
  readonly closed: Set<string>;
}

const DEFAULT_RATE: RateLimit = { perSecond: 1, burst: 3 };

const defined = <T extends object>(o: T | undefined): Partial<T> =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * The shared delivery layer, the one owner of everything after an alert is raised: a FIFO queue per
 * sink destination (e.g. per Slack channel) with its own token-bucket rate limit, retries with
 * exponential backoff and full jitter that honour `Retry-After`, a timeout per attempt, health
 * (configuration faults stop the calls), minimal re-rendering of refused messages, digests when a
 * queue backs up, roll-up coalescing, a dead-letter writer, and counters. Sinks make one call per send.
 *
 * A 429 or an outage pauses only its own destination: other channels and sinks keep flowing.
 *
 * @example
 * const delivery = createDelivery({ sinks: [slack], deadLetter: deadLetterFile('dead-letter.jsonl') });
 * notices$.subscribe((n) => delivery.push(n));
 * await delivery.drain(30_000);
 * await delivery.close();
 */
export function createDelivery(options: DeliveryOptions): Delivery {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const rate: RateLimit = { ...DEFAULT_RATE, ...defined(options.rate) };
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...defined(options.retry) };
  const digestThreshold = options.digest === false ? Infinity : (options.digest?.threshold ?? 10);
  const maxDigest = options.digest === false ? 1 : Math.max(2, options.digest?.maxAlerts ?? 50);
  const maxQueued = options.maxQueued ?? 10_000;
  const probeInterval = options.probeInterval ?? 5 * 60_000;
  if (!(rate.perSecond > 0) || !(rate.burst >= 1))
    throw new KauditError(
      'delivery',
      'invalid_config',
      `rate needs perSecond > 0 and burst >= 1, got ${JSON.stringify(rate)}`,
    );

  const ids = options.sinks.map((s) => s.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined)
    throw new KauditError('delivery', 'invalid_config', `two sinks have the id "${duplicate}"`);
  const router: Router = compileRoutes(options.routes ?? [], ids);

  const stats: DeliveryStats = {};
  const states = new Map<string, SinkState>();
  for (const sink of options.sinks) {
    const sinkStats = { ...createCounters(), destinations: {} };
    stats[sink.id] = sinkStats;
    states.set(sink.id, {
      sink,
      stats: sinkStats,
      queues: new Map(),
      refs: new Map(),
      pending: new Map(),
      closed: new Set(),
    });
  }

  let stopped = false;
  const writes = new Set<Promise<void>>();
  let idleWaiters: Array<() => void> = [];

  const emit = (event: DeliveryEvent): void => {
    try {
      options.onEvent?.(event);
    } catch {
      // A logging callback must not break delivery.
    }
  };

  const isIdle = (): boolean => {
    for (const s of states.values()) for (const q of s.queues.values()) if (q.entries.length > 0) return false;
    return true;
  };
  const checkIdle = (): void => {
    if (idleWaiters.length === 0 || !isIdle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  const queueFor = (state: SinkState, notice: AlertNotice): DestinationQueue => {
    let name = state.sink.id;
    try {
      name = state.sink.destination?.(notice) ?? name;
    } catch {
      // A sink that cannot name the destination gets its default queue.
    }
    let queue = state.queues.get(name);
    if (!queue) {
      queue = {
        sinkId: state.sink.id,
        name,
        entries: [],
        bucket: state.sink.unlimited ? UNLIMITED : createTokenBucket(rate, clock.now()),
        pausedUntil: 0,
        health: { healthy: true },
        probeAt: 0,
      };
      state.queues.set(name, queue);
      state.stats.destinations[name] ??= createCounters();
    }
    return queue;
  };

  const alertIds = (notice: AlertNotice): string[] =>
    notice.type === 'rollup' ? [notice.alert.id] : alertsOf(notice).map((a) => a.id);

  /** An entry left the queue: release its alerts' hold on their refs. */
  const release = (state: SinkState, notice: AlertNotice): void => {
    for (const id of alertIds(notice)) {
      const n = (state.pending.get(id) ?? 1) - 1;
      if (n > 0) {
        state.pending.set(id, n);
        continue;
      }
      state.pending.delete(id);
      if (state.closed.delete(id)) state.refs.delete(id);
    }
  };

  const hold = (state: SinkState, id: string): void => {
    state.pending.set(id, (state.pending.get(id) ?? 0) + 1);
  };

  const deadLetter = (
    state: SinkState,
    queue: DestinationQueue,
    entry: QueueEntry,
    reason: string,
    code: string | undefined,
  ): void => {
    entry.done = true;
    const notice = entry.notice;
    const n = alertsOf(notice).length;
    if (notice.type === 'rollup') count(state.stats, queue.name, 'rollupsDeadLettered');
    else count(state.stats, queue.name, 'deadLettered', n);
    const record: DeadLetterEntry = {
      time: new Date(clock.now()).toISOString(),
      sink: state.sink.id,
      destination: queue.name,
      reason,
      ...(code !== undefined ? { code } : {}),
      attempts: entry.calls,
      notice,
    };
    emit({ type: 'dead-lettered', entry: record });
    const writer = options.deadLetter;
    if (writer) {
      // Through a promise so a writer that throws synchronously is reported like one that rejects.
      const write = Promise.resolve()
        .then(() => writer.write(record))
        .catch((error: unknown) => emit({ type: 'dead-letter-failed', entry: record, error }));
      writes.add(write);
      void write.finally(() => writes.delete(write));
    }
  };

  const removeHead = (state: SinkState, queue: DestinationQueue, entry: QueueEntry): void => {
    const i = queue.entries.indexOf(entry);
    if (i >= 0) {
      queue.entries.splice(i, 1);
      count(state.stats, queue.name, 'queued', -1);
    }
    release(state, entry.notice);
  };

  const deadLetterAll = (state: SinkState, queue: DestinationQueue, reason: string, code: string | undefined): void => {
    const entries = queue.entries.splice(0);
    count(state.stats, queue.name, 'queued', -entries.length);
    for (const entry of entries) {
      deadLetter(state, queue, entry, reason, code);
      release(state, entry.notice);
    }
  };

  const wait = (state: SinkState, queue: DestinationQueue, ms: number): void => {
    queue.timer = clock.setTimeout(() => {
      queue.timer = undefined;
      pump(state, queue);
    }, ms);
  };

  const pump = (state: SinkState, queue: DestinationQueue): void => {
    if (stopped || queue.inFlight || queue.timer || queue.entries.length === 0) {
      checkIdle();
      return;
    }
    const now = clock.now();
    if (!queue.health.healthy && now < queue.probeAt) {
      // No retry storm against a misconfigured destination: its notices go straight to the dead letters.
      deadLetterAll(
        state,
        queue,
        `${state.sink.id} is unhealthy: ${queue.health.reason ?? 'configuration fault'}`,
        queue.health.code,
      );
      checkIdle();
      return;
    }
    if (now < queue.pausedUntil) return wait(state, queue, queue.pausedUntil - now);
    const delay = queue.bucket.take(now);
    if (delay > 0) return wait(state, queue, delay);
    void attempt(state, queue, queue.entries[0]!);
  };

  const attempt = async (state: SinkState, queue: DestinationQueue, entry: QueueEntry): Promise<void> => {
    const controller = new AbortController();
    queue.inFlight = controller;
    entry.calls++;
    let timedOut = false;
    const timer = clock.setTimeout(() => {
      timedOut = true;
      controller.abort(new KauditError('delivery', 'timeout', `attempt timed out after ${policy.timeout} ms`));
    }, policy.timeout);
    const aborted = new Promise<never>((_, reject) =>
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true }),
    );
    aborted.catch(() => undefined);
    const ref = entry.notice.type === 'rollup' ? state.refs.get(entry.notice.alert.id) : undefined;
    let result: SendResult;
    try {
      result = await Promise.race([
        state.sink.send(entry.notice, {
          signal: controller.signal,
          attempt: entry.calls,
          ...(ref !== undefined ? { ref } : {}),
          ...(entry.minimal ? { minimal: true } : {}),
        }),
        aborted,
      ]);
    } catch (err) {
      result = timedOut
        ? { status: 'retry', reason: `timed out after ${policy.timeout} ms`, code: 'timeout' }
        : // A sink that throws has a bug, not a transient fault: one minimal try, then the dead letters.
          {
            status: 'rejected',
            kind: 'payload',
            reason: `sink failed: ${(err as Error)?.message ?? String(err)}`,
            code: 'sink_error',
          };
    } finally {
      timer.cancel();
    }
    if (entry.done) return; // given up at shutdown while in flight
    queue.inFlight = undefined;
    settle(state, queue, entry, result);
    pump(state, queue);
  };

  const settle = (state: SinkState, queue: DestinationQueue, entry: QueueEntry, result: SendResult): void => {
    const now = clock.now();
    const name = queue.name;
    if (result.status === 'retry') count(state.stats, name, 'retried');
    if (result.status === 'rejected')
      count(state.stats, name, result.kind === 'config' ? 'rejectedConfig' : 'rejectedPayload');
    const decision = classify(
      result,
      { attempts: entry.attempts + 1, queued: entry.queued, now, minimal: entry.minimal },
      policy,
      random,
    );
    if (!(decision.action === 'retry' && decision.rateLimited)) entry.attempts++;

    if (decision.action === 'delivered') {
      entry.done = true;
      const notice = entry.notice;
      if (notice.type === 'alert') count(state.stats, name, 'delivered');
      else if (notice.type === 'digest') {
        count(state.stats, name, 'digests');
        count(state.stats, name, 'digested', alertsOf(notice).length);
      } else count(state.stats, name, 'rollups');
      // The newest ref wins (a webhook sink keeps the count it last posted there). Digested alerts get
      // none: a roll-up must not rewrite the digest message as if it were theirs.
      if (decision.ref !== undefined && notice.type !== 'digest') state.refs.set(notice.alert.id, decision.ref);
      if (!queue.health.healthy) {
        queue.health = { healthy: true };
        emit({ type: 'healthy', sink: state.sink.id, destination: name });
      }
      removeHead(state, queue, entry);
      return;
    }
    if (!queue.health.healthy) {
      // A probe that did not succeed: back to waiting, and this notice to the dead letters.
      queue.probeAt = now + probeInterval;
      deadLetter(state, queue, entry, decision.reason, decision.code);
      removeHead(state, queue, entry);
      return;
    }
    switch (decision.action) {
      case 'retry':
        if (decision.rateLimited) {
          count(state.stats, name, 'rateLimited');
          queue.bucket.empty(now);
        }
        queue.pausedUntil = now + decision.delay;
        return;
      case 'minimal':
        entry.minimal = true;
        return;
      case 'unhealthy':
        queue.health = {
          healthy: false,
          since: new Date(now).toISOString(),
          reason: decision.reason,
          ...(decision.code !== undefined ? { code: decision.code } : {}),
        };
        queue.probeAt = now + probeInterval;
        emit({
          type: 'unhealthy',
          sink: state.sink.id,
          destination: name,
          reason: decision.reason,
          ...(decision.code !== undefined ? { code: decision.code } : {}),
        });
        deadLetter(state, queue, entry, decision.reason, decision.code);
        removeHead(state, queue, entry);
        return;
      case 'dead-letter':
        deadLetter(state, queue, entry, decision.reason, decision.code);
        removeHead(state, queue, entry);
        return;
    }
  };

  const stopAll = (reason: string): void => {
    stopped = true;
    for (const state of states.values()) {
      for (const queue of state.queues.values()) {
        queue.timer?.cancel();
        queue.timer = undefined;
        queue.inFlight?.abort(new KauditError('delivery', 'shutdown', reason));
        queue.inFlight = undefined;
        deadLetterAll(state, queue, reason, 'shutdown');
      }
    }
    checkIdle();
  };

  const settled = async (): Promise<void> => {
    while (writes.size > 0) await Promise.allSettled([...writes]);
  };

  return {
    stats,
    push(notice) {
      if (notice.type === 'closed') {
        for (const state of states.values()) {
          if ((state.pending.get(notice.alert.id) ?? 0) > 0) state.closed.add(notice.alert.id);
          else state.refs.delete(notice.alert.id);
        }
        return;
      }
      for (const id of router(notice.alert)) {
        const state = states.get(id)!;
        const queue = queueFor(state, notice);
        const alerts = alertsOf(notice).length;
        if (alerts > 0) count(state.stats, queue.name, 'alerts', alerts);
        if (notice.type === 'rollup') hold(state, notice.alert.id);
        else for (const a of alertsOf(notice)) hold(state, a.id);
        if (stopped || queue.entries.length >= maxQueued) {
          const entry: QueueEntry = { notice, calls: 0, attempts: 0, queued: clock.now(), minimal: false, done: false };
          const why = stopped ? 'delivery has shut down' : `queue full (${maxQueued} notices waiting)`;
          deadLetter(state, queue, entry, why, stopped ? 'shutdown' : 'queue_full');
          release(state, notice);
          continue;
        }
        const placed = enqueue(queue, notice, clock.now(), { digestThreshold, maxDigest });
        if (placed === 'queued') count(state.stats, queue.name, 'queued');
        else if (placed === 'coalesced') {
          count(state.stats, queue.name, 'coalesced');
          // The entry it replaced already holds this alert: one hold per entry.
          release(state, notice);
        }
        pump(state, queue);
      }
    },
    health() {
      const out: DeliveryHealth = { healthy: true, sinks: {} };
      for (const [id, state] of states) {
        const sink: DeliveryHealth['sinks'][string] = (out.sinks[id] = { healthy: true, destinations: {} });
        for (const [name, q] of state.queues) {
          sink.destinations[name] = { ...q.health };
          if (!q.health.healthy) sink.healthy = out.healthy = false;
        }
      }
      return out;
    },
    async drain(timeout = Infinity) {
      await new Promise<void>((resolve) => {
        let deadline: ReturnType<DeliveryClock['setTimeout']> | undefined;
        idleWaiters.push(() => {
          deadline?.cancel();
          resolve();
        });
        if (Number.isFinite(timeout))
          deadline = clock.setTimeout(() => stopAll('undelivered at shutdown'), Math.max(0, timeout));
        checkIdle();
      });
      await settled();
    },
    async close() {
      stopAll('delivery closed');
      await settled();
      await options.deadLetter?.close?.();
      await Promise.all(options.sinks.map((s) => s.close?.().catch(() => undefined)));
    },
  };
}
