import { describe, expect, it } from 'vitest';
import { createRedeliveryMemory } from './redelivery.js';

describe('createRedeliveryMemory', () => {
  it('remembers a digest and its event count for the window of the clock', () => {
    let now = 1_000;
    const memory = createRedeliveryMemory({ window: 100 }, () => now);
    expect(memory.seen('a')).toBeUndefined();
    memory.remember('a', 400);
    now = 1_099;
    expect(memory.seen('a')).toBe(400);
    now = 1_100;
    expect(memory.seen('a')).toBeUndefined();
    expect(memory.size).toBe(0);
  });

  it('forgets the oldest digests past maxEntries', () => {
    const memory = createRedeliveryMemory({ maxEntries: 2 }, () => 0);
    memory.remember('a', 1);
    memory.remember('b', 2);
    memory.remember('c', 3);
    expect([memory.seen('a'), memory.seen('b'), memory.seen('c')]).toEqual([undefined, 2, 3]);
    expect(memory.size).toBe(2);
  });

  it('keeps expiry order when a digest is remembered again', () => {
    let now = 0;
    const memory = createRedeliveryMemory({ window: 100 }, () => now);
    memory.remember('a', 1);
    now = 50;
    memory.remember('b', 1);
    memory.remember('a', 1);
    now = 120;
    // 'b' expires at 150, 'a' (renewed at 50) at 150 too: both still there, neither dropped early.
    expect([memory.seen('a'), memory.seen('b')]).toEqual([1, 1]);
    now = 150;
    expect(memory.size).toBe(2);
    expect(memory.seen('a')).toBeUndefined();
    expect(memory.size).toBe(0);
  });
});
