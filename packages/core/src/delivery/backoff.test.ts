import { describe, expect, it } from 'vitest';
import { retryDelay } from './backoff.js';

const policy = { baseDelay: 1000, maxDelay: 8000 };

describe('retryDelay', () => {
  it('draws uniformly below a ceiling that doubles per attempt up to maxDelay', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelay(n, policy, () => 0.999_999))).toEqual([
      999, 1999, 3999, 7999, 7999, 7999,
    ]);
    expect(retryDelay(4, policy, () => 0)).toBe(0);
    expect(retryDelay(3, policy, () => 0.5)).toBe(2000);
  });

  it('waits at least what Retry-After asks', () => {
    expect(retryDelay(1, policy, () => 0.5, 30_000)).toBe(30_000);
    expect(retryDelay(4, policy, () => 0.9, 100)).toBe(7200);
  });

  it('stays finite for huge attempt numbers', () => {
    expect(retryDelay(10_000, policy, () => 0.5)).toBe(4000);
  });
});
