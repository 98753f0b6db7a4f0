/**
 * Gradient clipping against exploding gradients.
 *
 * By global norm (torch.nn.utils.clip_grad_norm_): ‖g‖ = √Σ gᵢ² over every
 * parameter; if ‖g‖ > c, every gᵢ is scaled by c / (‖g‖ + 1e−6).
 * By value (clip_grad_value_): every gᵢ is clamped to [−c, c].
 */

/** The global L2 norm of n gradients at `g` (summed in float64). */
export function gradNorm(f: Float32Array, g: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += f[g + i] * f[g + i];
  return Math.sqrt(s);
}

/** Scale the gradients so their norm is at most maxNorm; returns the norm before clipping. */
export function clipGradNorm(f: Float32Array, g: number, n: number, maxNorm: number): number {
  const norm = gradNorm(f, g, n);
  if (maxNorm > 0 && norm > maxNorm) {
    const scale = maxNorm / (norm + 1e-6);
    for (let i = 0; i < n; i++) f[g + i] *= scale;
  }
  return norm;
}

export function clipGradValue(f: Float32Array, g: number, n: number, c: number): void {
  for (let i = 0; i < n; i++) {
    const x = f[g + i];
    if (x > c) f[g + i] = c;
    else if (x < -c) f[g + i] = -c;
  }
}
