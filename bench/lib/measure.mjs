/** Timing helpers: every figure is the median of several runs, each run long enough to be stable. */
import { performance } from 'node:perf_hooks';

/** The median of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Items per second of `fn(item)` over `items`, cycling through them until `minMs` have passed; the
 * median of `runs` runs after one warm-up run.
 */
export function rate(items, fn, { runs = 5, minMs = 400 } = {}) {
  const one = () => {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < minMs) {
      for (let i = 0; i < items.length; i++) fn(items[i]);
      n += items.length;
      elapsed = performance.now() - start;
    }
    return (n * 1000) / elapsed;
  };
  one();
  const rates = [];
  for (let r = 0; r < runs; r++) rates.push(one());
  return median(rates);
}

/** As {@link rate} for an asynchronous `fn`, stopping part-way through `items` once `minMs` have passed. */
export async function rateAsync(items, fn, { runs = 3, minMs = 1000, minItems = 100 } = {}) {
  const one = async () => {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < minMs || n < minItems) {
      await fn(items[n % items.length]);
      n++;
      if ((n & 15) === 0) elapsed = performance.now() - start;
    }
    return (n * 1000) / (performance.now() - start);
  };
  await one();
  const rates = [];
  for (let r = 0; r < runs; r++) rates.push(await one());
  return median(rates);
}

/** The median over `runs` runs of `task()`, which returns one rate. */
export async function medianOf(runs, task) {
  const values = [];
  for (let r = 0; r < runs; r++) values.push(await task());
  return median(values);
}

/**
 * Several measurements taken in alternation (A, B, A, B...) after `warmups` runs of each, so that a
 * machine whose load changes during the run weighs on all of them alike; the median of each.
 * Each task is `() => rate` or `async () => rate`.
 */
export async function interleaved(tasks, runs, warmups = 1) {
  // Short passes need several warm-ups: V8 optimises a long call chain over several passes.
  for (let w = 0; w < warmups; w++) for (const task of tasks) await task();
  const results = tasks.map(() => []);
  for (let r = 0; r < runs; r++) {
    for (let t = 0; t < tasks.length; t++) {
      // Each run starts from a collected heap (node --expose-gc), so no run pays for another's garbage.
      globalThis.gc?.();
      results[t].push(await tasks[t]());
    }
  }
  return results.map(median);
}

/** One run of {@link rate}: items per second of `fn` over `items`, cycling until `minMs` have passed. */
export function rateOnce(items, fn, minMs) {
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < items.length; i++) fn(items[i]);
    n += items.length;
    elapsed = performance.now() - start;
  }
  return (n * 1000) / elapsed;
}

/** One run of {@link rateAsync}. */
export async function rateAsyncOnce(items, fn, minMs, minItems = 100) {
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs || n < minItems) {
    await fn(items[n % items.length]);
    n++;
    if ((n & 15) === 0) elapsed = performance.now() - start;
  }
  return (n * 1000) / (performance.now() - start);
}
