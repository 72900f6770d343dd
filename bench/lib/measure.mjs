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
