import { describe, expect, it } from 'vitest';
import { createTokenBucket } from './token-bucket.js';

describe('createTokenBucket', () => {
  it('allows the burst at once, then one token per 1/perSecond', () => {
    const bucket = createTokenBucket({ perSecond: 1, burst: 3 }, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([0, 0, 0]);
    expect(bucket.take(0)).toBe(1000);
    expect(bucket.take(400)).toBe(600);
    expect(bucket.take(1000)).toBe(0);
    expect(bucket.take(1000)).toBe(1000);
  });

  it('refills up to the burst only, however long it was idle', () => {
    const bucket = createTokenBucket({ perSecond: 10, burst: 2 }, 0);
    bucket.take(0);
    bucket.take(0);
    expect([bucket.take(60_000), bucket.take(60_000), bucket.take(60_000)]).toEqual([0, 0, 100]);
  });

  it('empty() makes the next send wait a full interval', () => {
    const bucket = createTokenBucket({ perSecond: 2, burst: 5 }, 0);
    bucket.empty(0);
    expect(bucket.take(0)).toBe(500);
    expect(bucket.take(500)).toBe(0);
  });

  it('never lets more than burst + rate·T through in any interval T', () => {
    const bucket = createTokenBucket({ perSecond: 3, burst: 4 }, 0);
    const sent: number[] = [];
    let t = 0;
    while (sent.length < 100) {
      const wait = bucket.take(t);
      if (wait === 0) sent.push(t);
      else t += wait;
    }
    for (let i = 0; i < sent.length; i++)
      for (let j = i; j < sent.length; j++)
        expect(j - i + 1).toBeLessThanOrEqual(4 + (3 * (sent[j]! - sent[i]!)) / 1000 + 1e-6);
  });
});
