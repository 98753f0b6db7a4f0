/**
 * Shared pieces of the kernel module: word offset → byte pointer, the
 * per-instance scratch region, and vectorised exp / sigmoid / tanh.
 *
 * Every exported kernel takes word offsets (4-byte units) into the imported
 * linear memory, exactly like the reference kernels take offsets into a
 * Float32Array; `ptr(w)` turns one into a byte address.
 */

/** byte address of word offset w */
// @ts-ignore: decorator
@inline export function ptr(w: i32): usize {
  return (<usize>w) << 2;
}

/** Scratch region of this instance (byte address), set once by `init`. */
export let scratch: usize = 0;

/**
 * Scratch layout (words): [bias pad: NC][tail tile: 64][packed B: KC·NC][packed A: MC·KC].
 * Keep in sync with SCRATCH_WORDS in ../loader.ts (checked at load time).
 */
export const KC: i32 = 256;
export const NC: i32 = 512;
export const MC: i32 = 64;
export const SCRATCH_BIAS: usize = 0;
export const SCRATCH_TILE: usize = <usize>NC << 2;
export const SCRATCH_PACK: usize = SCRATCH_TILE + (64 << 2);
export const SCRATCH_APACK: usize = SCRATCH_PACK + ((<usize>KC * <usize>NC) << 2);
export const SCRATCH_WORDS: i32 = NC + 64 + KC * NC + MC * KC;

// ---- multiply-add -------------------------------------------------------------

/**
 * a·b + c on four lanes. The `fma` build (compiled with relaxed SIMD) uses
 * f32x4.relaxed_madd, which V8 turns into one fused multiply-add on a CPU
 * that has one (single rounding) and into mul + add elsewhere; the `simd`
 * build always rounds twice (mul, then add). ASC_FEATURE_RELAXED_SIMD is a
 * compile-time constant, so each build has only one of the two.
 */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** Which build this is: 1 = fused multiply-add (relaxed SIMD), 0 = plain SIMD. */
export function fusedMultiplyAdd(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

// ---- vectorised elementary functions ---------------------------------------

/**
 * e^x for four float32 lanes: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a
 * degree-7 polynomial 1 + r + r²·q(r) (Cephes expf coefficients), 2^n put into the exponent bits.
 * Inputs are clamped to [−86.5, 88] so that 2^n stays a normal number
 * (e^−86.5 ≈ 2.7e−38 stands in for anything smaller, e^88 for anything larger).
 * Relative error ≈ 1e−7.
 */
// @ts-ignore: decorator
@inline export function vexp(x: v128): v128 {
  // pmin/pmax are single minps/maxps (min/max carry NaN and −0 fix-ups in V8)
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-86.5)), f32x4.splat(88.0));
  // n = round(x·log2 e) by the 1.5·2^23 trick: adding it leaves n in the low
  // mantissa bits, so the integer n is a plain i32 subtraction of the bit patterns
  // (multiply-adds: fused in the fma build, which only makes the steps below more exact)
  const t = madd(x, f32x4.splat(1.44269504088896341), f32x4.splat(12582912.0));
  const n = f32x4.sub(t, f32x4.splat(12582912.0));
  // r = x − n·ln2, ln2 split in a part exact in float32 and the rest
  let r = madd(n, f32x4.splat(-0.693359375), x);
  r = madd(n, f32x4.splat(2.12194440e-4), r);
  // e^r ≈ 1 + r + z·q(r), q of degree 5 evaluated by Estrin's scheme
  // (pairs first): a short dependency chain, so more loop iterations overlap
  const z = f32x4.mul(r, r);
  const qa = madd(f32x4.splat(1.6666665459e-1), r, f32x4.splat(5.0000001201e-1));
  const qb = madd(f32x4.splat(8.3334519073e-3), r, f32x4.splat(4.1665795894e-2));
  const qc = madd(f32x4.splat(1.9875691500e-4), r, f32x4.splat(1.3981999507e-3));
  const q = madd(z, madd(z, qc, qb), qa);
  const p = f32x4.add(madd(q, z, r), f32x4.splat(1.0));
  const e = i32x4.shl(i32x4.sub(t, i32x4.splat(0x4b400000)), 23); // 0x4b400000 = bits of 1.5·2^23
  return i32x4.add(p, e);
}

