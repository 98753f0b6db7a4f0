/** Embedding lookup and its backward (see kernels.ts). */
import { ptr } from './common';

export function gatherRows(out: i32, table: i32, ids: i32, M: i32, E: i32): void {
  const bytes = <usize>E << 2;
  for (let i = 0; i < M; i++) {
    const id = load<i32>(ptr(ids + i));
    memory.copy(ptr(out) + <usize>i * bytes, ptr(table) + <usize>id * bytes, bytes);
  }
}

export function scatterAddRows(dtable: i32, dout: i32, ids: i32, M: i32, E: i32): void {
  const bytes = <usize>E << 2, b4 = <usize>(E & ~3) << 2;
  for (let i = 0; i < M; i++) {
    const id = load<i32>(ptr(ids + i));
    const d = ptr(dtable) + <usize>id * bytes, s = ptr(dout) + <usize>i * bytes;
    let o: usize = 0;
    for (; o < b4; o += 16) v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(s + o)));
    for (; o < bytes; o += 4) store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o));
  }
}
