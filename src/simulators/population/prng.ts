/**
 * Small, fast, deterministic randomness: every value of the population is a pure function of
 * (seed, stream, index), so record i is computed in O(1) without holding anything in memory.
 */

/** A 32-bit integer finaliser (lowbias32 by Chris Wellons): good avalanche, cheap. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a seed (number or string, FNV-1a) to 32 bits. */
export function seedHash(seed: number | string): number {
  if (typeof seed === 'number') return mix32(Math.floor(seed) ^ 0x9e3779b9);
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** Hash of (seed, stream, index) in 32 bits. `index` may exceed 2^32 (it is folded). */
export function hash3(seed: number, stream: number, index: number): number {
  const lo = index >>> 0;
  const hi = Math.floor(index / 0x100000000) >>> 0;
  return mix32(mix32(mix32(seed ^ Math.imul(stream, 0x9e3779b1)) + lo) ^ hi);
}

/** A value in [0, 1) from (seed, stream, index). */
export function unit3(seed: number, stream: number, index: number): number {
  return hash3(seed, stream, index) / 0x100000000;
}

/** A sequence generator (mulberry32) for drawing several values of one record. */
export interface Rng {
  /** Next value in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** True with probability p. */
  chance(p: number): boolean;
}

/** The record generator of (seed, stream, index). */
export function rngFor(seed: number, stream: number, index: number): Rng {
  let state = hash3(seed, stream, index);
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)] as T,
    chance: (p: number): boolean => next() < p,
  };
}

/** A weighted table: pick values by weight in O(log n). */
export interface Weighted<T> {
  pick(u: number): T;
}

/** Builds a {@link Weighted} table from `[value, weight]` rows (weights > 0). */
export function weighted<T>(rows: readonly (readonly [T, number])[]): Weighted<T> {
  const values = rows.map((r) => r[0]);
  const cumulative: number[] = [];
  let total = 0;
  for (const [, w] of rows) cumulative.push((total += w));
  return {
    pick(u: number): T {
      const target = u * total;
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((cumulative[mid] as number) > target) hi = mid;
        else lo = mid + 1;
      }
      return values[lo] as T;
    },
  };
}

/** `x` zero-padded to `width` digits. */
export function pad(x: number, width: number): string {
  return String(x).padStart(width, '0');
}
