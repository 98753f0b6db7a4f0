/** Embedding lookup (one-hot · table) and its backward, the reference. */

/** out(M,E) = table(ids[i], ·) */
export function gatherRows(f: Float32Array, i32: Int32Array, out: number, table: number, ids: number, M: number, E: number): void {
  for (let i = 0; i < M; i++) {
    const src = table + i32[ids + i] * E;
    f.copyWithin(out + i * E, src, src + E);
  }
}

/** dtable(ids[i], ·) += dout(i, ·) */
export function scatterAddRows(f: Float32Array, i32: Int32Array, dtable: number, dout: number, ids: number, M: number, E: number): void {
  for (let i = 0; i < M; i++) {
    const dst = dtable + i32[ids + i] * E, src = dout + i * E;
    for (let j = 0; j < E; j++) f[dst + j] += f[src + j];
  }
}
