import { Subject, share, type Observable, type SchedulerLike } from 'rxjs';
import type { PipelineNotice } from '../alert/alert.js';
import { decodeBodyEach } from '../decode/decode-body.js';
import { walkFlags } from '../decode/decode-result.js';
import { decodeValue, type DecodeResult, type Rejection } from '../decode/index.js';
import type { Limits } from '../decode/index.js';
import type { AuditEvent } from '../event/audit-event.js';
import { createRedaction } from '../redact/create-redactor.js';
import type { RedactionOptions } from '../redact/index.js';
import type { CompiledRuleSet } from '../rules/compile-rule-set.js';
import { createDelivery, type Delivery, type DeliveryOptions } from '../delivery/create-delivery.js';
import type { DeliveryStats } from '../delivery/delivery-stats.js';
import type { Route } from '../delivery/routes.js';
import type { Sink } from '../sink/sink.js';
import { detect } from '../stream/detect.js';
import { createStreamStats, type StreamStats } from '../stream/stream-stats.js';

/** Options of {@link createPipeline}. */
export interface PipelineOptions {
  /** The compiled rules, or a function returning the current ones (hot reload). */
  rules: CompiledRuleSet | (() => CompiledRuleSet);
  /** Where alerts go. Default: none (read `notices$`). */
  sinks?: readonly Sink[];
  /**
   * Which alerts go to which sinks (see `compileRoutes`). Default: every alert to every sink. Routes
   * naming unknown sinks, or two sinks with one id, throw `invalid_config`.
   */
  routes?: readonly Route[];
  /**
   * The delivery layer: rate limit per destination, retries, digests, dead letters, clock, events
   * (see `createDelivery`). `drainTimeout` (ms, default 30 s) bounds how long `end()` waits for queues;
   * what is left then is dead-lettered.
   */
  delivery?: Omit<DeliveryOptions, 'sinks' | 'routes'> & { drainTimeout?: number };
  /** How late an event may arrive and still count in order (ms). Default 5 minutes. */
  lateness?: number;
  /** Idle watermark tick (ms) for live traffic; `false` for replays. Default 1000. */
  tick?: number | false;
  /** Time source (a TestScheduler in tests). */
  scheduler?: SchedulerLike;
  /** Tracked keys per rule at most, in windows and in suppression. Default 100,000. */
  maxKeys?: number;
  /**
   * Tracked keys at most across all rules and stateful stages (windows, sequences, new terms,
   * suppression), the oldest by event time dropped past it. Default 200,000 (see `detect`).
   */
  maxStateKeys?: number;
  /** Events sampled per alert. Default 10. */
  sampleSize?: number;
  /** Matches held for ordering at most. Default 1,000,000. */
  maxBuffered?: number;
  /** Redaction settings; on by default. */
  redaction?: RedactionOptions;
  /** Size, depth and width limits for decoded events. */
  limits?: Partial<Limits>;
}

/** What one push accepted and rejected. */
export interface PushResult {
  accepted: number;
  rejected: Rejection[];
}

/** Everything the pipeline counts. */
export interface PipelineStats extends StreamStats {
  /** Items refused by decoding, in all. */
  rejected: number;
  /** Refusals by reason (the first 100 distinct reasons; the rest count under `other`). */
  rejectedByReason: Record<string, number>;
  /** Secret values replaced by redaction. */
  redacted: number;
  deliveries: DeliveryStats;
}

/** A running pipeline: push events in, read notices out, `end()` to flush. */
export interface Pipeline {
  /** Decodes and pushes objects you hold: an EventList, an Event, an array, or an AKS wrapper. */
  push(input: unknown): PushResult;
  /** Decodes and pushes a request body or file content (JSON or JSON lines). Throws on a body that is not audit events. */
  pushBody(body: string | Uint8Array): PushResult;
  /**
   * Pushes a decode result (e.g. from `readEvents`): redacted, then evaluated. A `readEvents` batch
   * keeps its decoder's verdict of where redaction must walk, so push its events as they were read;
   * an event changed since goes through `push()`.
   */
  pushDecoded(result: DecodeResult): PushResult;
  /**
   * Every notice: new alerts, roll-ups, and `closed` when an alert can no longer change. It is hot
   * (events are evaluated once, whoever listens): subscribe before pushing.
   */
  readonly notices$: Observable<PipelineNotice>;
  readonly stats: PipelineStats;
  /** The delivery layer: live counters (also in `stats.deliveries`), `health()`. */
  readonly delivery: Delivery;
  /** Ends the input, flushes windows and suppression, drains delivery (within `drainTimeout`), closes sinks. */
  end(): Promise<void>;
}

