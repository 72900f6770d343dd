import { createStreamStats } from '@kaudit/core';
import { describe, expect, it } from 'vitest';
import { progressLine } from './replay-command.js';

const stats = () => ({
  ...createStreamStats(),
  events: 412_000,
  alerts: 3,
  rejected: 0,
  rejectedByReason: {},
  redacted: 0,
  deliveries: {},
});

describe('progressLine', () => {
  it('draws a bar from the bytes read of a file whose size is known', () => {
    const line = progressLine(stats(), { index: 0, count: 2, bytes: 375, size: 1000 }, performance.now() - 1000);
    expect(line).toMatch(/^\[#########---------------\] {2}37% file 1\/2 {2}412,000 events \([\d,]+\/s\) {2}3 alerts$/);
  });

  it('shows counts without a bar for stdin, whose size is unknown', () => {
    expect(progressLine(stats(), { index: 0, count: 1, bytes: 5 }, performance.now())).toMatch(
      /^file 1\/1 {2}412,000 events/,
    );
  });
});
