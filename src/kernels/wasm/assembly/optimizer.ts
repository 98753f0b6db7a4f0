/**
 * The optimizer's update (see ../../ref/update.ts, the specification): Adam,
 * and dynamic evaluation's step, on two float64 lanes, the same operations in
 * the same order as the reference, so every build gives its bits exactly (no
 * fused multiply-add here).
 */
import { ptr } from './common';

export function adamStep(
  p: i32, g: i32, m: i32, v: i32, n: i32,
  beta1: f64, beta2: f64, eps: f64, stepSize: f64, sqrtC2: f64, wd: f64,
): void {
  const a1 = 1 - beta1, a2 = 1 - beta2;
  const B1 = f64x2.splat(beta1), B2 = f64x2.splat(beta2), A1 = f64x2.splat(a1), A2 = f64x2.splat(a2);
  const EPS = f64x2.splat(eps), S = f64x2.splat(stepSize), C = f64x2.splat(sqrtC2), WD = f64x2.splat(wd);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const pp = ptr(p + i), pg = ptr(g + i), pm = ptr(m + i), pv = ptr(v + i);
    const P = f64x2.promote_low_f32x4(v128.load64_zero(pp));
    const G = f64x2.add(f64x2.promote_low_f32x4(v128.load64_zero(pg)), f64x2.mul(WD, P));
    const M = f64x2.add(f64x2.mul(B1, f64x2.promote_low_f32x4(v128.load64_zero(pm))), f64x2.mul(A1, G));
    const V = f64x2.add(f64x2.mul(B2, f64x2.promote_low_f32x4(v128.load64_zero(pv))), f64x2.mul(f64x2.mul(A2, G), G));
    const U = f64x2.div(f64x2.mul(S, M), f64x2.add(f64x2.div(f64x2.sqrt(V), C), EPS));
    v128.store64_lane(pm, f32x4.demote_f64x2_zero(M), 0);
    v128.store64_lane(pv, f32x4.demote_f64x2_zero(V), 0);
    v128.store64_lane(pp, f32x4.demote_f64x2_zero(f64x2.sub(P, U)), 0);
  }
  for (; i < n; i++) {
    const pp = ptr(p + i), pm = ptr(m + i), pv = ptr(v + i);
    const P = <f64>load<f32>(pp);
    const G = <f64>load<f32>(ptr(g + i)) + wd * P;
    const M = beta1 * <f64>load<f32>(pm) + a1 * G;
    const V = beta2 * <f64>load<f32>(pv) + a2 * G * G;
    store<f32>(pm, <f32>M);
    store<f32>(pv, <f32>V);
    store<f32>(pp, <f32>(P - (stepSize * M) / (Math.sqrt(V) / sqrtC2 + eps)));
  }
}

export function adaptStep(p: i32, g: i32, p0: i32, n: i32, lr: f64, decay: f64): void {
  const LR = f64x2.splat(lr), D = f64x2.splat(decay), ZERO = f64x2.splat(0);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const pp = ptr(p + i), pg = ptr(g + i);
    const P = f64x2.promote_low_f32x4(v128.load64_zero(pp));
    const P0 = f64x2.promote_low_f32x4(v128.load64_zero(ptr(p0 + i)));
    const G = f64x2.promote_low_f32x4(v128.load64_zero(pg));
    const U = f64x2.sub(f64x2.mul(D, f64x2.sub(P0, P)), f64x2.mul(LR, G));
    v128.store64_lane(pp, f32x4.demote_f64x2_zero(f64x2.add(P, U)), 0);
    v128.store64_lane(pg, ZERO, 0);
  }
  for (; i < n; i++) {
    const pp = ptr(p + i), pg = ptr(g + i);
    const P = <f64>load<f32>(pp);
    store<f32>(pp, <f32>(P + (decay * (<f64>load<f32>(ptr(p0 + i)) - P) - lr * <f64>load<f32>(pg))));
    store<f32>(pg, 0);
  }
}
