/**
 * A lone row against weights stored as bfloat16 (Kernels.matvecBf16). Batch-1
 * inference with a large decoder reads all of W for every token, from L3 or
 * memory: half the bytes is nearly half the time.
 *
 *   c(N) = W16(N,K) · x(K) + bias(N)
 *
 * W16's rows are K rounded up to 8 halfwords (16 bytes), zero padded
 * (kernels.ts: bf16RowStride). A bfloat16 is the high half of a float32, so
 * widening one is exact: the halfword shifted into the top 16 bits.
 *
 * x is first split into its even and odd columns (scratch). A 16-byte load
 * of a row then holds 8 halfwords whose odd ones already sit in the top half
 * of each 32-bit lane (little-endian): masking the low half off gives columns
 * k+1, k+3, k+5, k+7 as float32, and shifting left by 16 gives k, k+2, k+4,
 * k+6: two single operations instead of two widenings and two shifts.
 *
 * Rows go eight at a time, one four-lane accumulator each; the columns past
 * the last multiple of 8 and the rows past the last multiple of 8 are summed
 * one at a time.
 */
import { ptr, madd, hsum, scratch, SCRATCH_PACK } from './common';

/** one row's 8 columns at byte offset o; xe, xo: x's even and odd columns there */
// @ts-ignore: decorator
@inline function step(s: v128, prow: usize, o: usize, xe: v128, xo: v128): v128 {
  const v = v128.load(prow + o);
  return madd(xo, v128.and(v, i32x4.splat(0xffff0000)), madd(xe, i32x4.shl(v, 16), s));
}

/** Sum the accumulator's lanes, the tail columns K8..K, the bias; store c[j]. */
function finish(pc: usize, j: i32, s: v128, px: usize, prow: usize, K8: i32, K: i32, pbias: usize): void {
  let r = hsum(s);
  for (let k = K8; k < K; k++) r += load<f32>(px + (<usize>k << 2)) * reinterpret<f32>(<u32>load<u16>(prow + (<usize>k << 1)) << 16);
  if (pbias) r += load<f32>(pbias + (<usize>j << 2));
  store<f32>(pc + (<usize>j << 2), r);
}

export function matvecBf16(c: i32, x: i32, w: i32, bias: i32, N: i32, K: i32): void {
  const pc = ptr(c), px = ptr(x), pw = ptr(w);
  const pbias: usize = bias >= 0 ? ptr(bias) : 0;
  const row = <usize>((K + 7) & ~7) << 1; // bytes per row
  const K8 = K & ~7, end = <usize>K8 << 1;
  // x's columns 0..K8 as [even | odd] blocks of 4: (x0 x2 x4 x6)(x1 x3 x5 x7)(x8 …)
  const xs = scratch + SCRATCH_PACK;
  for (let o: usize = 0; o < end; o += 16) {
    const a0 = v128.load(px + (o << 1)), a1 = v128.load(px + (o << 1), 16);
    v128.store(xs + (o << 1), v128.shuffle<f32>(a0, a1, 0, 2, 4, 6));
    v128.store(xs + (o << 1), v128.shuffle<f32>(a0, a1, 1, 3, 5, 7), 16);
  }
  let j = 0;
  for (; j + 8 <= N; j += 8) {
    const p0 = pw + <usize>j * row, p1 = p0 + row, p2 = p1 + row, p3 = p2 + row;
    const p4 = p3 + row, p5 = p4 + row, p6 = p5 + row, p7 = p6 + row;
    let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    for (let o: usize = 0; o < end; o += 16) {
      const a0 = v128.load(xs + (o << 1)), a1 = v128.load(xs + (o << 1), 16);
      s0 = step(s0, p0, o, a0, a1);
      s1 = step(s1, p1, o, a0, a1);
      s2 = step(s2, p2, o, a0, a1);
      s3 = step(s3, p3, o, a0, a1);
      s4 = step(s4, p4, o, a0, a1);
      s5 = step(s5, p5, o, a0, a1);
      s6 = step(s6, p6, o, a0, a1);
      s7 = step(s7, p7, o, a0, a1);
    }
    finish(pc, j, s0, px, p0, K8, K, pbias);
    finish(pc, j + 1, s1, px, p1, K8, K, pbias);
    finish(pc, j + 2, s2, px, p2, K8, K, pbias);
    finish(pc, j + 3, s3, px, p3, K8, K, pbias);
    finish(pc, j + 4, s4, px, p4, K8, K, pbias);
    finish(pc, j + 5, s5, px, p5, K8, K, pbias);
    finish(pc, j + 6, s6, px, p6, K8, K, pbias);
    finish(pc, j + 7, s7, px, p7, K8, K, pbias);
  }
  for (; j < N; j++) {
    const p = pw + <usize>j * row;
    let s = f32x4.splat(0);
    for (let o: usize = 0; o < end; o += 16) s = step(s, p, o, v128.load(xs + (o << 1)), v128.load(xs + (o << 1), 16));
    finish(pc, j, s, px, p, K8, K, pbias);
  }
}
