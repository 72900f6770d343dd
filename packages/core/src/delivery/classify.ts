import type { SendResult } from '../sink/sink.js';
import { retryDelay, type RetryPolicy } from './backoff.js';

/** What the delivery layer does after one attempt. */
export type Decision =
  | { action: 'delivered'; ref?: string }
  /** Send the same notice again after `delay` ms; `rateLimited` pauses the destination without using an attempt. */
  | { action: 'retry'; delay: number; rateLimited: boolean; reason: string; code?: string }
  /** The message itself was refused: send it again at once, rendered minimal. */
  | { action: 'minimal'; reason: string; code?: string }
  /** The destination is misconfigured: stop calling it, dead-letter what it gets. */
  | { action: 'unhealthy'; reason: string; code?: string }
  | { action: 'dead-letter'; reason: string; code?: string };

/** Where one queued notice stands when its attempt is answered. */
export interface AttemptState {
  /** Attempts made, this one included, rate-limited ones not counted. */
  attempts: number;
  /** When the notice was queued (ms): its age bounds the retrying. */
  queued: number;
  now: number;
  /** Already re-sent minimal after a payload rejection. */
  minimal: boolean;
}

const RATE_LIMIT_CODE = /^(rate_?limited|ratelimited|429)$/i;

/** Whether a retry answer is a rate limit (HTTP 429, Slack `ratelimited`): it pauses the destination. */
export function isRateLimit(result: Extract<SendResult, { status: 'retry' }>): boolean {
  return result.code !== undefined && RATE_LIMIT_CODE.test(result.code);
}

/**
 * Decides the fate of a notice from a sink's answer: the single place where retry, give-up,
 * minimal re-render and health are decided, so every sink behaves alike.
 *
 * @example
 * classify({ status: 'retry', reason: 'HTTP 503' }, { attempts: 1, queued: 0, now: 0, minimal: false }, DEFAULT_RETRY, Math.random)
 * // { action: 'retry', delay: 0..1000, rateLimited: false, ... }
 */
export function classify(result: SendResult, state: AttemptState, policy: RetryPolicy, random: () => number): Decision {
  const why = (r: { reason: string; code?: string }) => ({
    reason: r.reason,
    ...(r.code !== undefined ? { code: r.code } : {}),
  });
  switch (result.status) {
    case 'delivered':
      return { action: 'delivered', ...(result.ref !== undefined ? { ref: result.ref } : {}) };
    case 'rejected':
      if (result.kind === 'config') return { action: 'unhealthy', ...why(result) };
      return state.minimal ? { action: 'dead-letter', ...why(result) } : { action: 'minimal', ...why(result) };
    case 'retry': {
      const rateLimited = isRateLimit(result);
      const after =
        result.after !== undefined && Number.isFinite(result.after) && result.after >= 0 ? result.after : undefined;
      // A rate limit is the destination's word on when: wait exactly that (a fallback when it gave none).
      const delay = rateLimited
        ? (after ?? retryDelay(1, policy, random) + policy.baseDelay)
        : retryDelay(state.attempts, policy, random, after);
      if (!rateLimited && state.attempts >= policy.maxAttempts)
        return {
          action: 'dead-letter',
          ...why(result),
          reason: `${result.reason} (gave up after ${state.attempts} attempts)`,
        };
      if (state.now + delay - state.queued > policy.maxAge)
        return {
          action: 'dead-letter',
          ...why(result),
          reason: `${result.reason} (gave up: still undelivered ${Math.round((state.now - state.queued) / 1000)} s after it was queued)`,
        };
      return { action: 'retry', delay, rateLimited, ...why(result) };
    }
  }
}
