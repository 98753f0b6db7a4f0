/**
 * A lone row against int8 weights with one scale per row (Kernels.matvecInt8;
 * kernels/ref/int8.ts has the equations and the layout). Batch-1 inference
 * with a large decoder reads all of W for every token: a quarter of float32's
 * bytes, and integer arithmetic that needs fewer instructions per weight.
 *
 *   c(n) = (Σ_k q(n,k) · qx(k)) · s(n) · sx + bias(n)
 *
 * x is first rounded to int16 levels qx (scratch, zero padded to 16). A
 * 16-byte load of a row holds 16 weights; widened to two int16x8 halves,
 * each goes through i32x4.dot_i16x8_s against 8 of qx (pairs multiplied and
 * summed into four int32 lanes). The row's padding is zero, so there is no
 * tail. Integer sums are exact (Qx bounds them), so the result is the
 * reference's bits. Rows go eight at a time, one accumulator each.
 */
import { ptr, scratch, SCRATCH_PACK } from './common';

/** one row's 16 columns at byte offset o against qx's 16 there (xa, xb) */
// @ts-ignore: decorator
@inline function step(s: v128, prow: usize, o: usize, xa: v128, xb: v128): v128 {
  const v = v128.load(prow + o);
  s = i32x4.add(s, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v), xa));
  return i32x4.add(s, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v), xb));
}

/** c[j] from the row's integer sum (four lanes), its scale, sx and the bias. */
// @ts-ignore: decorator
@inline function finish(pc: usize, j: i32, s: v128, pscale: usize, sx: f32, pbias: usize): void {
  const sum = i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
  let r: f32 = <f32>sum * load<f32>(pscale + (<usize>j << 2)) * sx;
  if (pbias) r += load<f32>(pbias + (<usize>j << 2));
  store<f32>(pc + (<usize>j << 2), r);
}

export function matvecInt8(c: i32, x: i32, w: i32, bias: i32, N: i32, K: i32, Qx: i32): void {
  const pc = ptr(c), px = ptr(x), pw = ptr(w);
  const pbias: usize = bias >= 0 ? ptr(bias) : 0;
  const row = <usize>((K + 15) & ~15); // bytes per row
  const pscale = pw + <usize>N * row;
  // qx(k) = round(x(k) / sx), in the same float32 steps as the reference
  let m: f32 = 0;
  for (let k = 0; k < K; k++) m = max<f32>(m, abs<f32>(load<f32>(px + (<usize>k << 2))));
  const q = <f32>Qx, inv: f32 = q / m, sx: f32 = m / q;
  const xs = scratch + SCRATCH_PACK;
  for (let k = 0; k < K; k++) {
    let v: f32 = nearest<f32>(load<f32>(px + (<usize>k << 2)) * inv);
    if (v != v) v = 0;
    store<i16>(xs + (<usize>k << 1), <i16><i32>max<f32>(-q, min<f32>(q, v))); // clamped to ±Qx, exact in float32
  }
  for (let k = K; k < <i32>row; k++) store<i16>(xs + (<usize>k << 1), 0);
  let j = 0;
  for (; j + 8 <= N; j += 8) {
    const p0 = pw + <usize>j * row, p1 = p0 + row, p2 = p1 + row, p3 = p2 + row;
    const p4 = p3 + row, p5 = p4 + row, p6 = p5 + row, p7 = p6 + row;
    let s0 = i32x4.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    for (let o: usize = 0; o < row; o += 16) {
      const xa = v128.load(xs + (o << 1)), xb = v128.load(xs + (o << 1), 16);
      s0 = step(s0, p0, o, xa, xb);
      s1 = step(s1, p1, o, xa, xb);
      s2 = step(s2, p2, o, xa, xb);
      s3 = step(s3, p3, o, xa, xb);
      s4 = step(s4, p4, o, xa, xb);
      s5 = step(s5, p5, o, xa, xb);
      s6 = step(s6, p6, o, xa, xb);
      s7 = step(s7, p7, o, xa, xb);
    }
    finish(pc, j, s0, pscale, sx, pbias);
    finish(pc, j + 1, s1, pscale, sx, pbias);
    finish(pc, j + 2, s2, pscale, sx, pbias);
    finish(pc, j + 3, s3, pscale, sx, pbias);
    finish(pc, j + 4, s4, pscale, sx, pbias);
    finish(pc, j + 5, s5, pscale, sx, pbias);
    finish(pc, j + 6, s6, pscale, sx, pbias);
    finish(pc, j + 7, s7, pscale, sx, pbias);
  }
  for (; j < N; j++) {
    const p = pw + <usize>j * row;
    let s = i32x4.splat(0);
    for (let o: usize = 0; o < row; o += 16) s = step(s, p, o, v128.load(xs + (o << 1)), v128.load(xs + (o << 1), 16));
    finish(pc, j, s, pscale, sx, pbias);
  }
}
