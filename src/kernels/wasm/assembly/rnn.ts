/** Elman RNN cell, pointwise part (spec: src/nn/rnn.ts). */
import { ptr, vtanh, stanh } from './common';

export function rnnForward(hNext: i32, gi: i32, gh: i32, B: i32, H: i32): void {
  const n = B * H, n4 = n & ~3;
  const ph = ptr(hNext), pi = ptr(gi), pg = ptr(gh);
  let j = 0;
  for (; j < n4; j += 4) {
    const o = <usize>j << 2;
    v128.store(ph + o, vtanh(f32x4.add(v128.load(pi + o), v128.load(pg + o))));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(ph + o, stanh(load<f32>(pi + o) + load<f32>(pg + o)));
  }
}

export function rnnBackward(dG: i32, dh: i32, hNext: i32, B: i32, H: i32): void {
  const n = B * H, n4 = n & ~3;
  const pd = ptr(dG), pdh = ptr(dh), ph = ptr(hNext);
  const one = f32x4.splat(1);
  let j = 0;
  for (; j < n4; j += 4) {
    const o = <usize>j << 2;
    const h = v128.load(ph + o);
    v128.store(pd + o, f32x4.mul(v128.load(pdh + o), f32x4.sub(one, f32x4.mul(h, h))));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const h = load<f32>(ph + o);
    store<f32>(pd + o, load<f32>(pdh + o) * (1 - h * h));
  }
}
