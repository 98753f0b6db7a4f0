/** LSTM cell, pointwise part (spec: src/nn/lstm.ts; gate blocks i | f | g | o). */
import { ptr, vsigmoid, vtanh } from './common';
import { ld, st } from './gru';

/** Four lanes (w of them real) of one row of lstmForward, at byte offset o. */
// @ts-ignore: decorator
@inline function forwardLanes(pg: usize, pi: usize, ph: usize, pcp: usize, pc: usize, pn: usize, hb: usize, o: usize, w: i32): void {
  const ig = vsigmoid(f32x4.add(ld(pi + o, w), ld(ph + o, w)));
  const fg = vsigmoid(f32x4.add(ld(pi + hb + o, w), ld(ph + hb + o, w)));
  const gg = vtanh(f32x4.add(ld(pi + 2 * hb + o, w), ld(ph + 2 * hb + o, w)));
  const og = vsigmoid(f32x4.add(ld(pi + 3 * hb + o, w), ld(ph + 3 * hb + o, w)));
  const c = f32x4.add(f32x4.mul(fg, ld(pcp + o, w)), f32x4.mul(ig, gg));
  st(pg + o, ig, w);
  st(pg + hb + o, fg, w);
  st(pg + 2 * hb + o, gg, w);
  st(pg + 3 * hb + o, og, w);
  st(pc + o, c, w);
  st(pn + o, f32x4.mul(og, vtanh(c)), w);
}

export function lstmForward(hNext: i32, cNext: i32, gates: i32, gi: i32, gh: i32, cPrev: i32, B: i32, H: i32): void {
  const hb = <usize>H << 2, H4 = H & ~3;
  for (let b = 0; b < B; b++) {
    const row4 = <usize>(b * 4 * H) << 2, row = <usize>(b * H) << 2;
    const pg = ptr(gates) + row4, pi = ptr(gi) + row4, ph = ptr(gh) + row4;
    const pcp = ptr(cPrev) + row, pc = ptr(cNext) + row, pn = ptr(hNext) + row;
    let j = 0;
    for (; j < H4; j += 4) forwardLanes(pg, pi, ph, pcp, pc, pn, hb, <usize>j << 2, 4);
    if (j < H) forwardLanes(pg, pi, ph, pcp, pc, pn, hb, <usize>j << 2, H - j);
  }
}

/** Four lanes (w of them real) of one row of lstmBackward, at byte offset o. */
// @ts-ignore: decorator
@inline function backwardLanes(pdg: usize, pdcp: usize, pg: usize, pcn: usize, pcp: usize, pd: usize, pdc: usize, hb: usize, o: usize, w: i32): void {
  const one = f32x4.splat(1);
  const ig = ld(pg + o, w), fg = ld(pg + hb + o, w), gg = ld(pg + 2 * hb + o, w), og = ld(pg + 3 * hb + o, w);
  const tc = vtanh(ld(pcn + o, w));
  const d = ld(pd + o, w);
  // dc may alias dcPrev: read it before anything is written
  const dcT = f32x4.add(ld(pdc + o, w), f32x4.mul(f32x4.mul(d, og), f32x4.sub(one, f32x4.mul(tc, tc))));
  st(pdg + o, f32x4.mul(f32x4.mul(f32x4.mul(dcT, gg), ig), f32x4.sub(one, ig)), w);
  st(pdg + hb + o, f32x4.mul(f32x4.mul(f32x4.mul(dcT, ld(pcp + o, w)), fg), f32x4.sub(one, fg)), w);
  st(pdg + 2 * hb + o, f32x4.mul(f32x4.mul(dcT, ig), f32x4.sub(one, f32x4.mul(gg, gg))), w);
  st(pdg + 3 * hb + o, f32x4.mul(f32x4.mul(f32x4.mul(d, tc), og), f32x4.sub(one, og)), w);
  st(pdcp + o, f32x4.mul(dcT, fg), w);
}

export function lstmBackward(dG: i32, dcPrev: i32, dh: i32, dc: i32, gates: i32, cNext: i32, cPrev: i32, B: i32, H: i32): void {
  const hb = <usize>H << 2, H4 = H & ~3;
  for (let b = 0; b < B; b++) {
    const row4 = <usize>(b * 4 * H) << 2, row = <usize>(b * H) << 2;
    const pg = ptr(gates) + row4, pdg = ptr(dG) + row4;
    const pcn = ptr(cNext) + row, pcp = ptr(cPrev) + row, pd = ptr(dh) + row, pdc = ptr(dc) + row, pdcp = ptr(dcPrev) + row;
    let j = 0;
    for (; j < H4; j += 4) backwardLanes(pdg, pdcp, pg, pcn, pcp, pd, pdc, hb, <usize>j << 2, 4);
    if (j < H) backwardLanes(pdg, pdcp, pg, pcn, pcp, pd, pdc, hb, <usize>j << 2, H - j);
  }
}
