/**
 * Scalar matrix products: the reference the fast kernels are tested against.
 * Plain loops, written for clarity; the loop orders only keep the inner loop
 * on contiguous memory. All buffers are word offsets into `f`.
 */

/** C(M,N) (+)= A(M,K) · B(N,K)ᵀ + bias(N)  (bias < 0: none) */
export function matmulNT(
  f: Float32Array, c: number, a: number, b: number, bias: number, M: number, N: number, K: number, acc: boolean,
): void {
  for (let i = 0; i < M; i++) {
    const aRow = a + i * K;
    for (let j = 0; j < N; j++) {
      const bRow = b + j * K;
      let s = bias >= 0 ? f[bias + j] : 0;
      for (let k = 0; k < K; k++) s += f[aRow + k] * f[bRow + k];
      const o = c + i * N + j;
      f[o] = acc ? f[o] + s : s;
    }
  }
}

/** C(M,N) (+)= A(M,K) · B(K,N) */
export function matmulNN(
  f: Float32Array, c: number, a: number, b: number, M: number, N: number, K: number, acc: boolean,
): void {
  for (let i = 0; i < M; i++) {
    const cRow = c + i * N;
    if (!acc) f.fill(0, cRow, cRow + N);
    for (let k = 0; k < K; k++) {
      const aik = f[a + i * K + k];
      const bRow = b + k * N;
      for (let j = 0; j < N; j++) f[cRow + j] += aik * f[bRow + j];
    }
  }
}

/** C(M,N) (+)= A(K,M)ᵀ · B(K,N) */
export function matmulTN(
  f: Float32Array, c: number, a: number, b: number, M: number, N: number, K: number, acc: boolean,
): void {
  if (!acc) f.fill(0, c, c + M * N);
  for (let k = 0; k < K; k++) {
    const aRow = a + k * M, bRow = b + k * N;
    for (let i = 0; i < M; i++) {
      const aki = f[aRow + i];
      const cRow = c + i * N;
      for (let j = 0; j < N; j++) f[cRow + j] += aki * f[bRow + j];
    }
  }
}

/** out(N) += Σ_i A(i,·) */
export function colSumAcc(f: Float32Array, out: number, a: number, M: number, N: number): void {
  for (let i = 0; i < M; i++) {
    const row = a + i * N;
    for (let j = 0; j < N; j++) f[out + j] += f[row + j];
  }
}

/** P = W as (N,K) row-major (nk: W is (N,K) already, copied; else W (K,N) is transposed) */
export function packWeights(f: Float32Array, p: number, w: number, N: number, K: number, nk: boolean): void {
  if (nk) {
    f.copyWithin(p, w, w + N * K);
    return;
  }
  for (let j = 0; j < N; j++) {
    for (let k = 0; k < K; k++) f[p + j * K + k] = f[w + k * N + j];
  }
}

/** C(M,N) (+)= A(M,K) · Pᵀ + bias(N), P (N,K) as packWeights leaves it */
export function matmulPacked(
  f: Float32Array, c: number, a: number, p: number, bias: number, M: number, N: number, K: number, acc: boolean,
): void {
  matmulNT(f, c, a, p, bias, M, N, K, acc);
}
