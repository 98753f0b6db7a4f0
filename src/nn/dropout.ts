/**
 * Dropout on heap regions (nn/network.ts), forward and backward. Training has
 * three kinds, each with its own probability; a mask holds multipliers, 0 with
 * probability p and 1/(1 − p) otherwise, so every expectation is unchanged.
 *
 * - Dropout (Srivastava et al. 2014): one multiplier per value, on the
 *   embedding output x⁰, between layers and before the decoder. Locked
 *   (variational) dropout draws the multipliers of a window's first step only
 *   and repeats them at every step: a stream's unit is dropped for the whole
 *   window or for none of it (Gal and Ghahramani 2016; AWD-LSTM's
 *   LockedDropout, Merity et al. 2018).
 * - Embedding dropout (Gal and Ghahramani 2016) drops whole tokens: each window
 *   draws one multiplier per vocabulary token and scales every row of x⁰ whose
 *   input is that token by it, so a dropped word is absent for the whole window.
 * - Weight drop (DropConnect on the recurrent weights, Merity et al. 2018): each
 *   window draws one mask m per layer, and its whole pass, forward and
 *   backward, runs on W̃_hh = W_hh ⊙ m (G·H, H); then ∂J/∂W_hh = ∂J/∂W̃_hh ⊙ m.
 *   Inference uses W_hh itself, the mean of W̃_hh.
 *
 * Backward multiplies by the same masks (mulInPlace, addMasked).
 */
import type { Rng } from '../core/rng.js';

/**
 * The multipliers of dropout with probability p: each of the n values at mask
 * is 0 with probability p, else 1/(1 − p). They come from a xorshift32 stream
 * seeded by one draw of the run's Rng, so they are reproducible without a call
 * into the Rng per element.
 */
export function dropoutMask(f: Float32Array, mask: number, n: number, p: number, rng: Rng): void {
  const keep = 1 / (1 - p);
  const threshold = p * 4294967296;
  let s = (rng.int(4294967295) + 1) >>> 0;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    f[mask + i] = s < threshold ? 0 : keep;
  }
}

/**
 * Dropout with probability p: the multipliers into mask (dropoutMask), and
 * the n values at x times them into out.
 */
export function dropoutForward(f: Float32Array, out: number, x: number, mask: number, n: number, p: number, rng: Rng): void {
  dropoutMask(f, mask, n, p, rng);
  applyMask(f, out, x, mask, n, p);
}

/**
 * Dropout with probability p over Tc steps of `step` values each (one step's
 * rows, time-major), x into out and the multipliers into mask. Locked: the
 * multipliers of step 0 are drawn and repeated at every later step; else one
 * per value (dropoutForward).
 */
export function dropSteps(f: Float32Array, out: number, x: number, mask: number, Tc: number, step: number, p: number, locked: boolean, rng: Rng): void {
  if (!locked) return dropoutForward(f, out, x, mask, Tc * step, p, rng);
  dropoutMask(f, mask, step, p, rng);
  for (let t = 1; t < Tc; t++) f.copyWithin(mask + t * step, mask, mask + step);
  applyMask(f, out, x, mask, Tc * step, p);
}

/** out(n) = x(n) · the mask's multipliers, each 0 or the unrounded 1/(1 − p) (the mask holds it rounded to float32). */
function applyMask(f: Float32Array, out: number, x: number, mask: number, n: number, p: number): void {
  const keep = 1 / (1 - p);
  for (let i = 0; i < n; i++) f[out + i] = f[x + i] * (f[mask + i] === 0 ? 0 : keep);
}

/** a(n) *= mask(n): the gradient through dropout. */
export function mulInPlace(f: Float32Array, a: number, mask: number, n: number): void {
  for (let i = 0; i < n; i++) f[a + i] *= f[mask + i];
}

/** a(n) += b(n) · mask(n): a gradient through a dropout mask, added to another. */
export function addMasked(f: Float32Array, a: number, b: number, mask: number, n: number): void {
  for (let i = 0; i < n; i++) f[a + i] += f[b + i] * f[mask + i];
}

/**
 * Embedding dropout over M rows of x (M, E): the window's multiplier of each of
 * the V tokens into r.tokenMask, each row of x times its input's (ids, int32),
 * and the same multiplier into that row of r.mask, times what it held when the
 * row also had dropout (alsoDropout), so backward applies both at once.
 */
export function dropTokens(
  heap: { f32: Float32Array; i32: Int32Array }, r: { x: number; mask: number; tokenMask: number; ids: number },
  M: number, E: number, V: number, p: number, alsoDropout: boolean, rng: Rng,
): void {
  const f = heap.f32, ids = heap.i32;
  dropoutMask(f, r.tokenMask, V, p, rng);
  for (let row = 0; row < M; row++) {
    const m = f[r.tokenMask + ids[r.ids + row]], x = r.x + row * E, mask = r.mask + row * E;
    for (let e = 0; e < E; e++) {
      f[x + e] *= m;
      f[mask + e] = alsoDropout ? f[mask + e] * m : m;
    }
  }
}
