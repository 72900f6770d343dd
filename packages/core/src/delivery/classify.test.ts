import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY } from './backoff.js';
import { classify } from './classify.js';

const state = { attempts: 1, queued: 0, now: 0, minimal: false };
const half = () => 0.5;

describe('classify', () => {
  it('keeps the ref of a delivered notice', () => {
    expect(classify({ status: 'delivered', ref: '123.456' }, state, DEFAULT_RETRY, half)).toEqual({
      action: 'delivered',
      ref: '123.456',
    });
  });

  it('waits exactly Retry-After on a rate limit, whatever the attempt count', () => {
    const d = classify(
      { status: 'retry', reason: 'ratelimited', code: 'rate_limited', after: 7000 },
      { ...state, attempts: 99 },
      DEFAULT_RETRY,
      half,
    );
    expect(d).toMatchObject({ action: 'retry', delay: 7000, rateLimited: true });
  });

  it('dead-letters a transient failure past maxAttempts or maxAge', () => {
    expect(classify({ status: 'retry', reason: '503' }, { ...state, attempts: 10 }, DEFAULT_RETRY, half)).toMatchObject(
      { action: 'dead-letter' },
    );
    expect(
      classify(
        { status: 'retry', reason: '503', after: 60_000 },
        { ...state, now: 14.5 * 60_000 },
        DEFAULT_RETRY,
        half,
      ),
    ).toMatchObject({ action: 'dead-letter' });
    expect(classify({ status: 'retry', reason: '503' }, { ...state, attempts: 9 }, DEFAULT_RETRY, half)).toMatchObject({
      action: 'retry',
      rateLimited: false,
    });
  });

  it('sends a refused payload once more minimal, then gives up; a config fault makes the destination unhealthy', () => {
    const payload = { status: 'rejected', kind: 'payload', reason: 'invalid_blocks', code: 'invalid_blocks' } as const;
    expect(classify(payload, state, DEFAULT_RETRY, half)).toMatchObject({ action: 'minimal', code: 'invalid_blocks' });
    expect(classify(payload, { ...state, minimal: true }, DEFAULT_RETRY, half)).toMatchObject({
      action: 'dead-letter',
    });
    expect(
      classify(
        { status: 'rejected', kind: 'config', reason: 'invalid_auth', code: 'invalid_auth' },
        state,
        DEFAULT_RETRY,
        half,
      ),
    ).toEqual({
      action: 'unhealthy',
      reason: 'invalid_auth',
      code: 'invalid_auth',
    });
  });
});
