/**
 * A small deterministic PRNG (mulberry32): numbers in [0, 1) that are the same on every run for a
 * seed, so generated events, injected faults and benchmark inputs repeat exactly.
 *
 * @example
 * const next = seededRandom(7);
 * next(); // the same first number on every run
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
