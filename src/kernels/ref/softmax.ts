/**
 * Softmax cross-entropy, the reference. For one row of logits ℓ (V) and target y:
 *   p = softmax(ℓ) = exp(ℓ − max ℓ) / Σ exp(ℓ − max ℓ)
 *   J = −log p_y = log Σ exp(ℓ − max ℓ) − (ℓ_y − max ℓ)
 *   ∂J/∂ℓ = p − onehot(y)
 */

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
