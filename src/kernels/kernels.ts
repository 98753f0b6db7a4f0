/**
 * The kernel interface: every number-crunching loop of the model behind one
 * object, so the scalar reference (kernels/ref, the spec) and the fast
 * WebAssembly kernels (two builds: simd, fma) are interchangeable.
 *
 * Conventions (llm.c style): outputs first, then inputs, then dims. Every
 * argument named like a buffer is a word offset into `heap` (see core/heap.ts).
 * Matrices are row-major. `acc` = accumulate into the output (+=) instead of
 * overwriting it. Backward kernels that produce parameter gradients always
 * accumulate; zeroing is a separate call.
 *
 * Dims: M rows, N columns of the output, K the contracted size; B batch,
 * H hidden size (na in the course notation), V vocabulary size.
 */
import type { Heap } from '../core/heap.js';

/** Words packWeights may write for W with N output columns and K contracted (every kernel set fits in it). */
export function packedWeightWords(N: number, K: number): number {
  return Math.ceil(N / 8) * 8 * K;
}

/** Halfwords between the rows of a bfloat16 copy of W (N,K) (packBf16): K rounded up to 8, so every row starts 16-byte aligned. */
export function bf16RowStride(K: number): number {
  return Math.ceil(K / 8) * 8;
}

/** Words packBf16 writes for W with N rows of K. */
export function bf16Words(N: number, K: number): number {
  return (N * bf16RowStride(K)) / 2;
}

/** Bytes between the rows of an int8 copy of W (N,K) (packInt8): K rounded up to 16, so every row starts 16-byte aligned. */
export function int8RowStride(K: number): number {
  return Math.ceil(K / 16) * 16;
}

/** Words packInt8 writes for W with N rows of K: the rows, then N float32 scales. */
export function int8Words(N: number, K: number): number {
  return (N * int8RowStride(K)) / 4 + N;
}

/** The integer levels matvecInt8 rounds x to (±Qx): 32767, or fewer when 127·Qx·K would not fit in an int32. */
export function int8QxLevels(K: number): number {
  return Math.max(1, Math.min(32767, Math.floor(0x7fffffff / (127 * Math.max(1, K)))));
}

/** A kernel set that runs: the scalar reference, or one of the two WebAssembly builds (plain SIMD; SIMD with fused multiply-add). */
export type KernelSet = 'reference' | 'simd' | 'fma';
/** A kernel set as asked for: one of the above, or `wasm` = the fastest WebAssembly set the engine supports. */
export type KernelSetName = KernelSet | 'wasm';

export interface Kernels {
  /** the set that actually runs (`wasm` is resolved to `simd` or `fma`) */
  readonly name: KernelSet;
  readonly heap: Heap;

  // ---- matrix products -------------------------------------------------
  /** C(M,N) (+)= A(M,K) · B(N,K)ᵀ + bias(N); bias < 0 means none. (x Wᵀ + b: PyTorch's Linear) */
  matmulNT(c: number, a: number, b: number, bias: number, M: number, N: number, K: number, acc: boolean): void;
  /** C(M,N) (+)= A(M,K) · B(K,N). (dX = dY W) */
  matmulNN(c: number, a: number, b: number, M: number, N: number, K: number, acc: boolean): void;
  /** C(M,N) (+)= A(K,M)ᵀ · B(K,N). (dW = dYᵀ X) */
  matmulTN(c: number, a: number, b: number, M: number, N: number, K: number, acc: boolean): void;
  /**
   * P = W packed for matmulPacked (packedWeightWords(N, K) words at p). nk: W is
   * stored (N,K), as matmulNT's B; else (K,N), as matmulNN's B. The layout is the
   * kernel set's own; only matmulPacked reads it.
   */
  packWeights(p: number, w: number, N: number, K: number, nk: boolean): void;
  /**
   * C(M,N) (+)= A(M,K) · W + bias(N) with P = packWeights(W): the product
   * matmulNT (W (N,K)) or matmulNN (W (K,N)) computes, for small M (one step's
   * rows) against weights packed once per window; bias < 0 means none.
   */
  matmulPacked(c: number, a: number, p: number, bias: number, M: number, N: number, K: number, acc: boolean): void;
  /** out(N) += Σ_i A(i, ·) over M rows. (bias gradients) */
  colSumAcc(out: number, a: number, M: number, N: number): void;

  // ---- embedding ---------------------------------------------------------
  /** out(M,E) = table(ids[i], ·) for the M int32 ids at `ids`. */
  gatherRows(out: number, table: number, ids: number, M: number, E: number): void;
  /** dtable(ids[i], ·) += dout(i, ·). */
  scatterAddRows(dtable: number, dout: number, ids: number, M: number, E: number): void;