const MAX_REASONS = 100;

/**
 * Builds the whole data path of DESIGN.md in process: decode, sanitize, redact, evaluate, order by
 * event time, threshold windows, suppression, delivery to sinks. Pushing is synchronous and never
 * waits for a sink.
 *
 * @example
 * const pipeline = createPipeline({ rules: compileRuleSet(await loadRuleFiles(['rules'])), sinks: [consoleSink()] });
 * pipeline.pushBody(requestBody);
 * await pipeline.end();
 */
export function createPipeline(options: PipelineOptions): Pipeline {
  const streamStats = createStreamStats();
  const stats: PipelineStats = Object.assign(streamStats, {
    rejected: 0,
    rejectedByReason: {} as Record<string, number>,
    redacted: 0,
    deliveries: {} as DeliveryStats,
  });
  const { redact, afterDecode } = createRedaction(options.redaction);
  const input = new Subject<AuditEvent>();
  const scheduler = options.scheduler;
  const notices$ = input.pipe(
    detect(options.rules, {
      stats: streamStats,
      ...(options.lateness !== undefined ? { lateness: options.lateness } : {}),
      ...(options.tick !== undefined ? { tick: options.tick } : {}),
      ...(options.maxBuffered !== undefined ? { maxBuffered: options.maxBuffered } : {}),
      ...(options.maxKeys !== undefined ? { maxKeys: options.maxKeys } : {}),
      ...(options.maxStateKeys !== undefined ? { maxStateKeys: options.maxStateKeys } : {}),
      ...(options.sampleSize !== undefined ? { sampleSize: options.sampleSize } : {}),
      ...(scheduler ? { scheduler } : {}),
    }),
    share(),
  );
  const done = new Promise<void>((resolve, reject) => notices$.subscribe({ complete: resolve, error: reject }));
  const { drainTimeout = 30_000, ...deliveryOptions } = options.delivery ?? {};
  const delivery = createDelivery({
    ...deliveryOptions,
    sinks: options.sinks ?? [],
    ...(options.routes ? { routes: options.routes } : {}),
  });
  // `end()` reports a stream error; delivery only takes the values.
  notices$.subscribe({ next: (notice) => delivery.push(notice), error: () => undefined });
  stats.deliveries = delivery.stats;

  const countRejections = (rejected: readonly Rejection[]): void => {
    for (const r of rejected) {
      stats.rejected++;
      const reasons = stats.rejectedByReason;
      const reason = r.reason in reasons || Object.keys(reasons).length < MAX_REASONS ? r.reason : 'other';
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
  };
  const pushDecoded = (result: DecodeResult): PushResult => {
    countRejections(result.rejected);
    // Batches from readEvents carry the decoder's flags: the same one pass as pushBody.
    const flags = walkFlags(result);
    const events = result.events;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      stats.redacted += flags !== undefined ? afterDecode(event, flags[i]!) : redact(event);
      input.next(event);
    }
    return { accepted: result.events.length, rejected: result.rejected };
  };
  // pushBody: each event is redacted and evaluated as soon as it is decoded (one pass, and it dies
  // young unless some stage keeps it); the generic redaction walk only where decoding saw a trigger.
  const acceptDecoded = (event: AuditEvent, mayNeedWalk: boolean): void => {
    stats.redacted += afterDecode(event, mayNeedWalk);
    input.next(event);
  };

  const limits = options.limits ? { limits: options.limits } : {};
  return {
    push: (value) => pushDecoded(decodeValue(value, limits)),
    pushBody: (body) => {
      const result = decodeBodyEach(body, limits, acceptDecoded);
      countRejections(result.rejected);
      return { accepted: result.accepted, rejected: result.rejected };
    },
    pushDecoded,
    notices$,
    stats,
    delivery,
    async end() {
      input.complete();
      try {
        await done;
      } finally {
        await delivery.drain(drainTimeout);
        await delivery.close();
      }
    },
  };
}
