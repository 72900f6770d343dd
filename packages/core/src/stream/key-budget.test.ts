import { describe, expect, it } from 'vitest';
import { createKeyBudget, mapsHolder } from './key-budget.js';

/** A stage's state: per rule, key → event time, least recently updated first. */
function stage(rules: Record<string, Array<[string, number]>>) {
  const states = new Map(Object.entries(rules).map(([name, keys]) => [name, new Map(keys)]));
  const evicted: string[] = [];
  const holder = mapsHolder(
    states,
    (s) => s,
    (t) => t,
    (_s, key) => evicted.push(key),
  );
  return { states, evicted, holder };
}

describe('key budget', () => {
  it('makes room by dropping the oldest keys by event time, whichever stage and rule hold them', () => {
    const a = stage({
      r1: [
        ['a1', 10],
        ['a2', 40],
      ],
      r2: [['b1', 5]],
    });
    const b = stage({
      r3: [
        ['c1', 20],
        ['c2', 30],
      ],
    });
    const budget = createKeyBudget(4);
    budget.register(a.holder);
    budget.register(b.holder);
    // Five held, one more to come: two must go, the two oldest (5, then 10).
    budget.reserve();
    expect([...a.evicted, ...b.evicted]).toEqual(['b1', 'a1']);
    a.states.get('r1')!.set('a3', 50);
    budget.reserve();
    expect(b.evicted).toEqual(['c1']);
    expect(a.holder.size() + b.holder.size()).toBe(3);
  });

  it('counts exactly once past the limit, so keys the stages dropped on their own are not evicted again', () => {
    const a = stage({ r1: [] });
    const budget = createKeyBudget(3);
    budget.register(a.holder);
    const add = (key: string, t: number) => {
      budget.reserve();
      a.states.get('r1')!.set(key, t);
    };
    add('k1', 1);
    add('k2', 2);
    add('k3', 3);
    // Expired by the stage itself (a watermark): the budget is not told, and needs no eviction for k4.
    a.states.get('r1')!.delete('k1');
    add('k4', 4);
    expect(a.evicted).toEqual([]);
    add('k5', 5);
    expect(a.evicted).toEqual(['k2']);
    expect([...a.states.get('r1')!.keys()]).toEqual(['k3', 'k4', 'k5']);
  });

  it('makes room for 1 % of the limit at once, the oldest keys first across rules', () => {
    // Two rules' keys interleaved in time: 200 keys, a budget of 200.
    const a = stage({
      even: Array.from({ length: 100 }, (_, i) => [`e${i}`, 2 * i] as [string, number]),
      odd: Array.from({ length: 100 }, (_, i) => [`o${i}`, 2 * i + 1] as [string, number]),
    });
    const budget = createKeyBudget(200);
    budget.register(a.holder);
    budget.reserve();
    // Room for the new key and 2 more (1 % of 200): the three oldest went.
    expect(a.evicted).toEqual(['e0', 'o0', 'e1']);
    a.states.get('even')!.set('new1', 300);
    budget.reserve();
    a.states.get('even')!.set('new2', 301);
    budget.reserve();
    a.states.get('even')!.set('new3', 302);
    expect(a.evicted).toHaveLength(3);
    budget.reserve();
    expect(a.evicted).toEqual(['e0', 'o0', 'e1', 'o1', 'e2', 'o2']);
  });

  it('drops a key without a time first, stops when nothing is left, and stops counting an unregistered holder', () => {
    const a = stage({ r1: [['t', 1]], r2: [['nan', NaN]] });
    const budget = createKeyBudget(1);
    const unregister = budget.register(a.holder);
    budget.reserve();
    expect(a.evicted).toEqual(['nan', 't']);
    unregister();
    a.states.get('r1')!.set('x', 1);
    budget.reserve();
    budget.reserve();
    expect(a.evicted).toEqual(['nan', 't']);
    expect(() => createKeyBudget(0)).toThrow(RangeError);
  });
});
