/**
 * bfloat16 weights for batch-1 inference (Kernels.packBf16, matvecBf16): the
 * top 16 bits of a float32 (sign, the 8 exponent bits, 7 of the 23 mantissa
 * bits), so the range is float32's and the relative rounding error at most
 * 2⁻⁸. Rows of P are bf16RowStride(K) halfwords apart, zero padded.
 */
import type { Heap } from '../../core/heap.js';
import { bf16RowStride } from '../kernels.js';

/** float32 bits → the nearest bfloat16 (ties to even); a NaN stays a (quiet) NaN. */
export function bf16Bits(bits: number): number {
  const u = bits >>> 0;
  if ((u & 0x7fffffff) > 0x7f800000) return (u >>> 16) | 0x40;
  return Math.floor((u + 0x7fff + ((u >>> 16) & 1)) / 0x10000) & 0xffff;
}

function halfwords(heap: Heap): Uint16Array {
  return new Uint16Array(heap.i32.buffer, heap.i32.byteOffset, heap.i32.length * 2);
}

/** P = W (N,K) in bfloat16, rows bf16RowStride(K) apart, the padding zero (Kernels.packBf16). */
export function packBf16(heap: Heap, p: number, w: number, N: number, K: number): void {
  const i32 = heap.i32, h = halfwords(heap), S = bf16RowStride(K);
  for (let n = 0; n < N; n++) {
    const out = 2 * p + n * S, row = w + n * K;
    for (let k = 0; k < K; k++) h[out + k] = bf16Bits(i32[row + k]);
    h.fill(0, out + K, out + S);
  }
}

/** c(N) = P · x(K) + bias(N), P = packBf16(W), bias < 0: none (Kernels.matvecBf16). */
export function matvecBf16(heap: Heap, c: number, x: number, p: number, bias: number, N: number, K: number): void {
  const f = heap.f32, h = halfwords(heap), S = bf16RowStride(K);
  const bits = new Uint32Array(1), value = new Float32Array(bits.buffer);
  for (let n = 0; n < N; n++) {
    const row = 2 * p + n * S;
    let s = 0;
    for (let k = 0; k < K; k++) {
      bits[0] = h[row + k] << 16;
      s += f[x + k] * value[0];
    }
    f[c + n] = bias >= 0 ? s + f[bias + n] : s;
  }
}
