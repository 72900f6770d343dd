import type { AlertNotice } from '../alert/alert.js';

/** What a sink answers for one send. The delivery layer decides what happens next; sinks never retry. */
export type SendResult =
  /** Done. `ref` is the sink's handle for the alert (a Slack `ts`), passed back for its roll-ups. */
  | { status: 'delivered'; ref?: string }
  /**
   * Try again later; `after` (ms) when the destination said when, e.g. from `Retry-After`. `code`
   * `ratelimited` / `rate_limited` marks a rate limit (HTTP 429): delivery pauses that destination for
   * exactly `after` without using up an attempt.
   */
  | { status: 'retry'; reason: string; code?: string; after?: number }
  /**
   * Will never succeed as sent: `config` (bad token, unknown channel: the sink is unhealthy) or
   * `payload` (this message is refused: re-render minimal once, then dead-letter).
   */
  | { status: 'rejected'; reason: string; code?: string; kind: 'config' | 'payload' };

/** Per-send context given by the delivery layer. */
export interface SendContext {
  /** Aborted when the attempt times out or the pipeline shuts down. */
  signal: AbortSignal;
  /** 1 for the first attempt. */
  attempt: number;
  /** The `ref` a previous delivery of the same alert returned (for threads and in-place updates). */
  ref?: string;
  /** Render the smallest valid message: the full one was refused as a payload. */
  minimal?: boolean;
}

/**
 * A destination for alerts. A sink formats and makes one call per send; it never retries by itself.
 *
 * @example
 * const sink: Sink = { id: 'stdout', type: 'console', async send(n) { console.log(n.alert.title); return { status: 'delivered' }; } };
 */
export interface Sink {
  readonly id: string;
  readonly type: string;
  /** The queue this notice goes to (e.g. the Slack channel): one queue and rate limit per destination. */
  destination?(notice: AlertNotice): string;
  /**
   * True for a local sink (console, file): its queues skip the delivery rate limit, which protects
   * remote APIs and would only delay a terminal or a disk.
   */
  readonly unlimited?: boolean;
  send(notice: AlertNotice, context: SendContext): Promise<SendResult>;
  /** Flush and release resources. */
  close?(): Promise<void>;
}