/** σ(x) = 1 / (1 + e^−x) */
// @ts-ignore: decorator
@inline export function vsigmoid(x: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), vexp(f32x4.neg(x))));
}

/**
 * tanh(x): for |x| < 0.625 an odd polynomial x + x·z·P(z), z = x² (Cephes
 * tanhf coefficients; avoids the cancellation of the exp form near 0), else
 * sign(x)·(1 − 2 / (1 + e^{2|x|})).
 */
// @ts-ignore: decorator
@inline export function vtanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  const big = f32x4.sub(f32x4.splat(1.0),
    f32x4.div(f32x4.splat(2.0), f32x4.add(f32x4.splat(1.0), vexp(f32x4.add(ax, ax)))));
  const bigSigned = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = madd(p, z, f32x4.splat(2.06390887954e-2));
  p = madd(p, z, f32x4.splat(-5.37397155531e-2));
  p = madd(p, z, f32x4.splat(1.33314422036e-1));
  p = madd(p, z, f32x4.splat(-3.33332819422e-1));
  const small = madd(f32x4.mul(p, z), x, x);
  return v128.bitselect(small, bigSigned, f32x4.lt(ax, f32x4.splat(0.625)));
}

/** scalar versions through lane 0 (tails), so tails round exactly like the body */
// @ts-ignore: decorator
@inline export function sexp(x: f32): f32 {
  return f32x4.extract_lane(vexp(f32x4.splat(x)), 0);
}
// @ts-ignore: decorator
@inline export function ssigmoid(x: f32): f32 {
  return f32x4.extract_lane(vsigmoid(f32x4.splat(x)), 0);
}
// @ts-ignore: decorator
@inline export function stanh(x: f32): f32 {
  return f32x4.extract_lane(vtanh(f32x4.splat(x)), 0);
}

/** sum of the four lanes */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

/** max of the four lanes */
// @ts-ignore: decorator
@inline export function hmax(v: v128): f32 {
  const s = f32x4.pmax(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return max(f32x4.extract_lane(s, 0), f32x4.extract_lane(s, 1));
}

/**
 * Natural log for float64 without lookup tables (keeps the module free of
 * static data): x = 2^e·m with m in [√½, √2), log m = 2·atanh(s), s = (m−1)/(m+1),
 * |s| ≤ 0.172, by its odd series to s^21 (error < 1e−16 relative).
 * Only called with finite x > 0 (sums of exponentials).
 */
export function log64(x: f64): f64 {
  let bits = reinterpret<i64>(x);
  let e = <i32>((bits >> 52) & 0x7ff) - 1023;
  if (e == -1023) {
    // subnormal: scale up first
    x *= 18014398509481984.0; // 2^54
    bits = reinterpret<i64>(x);
    e = <i32>((bits >> 52) & 0x7ff) - 1023 - 54;
  }
  let m = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e += 1;
  }
  const s = (m - 1) / (m + 1), s2 = s * s;
  let p: f64 = 1.0 / 21;
  p = p * s2 + 1.0 / 19;
  p = p * s2 + 1.0 / 17;
  p = p * s2 + 1.0 / 15;
  p = p * s2 + 1.0 / 13;
  p = p * s2 + 1.0 / 11;
  p = p * s2 + 1.0 / 9;
  p = p * s2 + 1.0 / 7;
  p = p * s2 + 1.0 / 5;
  p = p * s2 + 1.0 / 3;
  p = p * s2 + 1.0;
  return <f64>e * 0.6931471805599453 + 2 * s * p;
}