  // ---- cells: pointwise part of one time step (see nn/{rnn,gru,lstm}.ts) ----
  rnnForward(hNext: number, gi: number, gh: number, B: number, H: number): void;
  rnnBackward(dG: number, dh: number, hNext: number, B: number, H: number): void;
  gruForward(hNext: number, gates: number, gi: number, gh: number, hPrev: number, B: number, H: number): void;
  /** dGh may be gh: each value of gh is read before its place is written (the network computes in place). */
  gruBackward(dGi: number, dGh: number, dhPrev: number, dh: number, gates: number, gh: number, hPrev: number, B: number, H: number): void;
  lstmForward(hNext: number, cNext: number, gates: number, gi: number, gh: number, cPrev: number, B: number, H: number): void;
  lstmBackward(dG: number, dcPrev: number, dh: number, dc: number, gates: number, cNext: number, cPrev: number, B: number, H: number): void;

  // ---- output layer ------------------------------------------------------
  /**
   * Softmax cross-entropy over M rows of V logits, fused with its backward.
   * Returns Σ_i −log softmax(logits_i)[targets_i] (in float64). Writes
   * dlogits = scale · (softmax(logits) − onehot(target)); dlogits may equal logits.
   */
  softmaxXent(dlogits: number, logits: number, targets: number, M: number, V: number, scale: number): number;
  /** out(i) = log softmax(logits_i)[targets_i] for M rows (no gradient). */
  logProbRows(out: number, logits: number, targets: number, M: number, V: number): void;

  // ---- drawing a token (inference: one row of scores) ---------------------
  /** max_j x[j] over n ≥ 1 values. */
  rowMax(x: number, n: number): number;
  /**
   * out[j] = exp((x[j] − shift) · scale) for j < n (scale > 0, shift ≥ every x[j]);
   * blocks[b] = Σ out[j] over block b, j in [DRAW_BLOCK·b, DRAW_BLOCK·(b + 1)) ∩ [0, n),
   * summed in float32; returns the sum of the blocks in float64. The block sums let a
   * draw find its token in ⌈n / DRAW_BLOCK⌉ + DRAW_BLOCK steps instead of n.
   */
  expBlocks(out: number, x: number, n: number, shift: number, scale: number, blocks: number): number;

  // ---- the optimizer -----------------------------------------------------
  /**
   * One Adam update of n parameters θ at p from gradients at g, moments at m and v
   * (kernels/ref/update.ts has the equations); stepSize = η / (1 − β₁ᵗ),
   * sqrtC2 = √(1 − β₂ᵗ), wd the L2 weight decay. Bit-identical on every set.
   */
  adamStep(p: number, g: number, m: number, v: number, n: number, beta1: number, beta2: number, eps: number, stepSize: number, sqrtC2: number, wd: number): void;
  /**
   * Dynamic evaluation's step (model/dynamic.ts) over n parameters θ at p,
   * gradients at g and the trained weights θ₀ at p0: θ ← θ + λ(θ₀ − θ) − η g,
   * then g ← 0 for the next segment. Bit-identical on every set.
   */
  adaptStep(p: number, g: number, p0: number, n: number, lr: number, decay: number): void;

  // ---- reduced-precision inference ----------------------------------------
  /**
   * P = W (N,K) rounded to bfloat16 (to nearest, ties to even; NaN stays NaN),
   * rows bf16RowStride(K) halfwords apart and zero padded: bf16Words(N, K)
   * words at p. The same rounding on every set.
   */
  packBf16(p: number, w: number, N: number, K: number): void;
  /** c(N) = P · x(K) + bias(N) for P = packBf16(W) (bias < 0: none): a lone row's matmulNT on W read in half the bytes. */
  matvecBf16(c: number, x: number, p: number, bias: number, N: number, K: number): void;
  /**
   * P = W (N,K) as int8 with one float32 scale per row (kernels/ref/int8.ts has
   * the equations): int8Words(N, K) words at p. The same on every set.
   */
  packInt8(p: number, w: number, N: number, K: number): void;
  /**
   * c(N) = P · x(K) + bias(N) for P = packInt8(W) (bias < 0: none), with x
   * rounded to int16 levels: a lone row's matmulNT on W read in a quarter of
   * the bytes. Exact integer sums, so the same bits on every set.
   */
  matvecInt8(c: number, x: number, p: number, bias: number, N: number, K: number): void;
}

/** Values per block sum of expBlocks. */
export const DRAW_BLOCK = 64;
