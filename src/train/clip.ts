/**
 * Gradient clipping against exploding gradients.
 *
 * By global norm (torch.nn.utils.clip_grad_norm_): ‖g‖ = √Σ gᵢ² over every
 * parameter; if ‖g‖ > c, every gᵢ is scaled by c / (‖g‖ + 1e−6).
 * By value (clip_grad_value_): every gᵢ is clamped to [−c, c].
 * (The loops are kernels/ref/update.ts's, which the threads of a run share out.)
 */
import { clampRange, scaleRange, sumSquares } from '../kernels/ref/update.js';

/** The global L2 norm of n gradients at `g` (summed in float64). */
export function gradNorm(f: Float32Array, g: number, n: number): number {
  return Math.sqrt(sumSquares(f, g, 0, n));
}

/** The factor clipping by norm puts on every gradient: c / (‖g‖ + 1e−6) when ‖g‖ > c > 0, else 1. */
export function clipScale(norm: number, maxNorm: number): number {
  return maxNorm > 0 && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
}

/** Scale the gradients so their norm is at most maxNorm; returns the norm before clipping. */
export function clipGradNorm(f: Float32Array, g: number, n: number, maxNorm: number): number {
  const norm = gradNorm(f, g, n), scale = clipScale(norm, maxNorm);
  if (scale !== 1) scaleRange(f, g, scale, 0, n);
  return norm;
}

export function clipGradValue(f: Float32Array, g: number, n: number, c: number): void {
  clampRange(f, g, c, 0, n);
}
