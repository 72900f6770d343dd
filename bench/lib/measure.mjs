/** Timing helpers: every figure is the median of several runs, each run long enough to be stable. */
import { performance } from 'node:perf_hooks';

/** The median of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
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

/** Items per second of `fn(item)` over `items`, cycling through them until `minMs` have passed (one run). */
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

/** As {@link rateOnce} for an asynchronous `fn`, stopping part-way through `items` once `minMs` have passed (at least `minItems`). */
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
