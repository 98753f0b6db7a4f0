/**
 * int8 weights with one scale per row, for batch-1 inference (Kernels.packInt8,
 * matvecInt8): a quarter of float32's bytes.
 *
 *   s(n)   = max_k |W(n,k)| / 127                       (float32; 0 for a row of zeros)
 *   q(n,k) = round(W(n,k) / s(n)) ∈ [−127, 127]         (to nearest, ties to even)
 *   sx     = max_k |x(k)| / Qx,   qx(k) = round(x(k) / sx) ∈ [−Qx, Qx]
 *   c(n)   = (Σ_k q(n,k) · qx(k)) · s(n) · sx + bias(n)
 *
 * x is rounded to integers too, with Qx = int8QxLevels(K) (32767 for K ≤ 516,
 * fewer above, so that |Σ| ≤ 127 · Qx · K fits in an int32). The sum is then
 * exact integer arithmetic and the few float32 operations around it are the
 * same on every kernel set: every set gives the same bits.
 *
 * Layout at p (int8Words(N, K) words): N rows of int8RowStride(K) bytes (K
 * rounded up to 16, zero padded, so every row starts 16-byte aligned), then
 * the N float32 scales.
 */
import type { Heap } from '../../core/heap.js';
import { int8QxLevels, int8RowStride } from '../kernels.js';

const fr = Math.fround;

/** Nearest integer, ties to even (WebAssembly's f32.nearest); NaN → 0 (its saturating conversion). */
export function roundHalfEven(v: number): number {
  if (Number.isNaN(v)) return 0;
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function bytes(heap: Heap): Int8Array {
  return new Int8Array(heap.i32.buffer, heap.i32.byteOffset, heap.i32.length * 4);
}

/** P = W (N,K) as int8 rows with per-row scales (Kernels.packInt8). */
export function packInt8(heap: Heap, p: number, w: number, N: number, K: number): void {
  const f = heap.f32, q = bytes(heap), S = int8RowStride(K), scales = p + (N * S) / 4;
  for (let n = 0; n < N; n++) {
    const row = w + n * K, out = 4 * p + n * S;
    let m = 0;
    for (let k = 0; k < K; k++) m = Math.max(m, Math.abs(f[row + k]));
    const s = fr(m / 127);
    for (let k = 0; k < K; k++) q[out + k] = s > 0 ? Math.max(-127, Math.min(127, roundHalfEven(fr(f[row + k] / s)))) : 0;
    q.fill(0, out + K, out + S);
    f[scales + n] = s;
  }
}

/** c(N) = P · x(K) + bias(N), P = packInt8(W), bias < 0: none (Kernels.matvecInt8). */
export function matvecInt8(heap: Heap, c: number, x: number, p: number, bias: number, N: number, K: number): void {
  const f = heap.f32, q = bytes(heap), S = int8RowStride(K), scales = p + (N * S) / 4, Qx = int8QxLevels(K);
  let m = 0;
  for (let k = 0; k < K; k++) m = Math.max(m, Math.abs(f[x + k]));
  const inv = fr(Qx / m), sx = fr(m / Qx);
  const qx = new Int32Array(K);
  for (let k = 0; k < K; k++) qx[k] = Math.max(-Qx, Math.min(Qx, roundHalfEven(fr(f[x + k] * inv))));
  for (let n = 0; n < N; n++) {
    const row = 4 * p + n * S;
    let sum = 0;
    for (let k = 0; k < K; k++) sum += q[row + k] * qx[k];
    const r = fr(fr(fr(sum) * f[scales + n]) * sx);
    f[c + n] = bias >= 0 ? fr(r + f[bias + n]) : r;
  }
}
