/** Dropout on heap regions (nn/network.ts), forward and backward. */
import type { Rng } from '../core/rng.js';

/**
 * Dropout with probability p: keep each of the n values at x with probability
 * 1 − p, scaled by 1/(1 − p), into out, and the multipliers (0 or 1/(1 − p))
 * into mask. The masks come from a xorshift32 stream seeded by one draw of the
 * run's Rng, so they are reproducible without a call into the Rng per element.
 */
export function dropoutForward(f: Float32Array, out: number, x: number, mask: number, n: number, p: number, rng: Rng): void {
  const keep = 1 / (1 - p);
  const threshold = p * 4294967296;
  let s = (rng.int(4294967295) + 1) >>> 0;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const m = s < threshold ? 0 : keep;
    f[mask + i] = m;
    f[out + i] = f[x + i] * m;
  }
}

/** a(n) *= mask(n): the gradient through dropout. */
export function mulInPlace(f: Float32Array, a: number, mask: number, n: number): void {
  for (let i = 0; i < n; i++) f[a + i] *= f[mask + i];
}

/** a(n) += b(n) · mask(n): a gradient through a dropout mask, added to another. */
export function addMasked(f: Float32Array, a: number, b: number, mask: number, n: number): void {
  for (let i = 0; i < n; i++) f[a + i] += f[b + i] * f[mask + i];
}
