/**
 * Softmax cross-entropy fused with its backward, and log-probabilities
 * (spec: src/kernels/ref/softmax.ts). Row max and the sum of exponentials are
 * vectorised; the sum is formed in float32 lanes, the loss in float64.
 */
import { ptr, vexp, sexp, hsum, hmax, log64 } from './common';

// @ts-ignore: decorator
@inline function rowMax(row: usize, V: i32): f32 {
  const V4 = V & ~3;
  let m = f32x4.splat(-Infinity);
  let j = 0;
  for (; j < V4; j += 4) m = f32x4.pmax(m, v128.load(row + (<usize>j << 2)));
  let s = hmax(m);
  for (; j < V; j++) s = max(s, load<f32>(row + (<usize>j << 2)));
  return s;
}

export function softmaxXent(dlogits: i32, logits: i32, targets: i32, M: i32, V: i32, scale: f32): f64 {
  let total: f64 = 0;
  const V4 = V & ~3;
  for (let i = 0; i < M; i++) {
    const row = ptr(logits) + <usize>i * (<usize>V << 2), drow = ptr(dlogits) + <usize>i * (<usize>V << 2);
    const y = load<i32>(ptr(targets + i));
    const ly = load<f32>(row + (<usize>y << 2)); // read before dlogits (maybe = logits) is written
    const mx = rowMax(row, V);
    const vm = f32x4.splat(mx);
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j < V4; j += 4) {
      const o = <usize>j << 2;
      const e = vexp(f32x4.sub(v128.load(row + o), vm));
      v128.store(drow + o, e);
      acc = f32x4.add(acc, e);
    }
    let sum = hsum(acc);
    for (; j < V; j++) {
      const o = <usize>j << 2;
      const e = sexp(load<f32>(row + o) - mx);
      store<f32>(drow + o, e);
      sum += e;
    }
    total += log64(<f64>sum) - <f64>(ly - mx);
    const inv = scale / sum;
    const vi = f32x4.splat(inv);
    j = 0;
    for (; j < V4; j += 4) {
      const o = <usize>j << 2;
      v128.store(drow + o, f32x4.mul(v128.load(drow + o), vi));
    }
    for (; j < V; j++) {
      const o = <usize>j << 2;
      store<f32>(drow + o, load<f32>(drow + o) * inv);
    }
    const oy = drow + (<usize>y << 2);
    store<f32>(oy, load<f32>(oy) - scale);
  }
  return total;
}

export function logProbRows(out: i32, logits: i32, targets: i32, M: i32, V: i32): void {
  const V4 = V & ~3;
  for (let i = 0; i < M; i++) {
    const row = ptr(logits) + <usize>i * (<usize>V << 2);
    const mx = rowMax(row, V);
    const vm = f32x4.splat(mx);
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j < V4; j += 4) acc = f32x4.add(acc, vexp(f32x4.sub(v128.load(row + (<usize>j << 2)), vm)));
    let sum = hsum(acc);
    for (; j < V; j++) sum += sexp(load<f32>(row + (<usize>j << 2)) - mx);
    const ly = load<f32>(row + (<usize>load<i32>(ptr(targets + i)) << 2));
    store<f32>(ptr(out + i), <f32>(<f64>(ly - mx) - log64(<f64>sum)));
  }
}

export function maxOfRow(x: i32, n: i32): f32 {
  return rowMax(ptr(x), n);
}

/** Blocks of DRAW_BLOCK (64) values: 16 vectors each, the tail of the last block scalar. */
export function expBlocks(out: i32, x: i32, n: i32, shift: f32, scale: f32, blocks: i32): f64 {
  const src = ptr(x), dst = ptr(out), vs = f32x4.splat(shift), vc = f32x4.splat(scale);
  let total: f64 = 0;
  for (let b = 0, j = 0; j < n; b++) {
    const end = min(n, j + 64), end4 = j + ((end - j) & ~3);
    let acc = f32x4.splat(0);
    for (; j < end4; j += 4) {
      const o = <usize>j << 2;
      const e = vexp(f32x4.mul(f32x4.sub(v128.load(src + o), vs), vc));
      v128.store(dst + o, e);
      acc = f32x4.add(acc, e);
    }
    let s = hsum(acc);
    for (; j < end; j++) {
      const o = <usize>j << 2;
      const e = sexp((load<f32>(src + o) - shift) * scale);
      store<f32>(dst + o, e);
      s += e;
    }
    store<f32>(ptr(blocks + b), s);
    total += <f64>s;
  }
  return total;
}
