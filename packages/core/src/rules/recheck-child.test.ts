import { describe, expect, it } from 'vitest';
import { recheckOutOfProcess } from './recheck-child.js';

describe('recheckOutOfProcess', () => {
  it('answers each pattern from one child process', () => {
    const [safe, exponential, quartic] = recheckOutOfProcess(['^a-[a-z]+$', '^(a+)+$', '.*.*.*=.*'], 'u', 5000);
    expect(safe).toEqual({ status: 'safe' });
    expect(exponential).toEqual({ status: 'vulnerable', complexity: { type: 'exponential' } });
    expect(quartic).toEqual({ status: 'vulnerable', complexity: { type: 'polynomial', degree: 4 } });
  });

  it('calls nothing safe when the checker cannot run', () => {
    const answers = recheckOutOfProcess(['^a-[a-z]+$', '^b*$'], 'u', 5000, '/nonexistent/node');
    expect(answers).toHaveLength(2);
    for (const answer of answers)
      expect(answer).toMatchObject({ status: 'unknown', error: expect.stringContaining('could not run') });
  });

  it('reports an invalid pattern as unknown rather than failing the batch', () => {
    const [bad, good] = recheckOutOfProcess(['(', '^ok+$'], 'u', 5000);
    expect(bad!.status).toBe('unknown');
    expect(good).toEqual({ status: 'safe' });
  });
});
