import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DURATION_PATTERN, formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['1m', 60_000],
    ['1.5h', 5_400_000],
    ['2d', 172_800_000],
    ['1h30m', 5_400_000],
    ['1d2h3m4s5ms', 93_784_005],
    ['90s', 90_000],
    ['0.5s', 500],
    ['0s', 0],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    // The schema pattern must accept whatever the parser accepts, or valid files would be refused.
    expect(text).toMatch(new RegExp(DURATION_PATTERN, 'u'));
  });

  it.each(['', '5', 'm', '5 minutes', '1M', '-1s', '1.s', '.5s', ' 1s', '1s ', '1m 30s', '1w', 'PT1M'])(
    'refuses %j',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
      expect(text).not.toMatch(new RegExp(DURATION_PATTERN, 'u'));
    },
  );

  it.each(['30m1h', '1m1m', '1ms5s', '1s1d'])(
    'refuses %j: units must go from largest to smallest, each once',
    (text) => {
      // These pass the schema pattern (which cannot express the order); the validator reports them.
      expect(text).toMatch(new RegExp(DURATION_PATTERN, 'u'));
      expect(parseDuration(text)).toBeUndefined();
    },
  );

  it('rounds to whole milliseconds and refuses what is not a safe integer', () => {
    expect(parseDuration('1.4ms')).toBe(1);
    expect(parseDuration('0.0001s')).toBe(0);
    expect(parseDuration(`${'9'.repeat(20)}d`)).toBeUndefined();
  });

  it('does not keep state between calls (its regular expression is sticky)', () => {
    expect(parseDuration('1x')).toBeUndefined();
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1h')).toBe(3_600_000);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [500, '500ms'],
    [60_000, '1m'],
    [5_400_000, '1h30m'],
    [93_784_005, '1d2h3m4s5ms'],
    [1.6, '2ms'],
    [-1_500, '-1s500ms'],
  ])('formats %d as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('is read back to the same value by parseDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 13 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });
});
