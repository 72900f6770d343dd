import type { AlertNotice } from '../alert/alert.js';
import type { ClockTimer } from './clock.js';
import { mergeIntoDigest, updateInDigest } from './digest.js';
import type { TokenBucket } from './token-bucket.js';

/** One queued notice and how its delivery has gone so far. */
export interface QueueEntry {
  /** What will be sent; roll-ups and digests rewrite it while it waits. */
  notice: AlertNotice;
  /** Calls made to the sink for it. */
  calls: number;
  /** Attempts that count against the retry budget (rate-limited calls do not). */
  attempts: number;
  /** When it was queued (ms). */
  queued: number;
  /** Render minimal: the full message was refused. */
  minimal: boolean;
  /** Given up or delivered: a late answer of a timed-out call is ignored. */
  done: boolean;
}

/** Whether a destination may be called. */
export interface DestinationHealth {
  healthy: boolean;
  /** When it turned unhealthy (RFC 3339). */
  since?: string;
  reason?: string;
  code?: string;
}

/** The queue, rate limit and health of one destination of one sink (e.g. one Slack channel). */
export interface DestinationQueue {
  readonly sinkId: string;
  readonly name: string;
  readonly entries: QueueEntry[];
  readonly bucket: TokenBucket;
  /** No call before this time (ms): a rate limit or a backoff. */
  pausedUntil: number;
  timer?: ClockTimer;
  /** The call in flight, to abort at shutdown. */
  inFlight?: AbortController;
  health: DestinationHealth;
  /** When an unhealthy destination may be tried once more. */
  probeAt: number;
}

/** How {@link enqueue} placed a notice. */
export type Placement = 'queued' | 'coalesced' | 'digested';

/** Options of {@link enqueue}. */
export interface EnqueueOptions {
  /** Depth from which alerts of one rule merge into digests. `Infinity` turns digests off. */
  digestThreshold: number;
  /** Alerts per digest at most. */
  maxDigest: number;
}

const untouched = (e: QueueEntry): boolean => e.calls === 0 && !e.done;

/**
 * Adds a notice to a destination's queue, keeping it short:
 * - a roll-up replaces a queued, not yet attempted roll-up of the same alert (the newest count wins), or
 *   updates its alert inside a queued digest;
 * - when the queue is `digestThreshold` deep, an alert merges into a queued alert or digest of the same
 *   rule, so a storm becomes one message per rule instead of minutes of backlog.
 * Order is otherwise first in, first out, so an alert is always sent before its roll-ups.
 */
export function enqueue(queue: DestinationQueue, notice: AlertNotice, now: number, options: EnqueueOptions): Placement {
  const entries = queue.entries;
  if (notice.type === 'rollup') {
    const id = notice.alert.id;
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i]!;
      if (!untouched(e)) continue;
      if (e.notice.type === 'rollup' && e.notice.alert.id === id) {
        e.notice = notice;
        return 'coalesced';
      }
      if (e.notice.type === 'digest') {
        const updated = updateInDigest(e.notice, notice.alert);
        if (updated) {
          e.notice = updated;
          return 'coalesced';
        }
      }
    }
  } else if (notice.type === 'alert' && entries.length >= options.digestThreshold) {
    const rule = notice.alert.rule;
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i]!;
      if (!untouched(e) || e.notice.alert.rule !== rule) continue;
      if (
        e.notice.type === 'alert' ||
        (e.notice.type === 'digest' && (e.notice.digest?.length ?? 1) < options.maxDigest)
      ) {
        e.notice = mergeIntoDigest(e.notice, notice.alert);
        return 'digested';
      }
    }
  }
  entries.push({ notice, calls: 0, attempts: 0, queued: now, minimal: false, done: false });
  return 'queued';
}
