/**
 * Softmax cross-entropy, the reference. For one row of logits ℓ (V) and target y:
 *   p = softmax(ℓ) = exp(ℓ − max ℓ) / Σ exp(ℓ − max ℓ)
 *   J = −log p_y = log Σ exp(ℓ − max ℓ) − (ℓ_y − max ℓ)
 *   ∂J/∂ℓ = p − onehot(y)
 */
import { DRAW_BLOCK } from '../kernels.js';

export function softmaxXent(
  f: Float32Array, i32: Int32Array, dlogits: number, logits: number, targets: number, M: number, V: number, scale: number,
): number {
  let total = 0;
  for (let i = 0; i < M; i++) {
    const row = logits + i * V, drow = dlogits + i * V;
    const y = i32[targets + i];
    let max = -Infinity;
    for (let j = 0; j < V; j++) if (f[row + j] > max) max = f[row + j];
    let sum = 0;
    for (let j = 0; j < V; j++) sum += Math.exp(f[row + j] - max);
    total += Math.log(sum) - (f[row + y] - max);
    const inv = scale / sum;
    for (let j = 0; j < V; j++) f[drow + j] = Math.exp(f[row + j] - max) * inv;
    f[drow + y] -= scale;
  }
  return total;
}

export function logProbRows(
  f: Float32Array, i32: Int32Array, out: number, logits: number, targets: number, M: number, V: number,
): void {
  for (let i = 0; i < M; i++) {
    const row = logits + i * V;
    let max = -Infinity;
    for (let j = 0; j < V; j++) if (f[row + j] > max) max = f[row + j];
    let sum = 0;
    for (let j = 0; j < V; j++) sum += Math.exp(f[row + j] - max);
    f[out + i] = f[row + i32[targets + i]] - max - Math.log(sum);
  }
}

/** max_j f[x + j], j < n. */
export function rowMax(f: Float32Array, x: number, n: number): number {
  let m = -Infinity;
  for (let j = 0; j < n; j++) if (f[x + j] > m) m = f[x + j];
  return m;
}

/** out[j] = exp((x[j] − shift)·scale), with block sums of DRAW_BLOCK values (float32) and their float64 total. */
export function expBlocks(f: Float32Array, out: number, x: number, n: number, shift: number, scale: number, blocks: number): number {
  let total = 0;
  for (let b = 0; b * DRAW_BLOCK < n; b++) {
    const end = Math.min(n, (b + 1) * DRAW_BLOCK);
    let s = 0;
    for (let j = b * DRAW_BLOCK; j < end; j++) {
      f[out + j] = Math.exp((f[x + j] - shift) * scale);
      s = Math.fround(s + f[out + j]);
    }
    f[blocks + b] = s;
    total += f[blocks + b];
  }
  return total;
}
