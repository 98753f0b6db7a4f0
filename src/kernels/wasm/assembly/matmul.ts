/**
 * Matrix products (see kernels.ts for the contract).
 *
 * NN, TN (and NT with large M and K > 1024) share one blocked GEMM: the output is cut into
 * column blocks of NC and the contraction into blocks of KC; B's block is
 * (optionally) packed into 8-column panels, contiguous along k, and a 4×8
 * register-blocked micro-kernel (8 f32x4 accumulators, A broadcast one scalar
 * at a time) sweeps it for every 4 rows of A. A is read in place through two
 * strides (row, k), which covers both A(M,K) and A(K,M)ᵀ.
 *
 * NT otherwise (input projections, decoder, batch-1 sampling) uses a
 * dot-product kernel instead: A rows and B rows are both contiguous along k,
 * so 2×4 output blocks accumulate f32x4 partial sums along k and are reduced
 * at the end; nothing is packed.
 *
 * The recurrent product of each step (M = the step's rows, 16 with batch 32 on
 * 2 threads) runs as matmulPacked on weights that packWeights laid out as the
 * GEMM's panels once per window: each panel is loaded once per call and swept
 * by every 4-row strip of A while it sits in L1.
 *
 * Every multiply-add is `madd` (common.ts): fused in the fma build.
 */
import { ptr, madd, scratch, KC, NC, MC, SCRATCH_BIAS, SCRATCH_TILE, SCRATCH_PACK, SCRATCH_APACK } from './common';

/** pack B when A has at least this many rows (packing costs ~ one pass over B) */
const PACK_MIN_M: i32 = 64;
/**
 * NT uses the dot-product kernels unless both M ≥ NT_GEMM_MIN_M and
 * K > NT_GEMM_MIN_K (measured: dot 35 vs packed GEMM 28–31 GFLOP/s at the
 * trainer's shapes; the packed GEMM only wins slightly for K ≥ 2048).
 */
const NT_GEMM_MIN_M: i32 = 64;
const NT_GEMM_MIN_K: i32 = 1024;

// ---------------------------------------------------------------------------
// micro-kernels

/** write 8 accumulators of one row: full width, or the first nv columns through the tile */
// @ts-ignore: decorator
@inline function storeRow(pc: usize, x0: v128, x1: v128, nv: i32, accum: bool): void {
  if (nv == 8) {
    if (accum) {
      x0 = f32x4.add(x0, v128.load(pc));
      x1 = f32x4.add(x1, v128.load(pc, 16));
    }
    v128.store(pc, x0);
    v128.store(pc, x1, 16);
  } else {
    const t = scratch + SCRATCH_TILE;
    v128.store(t, x0);
    v128.store(t, x1, 16);
    for (let c = 0; c < nv; c++) {
      const o = pc + (<usize>c << 2);
      const v = load<f32>(t + (<usize>c << 2));
      store<f32>(o, accum ? load<f32>(o) + v : v);
    }
  }
}

/**
 * C[4×8] (+)= Σ_k a(r,k)·B(k, 0..8) (+ init). A element (r,k) at pa + r·rs + k·ks,
 * B row k at pb + k·ldb; init: 8 floats added once (bias), 0 = none.
 */
function mk4x8(pc: usize, ldc: usize, pa: usize, rs: usize, ks: usize, pb: usize, ldb: usize,
  kc: i32, init: usize, nv: i32, accum: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  if (init) {
    c00 = v128.load(init);
    c01 = v128.load(init, 16);
  }
  let c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
  let p0 = pa, p1 = pa + rs, p2 = pa + 2 * rs, p3 = pa + 3 * rs;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(p0);
    c00 = madd(a0, b0, c00);
    c01 = madd(a0, b1, c01);
    const a1 = v128.load32_splat(p1);
    c10 = madd(a1, b0, c10);
    c11 = madd(a1, b1, c11);
    const a2 = v128.load32_splat(p2);
    c20 = madd(a2, b0, c20);
    c21 = madd(a2, b1, c21);
    const a3 = v128.load32_splat(p3);
    c30 = madd(a3, b0, c30);
    c31 = madd(a3, b1, c31);
    p0 += ks; p1 += ks; p2 += ks; p3 += ks;
    pb += ldb;
  }
  storeRow(pc, c00, c01, nv, accum);
  storeRow(pc + ldc, c10, c11, nv, accum);
  storeRow(pc + 2 * ldc, c20, c21, nv, accum);
  storeRow(pc + 3 * ldc, c30, c31, nv, accum);
}

/** write 4 accumulators of one row: full width, or the first nv columns */
// @ts-ignore: decorator
@inline function storeRow4(pc: usize, x: v128, nv: i32, accum: bool): void {
  if (nv == 4) {
    if (accum) x = f32x4.add(x, v128.load(pc));
    v128.store(pc, x);
  } else {
    const t = scratch + SCRATCH_TILE;
    v128.store(t, x);
    for (let c = 0; c < nv; c++) {
      const o = pc + (<usize>c << 2);
      const v = load<f32>(t + (<usize>c << 2));
      store<f32>(o, accum ? load<f32>(o) + v : v);
    }
  }
}

/** 4×4 variant for a last panel of ≤ 4 columns (half the work of 4×8 there) */
function mk4x4(pc: usize, ldc: usize, pa: usize, rs: usize, ks: usize, pb: usize, ldb: usize,
  kc: i32, init: usize, nv: i32, accum: bool): void {
  let c0 = f32x4.splat(0);
  if (init) c0 = v128.load(init);
  let c1 = c0, c2 = c0, c3 = c0;
  let p0 = pa, p1 = pa + rs, p2 = pa + 2 * rs, p3 = pa + 3 * rs;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    c0 = madd(v128.load32_splat(p0), b0, c0);
    c1 = madd(v128.load32_splat(p1), b0, c1);
    c2 = madd(v128.load32_splat(p2), b0, c2);
    c3 = madd(v128.load32_splat(p3), b0, c3);
    p0 += ks; p1 += ks; p2 += ks; p3 += ks;
    pb += ldb;
  }
  storeRow4(pc, c0, nv, accum);
  storeRow4(pc + ldc, c1, nv, accum);
  storeRow4(pc + 2 * ldc, c2, nv, accum);
  storeRow4(pc + 3 * ldc, c3, nv, accum);
}

/** one row of the above (M tails) */
function mk1x8(pc: usize, pa: usize, ks: usize, pb: usize, ldb: usize, kc: i32, init: usize, nv: i32, accum: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  if (init) {
    c0 = v128.load(init);
    c1 = v128.load(init, 16);
  }
  for (let k = 0; k < kc; k++) {
    const a = v128.load32_splat(pa);
    c0 = madd(a, v128.load(pb), c0);
    c1 = madd(a, v128.load(pb, 16), c1);
    pa += ks;
    pb += ldb;
  }
  storeRow(pc, c0, c1, nv, accum);
}

// ---------------------------------------------------------------------------
// packing

/**
 * Panel p of the (kc × nc) block at (k0, j0) of B into dst as kc rows of 8
 * floats (columns past nc zero). bT: B is stored (N,K) (NT), else (K,N).
 */
function packPanel(dst: usize, b: usize, bT: bool, N: i32, K: i32, k0: i32, j0: i32, kc: i32, nv: i32): void {
  if (!bT) {
    let src = b + ((<usize>k0 * <usize>N + <usize>j0) << 2);
    const ldb = <usize>N << 2;
    if (nv == 8) {
      for (let k = 0; k < kc; k++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += ldb;
        dst += 32;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        v128.store(dst, f32x4.splat(0));
        v128.store(dst, f32x4.splat(0), 16);
        for (let c = 0; c < nv; c++) store<f32>(dst + (<usize>c << 2), load<f32>(src + (<usize>c << 2)));
        src += ldb;
        dst += 32;
      }
    }
  } else {
    // B(j, k) at b + (j·K + k)·4: transpose 8 rows of B into the panel
    const ldb = <usize>K << 2;
    let src = b + ((<usize>j0 * <usize>K + <usize>k0) << 2);
    let k = 0;
    if (nv == 8) {
      // 4×4 transposes: rows j..j+4, columns k..k+4
      for (; k + 4 <= kc; k += 4) {
        for (let h = 0; h < 2; h++) {
          const s = src + <usize>(4 * h) * ldb + (<usize>k << 2);
          const r0 = v128.load(s), r1 = v128.load(s + ldb), r2 = v128.load(s + 2 * ldb), r3 = v128.load(s + 3 * ldb);
          const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5); // r0k0 r1k0 r0k1 r1k1
          const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5); // r2k0 r3k0 r2k1 r3k1
          const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7); // r0k2 r1k2 r0k3 r1k3
          const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
          const d = dst + (<usize>k << 5) + (<usize>h << 4);
          v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(d + 32, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
          v128.store(d + 64, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
          v128.store(d + 96, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
        }
      }
    }
    for (; k < kc; k++) {
      const d = dst + (<usize>k << 5);
      v128.store(d, f32x4.splat(0));
      v128.store(d, f32x4.splat(0), 16);
      for (let c = 0; c < nv; c++) {
        store<f32>(d + (<usize>c << 2), load<f32>(src + <usize>c * ldb + (<usize>k << 2)));
      }
    }
  }
}

/**
 * Rows i..i+3 of A over kc steps of k into dst as kc groups of 4 floats
 * (a(i,k) a(i+1,k) a(i+2,k) a(i+3,k)), so the micro-kernel reads A
 * contiguously. A(r,k) at pa + r·rs + k·ks. For Aᵀ (rs = 4) each group is one
 * 16-byte load; for A (ks = 4) 4×4 blocks are transposed.
 * Without it, Aᵀ with M·4 a multiple of 4 KiB (an LSTM's 4H = 1024 gate
 * columns) puts every k step of the strip in one L1 set, and the strip is
 * re-read from L2 for each panel of B.
 */
function packA4(dst: usize, pa: usize, rs: usize, ks: usize, kc: i32): void {
  if (rs == 4) {
    for (let k = 0; k < kc; k++) {
      v128.store(dst, v128.load(pa));
      pa += ks;
      dst += 16;
    }
    return;
  }
  let k = 0;
  for (; k + 4 <= kc; k += 4) {
    const r0 = v128.load(pa), r1 = v128.load(pa + rs), r2 = v128.load(pa + 2 * rs), r3 = v128.load(pa + 3 * rs);
    const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5); // r0k0 r1k0 r0k1 r1k1
    const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5); // r2k0 r3k0 r2k1 r3k1
    const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7); // r0k2 r1k2 r0k3 r1k3
    const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
    v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
    v128.store(dst, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
    v128.store(dst, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
    v128.store(dst, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
    pa += 4 * ks;
    dst += 64;
  }
  for (; k < kc; k++) {
    store<f32>(dst, load<f32>(pa));
    store<f32>(dst, load<f32>(pa + rs), 4);
    store<f32>(dst, load<f32>(pa + 2 * rs), 8);
    store<f32>(dst, load<f32>(pa + 3 * rs), 12);
    pa += ks;
    dst += 16;
  }
}

// ---------------------------------------------------------------------------
// blocked GEMM

/**
 * C(M,N) (+)= a·B (+ bias): a(i,k) at a + i·rs + k·ks (bytes), B as in packPanel.
 * pack: pack every panel of B (else only a partial last panel; never for bT).
 */
function gemm(c: usize, a: usize, rs: usize, ks: usize, b: usize, bT: bool, bias: usize,
  M: i32, N: i32, K: i32, acc: bool, pack: bool): void {
  const ldc = <usize>N << 2;
  if (bT) pack = true;
  if (K == 0) {
    // nothing to contract: C = (C +) bias
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        const o = c + <usize>i * ldc + (<usize>j << 2);
        const v: f32 = bias ? load<f32>(bias + (<usize>j << 2)) : 0;
        store<f32>(o, acc ? load<f32>(o) + v : v);
      }
    }
    return;
  }
  const biasPad = scratch + SCRATCH_BIAS;
  const pk = scratch + SCRATCH_PACK;
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = min(NC, N - j0);
    const np = (nc + 7) >> 3;
    const full = nc >> 3; // panels of 8 valid columns
    if (bias) {
      for (let j = 0; j < np * 8; j++) {
        store<f32>(biasPad + (<usize>j << 2), j < nc ? load<f32>(bias + (<usize>(j0 + j) << 2)) : 0);
      }
    }
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      const pstride = <usize>kc << 5; // bytes per packed panel
      if (pack) {
        for (let p = 0; p < np; p++) packPanel(pk + <usize>p * pstride, b, bT, N, K, k0, j0 + 8 * p, kc, min(8, nc - 8 * p));
      } else if (full < np) {
        packPanel(pk + <usize>full * pstride, b, bT, N, K, k0, j0 + 8 * full, kc, nc - 8 * full);
      }
      const init: usize = bias && k0 == 0 ? biasPad : 0;
      const accum = acc || k0 > 0;
      const aK = a + <usize>k0 * ks;
      const ldbIn = <usize>N << 2;
      const bIn = b + ((<usize>k0 * <usize>N + <usize>j0) << 2);
      // pack each strip of 4 rows of A when it is swept by several panels of B
      const packA = np > 1;
      const apk = scratch + SCRATCH_APACK;
      let i = 0;
      for (; i + 4 <= M; i += 4) {
        let pa = aK + <usize>i * rs, prs = rs, pks = ks;
        if (packA) {
          packA4(apk, pa, rs, ks, kc);
          pa = apk;
          prs = 4;
          pks = 16;
        }
        const pcRow = c + <usize>i * ldc + (<usize>j0 << 2);
        for (let p = 0; p < np; p++) {
          const inPlace = !pack && p < full;
          const nv = min(8, nc - 8 * p);
          if (nv <= 4) {
            // last panel with ≤ 4 columns: always packed (zero-padded) here
            mk4x4(pcRow + (<usize>p << 5), ldc, pa, prs, pks, pk + <usize>p * pstride, 32,
              kc, init ? init + (<usize>p << 5) : 0, nv, accum);
            continue;
          }
          mk4x8(pcRow + (<usize>p << 5), ldc, pa, prs, pks,
            inPlace ? bIn + (<usize>p << 5) : pk + <usize>p * pstride, inPlace ? ldbIn : 32,
            kc, init ? init + (<usize>p << 5) : 0, min(8, nc - 8 * p), accum);
        }
      }
      for (; i < M; i++) {
        const pa = aK + <usize>i * rs;
        const pcRow = c + <usize>i * ldc + (<usize>j0 << 2);
        for (let p = 0; p < np; p++) {
          const inPlace = !pack && p < full;
          mk1x8(pcRow + (<usize>p << 5), pa, ks,
            inPlace ? bIn + (<usize>p << 5) : pk + <usize>p * pstride, inPlace ? ldbIn : 32,
            kc, init ? init + (<usize>p << 5) : 0, min(8, nc - 8 * p), accum);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// dot-product NT kernels

/** [Σ s0, Σ s1, Σ s2, Σ s3] */
// @ts-ignore: decorator
@inline function reduce4(s0: v128, s1: v128, s2: v128, s3: v128): v128 {
  const u0 = f32x4.add(v128.shuffle<f32>(s0, s1, 0, 4, 1, 5), v128.shuffle<f32>(s0, s1, 2, 6, 3, 7));
  const u1 = f32x4.add(v128.shuffle<f32>(s2, s3, 0, 4, 1, 5), v128.shuffle<f32>(s2, s3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(u0, u1, 0, 1, 4, 5), v128.shuffle<f32>(u0, u1, 2, 3, 6, 7));
}

// @ts-ignore: decorator
@inline function finish4(pc: usize, v: v128, bias: usize, accum: bool): void {
  if (bias) v = f32x4.add(v, v128.load(bias));
  if (accum) v = f32x4.add(v, v128.load(pc));
  v128.store(pc, v);
}

/** C rows i, i+1, columns j..j+4: dot products of A rows (pa, pa+lda) with B rows (pb + c·lda) */
function dot2x4(pc: usize, ldc: usize, pa: usize, pb: usize, lda: usize, K: i32, bias: usize, accum: bool): void {
  let s00 = f32x4.splat(0), s01 = s00, s02 = s00, s03 = s00;
  let s10 = s00, s11 = s00, s12 = s00, s13 = s00;
  const pa1 = pa + lda;
  const pb1 = pb + lda, pb2 = pb + 2 * lda, pb3 = pb + 3 * lda;
  const K4 = <usize>(K & ~3) << 2;
  for (let o: usize = 0; o < K4; o += 16) {
    const a0 = v128.load(pa + o), a1 = v128.load(pa1 + o);
    const b0 = v128.load(pb + o);
    s00 = madd(a0, b0, s00);
    s10 = madd(a1, b0, s10);
    const b1 = v128.load(pb1 + o);
    s01 = madd(a0, b1, s01);
    s11 = madd(a1, b1, s11);
    const b2 = v128.load(pb2 + o);
    s02 = madd(a0, b2, s02);
    s12 = madd(a1, b2, s12);
    const b3 = v128.load(pb3 + o);
    s03 = madd(a0, b3, s03);
    s13 = madd(a1, b3, s13);
  }
  let v0 = reduce4(s00, s01, s02, s03);
  let v1 = reduce4(s10, s11, s12, s13);
  for (let o = K4; o < (<usize>K << 2); o += 4) {
    const bv = column4(pb, pb1, pb2, pb3, o);
    v0 = madd(v128.load32_splat(pa + o), bv, v0);
    v1 = madd(v128.load32_splat(pa1 + o), bv, v1);
  }
  finish4(pc, v0, bias, accum);
  finish4(pc + ldc, v1, bias, accum);
}

/** one row of the above (M tails, batch-1 sampling) */
function dot1x4(pc: usize, pa: usize, pb: usize, lda: usize, K: i32, bias: usize, accum: bool): void {
  let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
  const pb1 = pb + lda, pb2 = pb + 2 * lda, pb3 = pb + 3 * lda;
  const K4 = <usize>(K & ~3) << 2;
  for (let o: usize = 0; o < K4; o += 16) {
    const a0 = v128.load(pa + o);
    s0 = madd(a0, v128.load(pb + o), s0);
    s1 = madd(a0, v128.load(pb1 + o), s1);
    s2 = madd(a0, v128.load(pb2 + o), s2);
    s3 = madd(a0, v128.load(pb3 + o), s3);
  }
  let v = reduce4(s0, s1, s2, s3);
  for (let o = K4; o < (<usize>K << 2); o += 4) v = madd(v128.load32_splat(pa + o), column4(pb, pb1, pb2, pb3, o), v);
  finish4(pc, v, bias, accum);
}

/** (b0[o], b1[o], b2[o], b3[o]): one k of four B rows (K tails) */
// @ts-ignore: decorator
@inline function column4(b0: usize, b1: usize, b2: usize, b3: usize, o: usize): v128 {
  let v = f32x4.splat(load<f32>(b0 + o));
  v = f32x4.replace_lane(v, 1, load<f32>(b1 + o));
  v = f32x4.replace_lane(v, 2, load<f32>(b2 + o));
  return f32x4.replace_lane(v, 3, load<f32>(b3 + o));
}

/**
 * One A row against B rows j..j+8: dot1x4 twice with the A load shared. Eight
 * independent sums keep both multiply-add pipes busy (four leave them waiting on
 * the adds' latency), which a lone row (batch-1 inference) needs most; each
 * output is summed exactly as dot1x4 sums it.
 */
function dot1x8(pc: usize, pa: usize, pb: usize, lda: usize, K: i32, bias: usize, accum: bool): void {
  let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
  const pb1 = pb + lda, pb2 = pb + 2 * lda, pb3 = pb + 3 * lda;
  const pb4 = pb + 4 * lda, pb5 = pb + 5 * lda, pb6 = pb + 6 * lda, pb7 = pb + 7 * lda;
  const K4 = <usize>(K & ~3) << 2;
  for (let o: usize = 0; o < K4; o += 16) {
    const a0 = v128.load(pa + o);
    s0 = madd(a0, v128.load(pb + o), s0);
    s1 = madd(a0, v128.load(pb1 + o), s1);
    s2 = madd(a0, v128.load(pb2 + o), s2);
    s3 = madd(a0, v128.load(pb3 + o), s3);
    s4 = madd(a0, v128.load(pb4 + o), s4);
    s5 = madd(a0, v128.load(pb5 + o), s5);
    s6 = madd(a0, v128.load(pb6 + o), s6);
    s7 = madd(a0, v128.load(pb7 + o), s7);
  }
  let v = reduce4(s0, s1, s2, s3), w = reduce4(s4, s5, s6, s7);
  for (let o = K4; o < (<usize>K << 2); o += 4) {
    const av = v128.load32_splat(pa + o);
    v = madd(av, column4(pb, pb1, pb2, pb3, o), v);
    w = madd(av, column4(pb4, pb5, pb6, pb7, o), w);
  }
  finish4(pc, v, bias, accum);
  finish4(pc + 16, w, bias ? bias + 16 : 0, accum);
}

/** a single dot product (N tails) */
function dot1(pa: usize, pb: usize, K: i32): f32 {
  let s0 = f32x4.splat(0), s1 = s0;
  const K8 = <usize>(K & ~7) << 2, K4 = <usize>(K & ~3) << 2;
  let o: usize = 0;
  for (; o < K8; o += 32) {
    s0 = madd(v128.load(pa + o), v128.load(pb + o), s0);
    s1 = madd(v128.load(pa + o, 16), v128.load(pb + o, 16), s1);
  }
  for (; o < K4; o += 16) s0 = madd(v128.load(pa + o), v128.load(pb + o), s0);
  const s = f32x4.add(s0, s1);
  const t = f32x4.add(s, v128.shuffle<f32>(s, s, 2, 3, 0, 1));
  let r = f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1);
  for (; o < (<usize>K << 2); o += 4) r += load<f32>(pa + o) * load<f32>(pb + o);
  return r;
}

function ntDot(c: usize, a: usize, b: usize, bias: usize, M: i32, N: i32, K: i32, acc: bool): void {
  const ldc = <usize>N << 2, lda = <usize>K << 2;
  // rows per block: keep the A block (≤ 64 KiB) cached while B rows stream by 4
  const MC = max(2, (16384 / max(K, 1)) & ~1);
  const N4 = N & ~3;
  for (let i0 = 0; i0 < M; i0 += MC) {
    const i1 = min(M, i0 + MC), pairs = i0 + ((i1 - i0) & ~1);
    for (let j = 0; j < N4; j += 4) {
      const pb = b + <usize>j * lda;
      const pbias: usize = bias ? bias + (<usize>j << 2) : 0;
      for (let i = i0; i < pairs; i += 2) dot2x4(c + <usize>i * ldc + (<usize>j << 2), ldc, a + <usize>i * lda, pb, lda, K, pbias, acc);
    }
    if (pairs < i1) {
      // the odd row: B rows by 8, then by 4
      const pc = c + <usize>pairs * ldc, pa = a + <usize>pairs * lda;
      let j = 0;
      for (; j + 8 <= N4; j += 8) dot1x8(pc + (<usize>j << 2), pa, b + <usize>j * lda, lda, K, bias ? bias + (<usize>j << 2) : 0, acc);
      for (; j < N4; j += 4) dot1x4(pc + (<usize>j << 2), pa, b + <usize>j * lda, lda, K, bias ? bias + (<usize>j << 2) : 0, acc);
    }
    for (let j = N4; j < N; j++) {
      const pb = b + <usize>j * lda;
      const bj: f32 = bias ? load<f32>(bias + (<usize>j << 2)) : 0;
      for (let i = i0; i < i1; i++) {
        const o = c + <usize>i * ldc + (<usize>j << 2);
        const v = dot1(a + <usize>i * lda, pb, K) + bj;
        store<f32>(o, acc ? load<f32>(o) + v : v);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// products with weights packed once (the recurrent product of every step)

/**
 * P = W packed as ⌈N/8⌉ panels of K rows of 8 floats (columns past N zero),
 * panel p holding output columns 8p..8p+7: the layout the GEMM packs B into,
 * made once per window instead of once per call. nk: W is stored (N,K)
 * (matmulNT's B), else (K,N) (matmulNN's B).
 */
export function packWeights(p: i32, w: i32, N: i32, K: i32, nk: i32): void {
  const np = (N + 7) >> 3, pstride = <usize>K << 5;
  for (let q = 0; q < np; q++) packPanel(ptr(p) + <usize>q * pstride, ptr(w), nk != 0, N, K, 0, 8 * q, K, min(8, N - 8 * q));
}

/**
 * C(M,N) (+)= A(M,K) · P + bias(N) for P = packWeights(W): the same product
 * as matmulNT (W (N,K)) or matmulNN (W (K,N)). Made for small M (the B rows of
 * one step): per block of KC steps of k, all of A's rows (up to MC at a time)
 * are packed into 4-row strips, then each panel of P is loaded once and swept
 * by every strip while it sits in L1.
 */
export function matmulPacked(c: i32, a: i32, p: i32, bias: i32, M: i32, N: i32, K: i32, acc: i32): void {
  const pc = ptr(c), pa0 = ptr(a), pp = ptr(p);
  const pbias: usize = bias >= 0 ? ptr(bias) : 0;
  if (K == 0) {
    ntDot(pc, pa0, pp, pbias, M, N, 0, acc != 0); // C = (C +) bias
    return;
  }
  const ldc = <usize>N << 2, lda = <usize>K << 2;
  const np = (N + 7) >> 3, pstride = <usize>K << 5;
  const apk = scratch + SCRATCH_APACK, biasPanel = scratch + SCRATCH_BIAS;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const accum = acc != 0 || k0 > 0;
    for (let i0 = 0; i0 < M; i0 += MC) {
      const mc = min(MC, M - i0), strips = mc >> 2;
      const aBlock = pa0 + <usize>i0 * lda + (<usize>k0 << 2);
      const sstride = <usize>kc << 4; // bytes per packed strip
      for (let s = 0; s < strips; s++) packA4(apk + <usize>s * sstride, aBlock + <usize>(4 * s) * lda, lda, 4, kc);
      for (let q = 0; q < np; q++) {
        const nv = min(8, N - 8 * q);
        let init: usize = 0;
        if (pbias && k0 == 0) {
          for (let j = 0; j < 8; j++) store<f32>(biasPanel + (<usize>j << 2), j < nv ? load<f32>(pbias + (<usize>(8 * q + j) << 2)) : 0);
          init = biasPanel;
        }
        const pb = pp + <usize>q * pstride + (<usize>k0 << 5);
        const pcCol = pc + <usize>i0 * ldc + (<usize>q << 5);
        for (let s = 0; s < strips; s++) {
          mk4x8(pcCol + <usize>(4 * s) * ldc, ldc, apk + <usize>s * sstride, 4, 16, pb, 32, kc, init, nv, accum);
        }
        for (let i = 4 * strips; i < mc; i++) {
          mk1x8(pcCol + <usize>i * ldc, aBlock + <usize>i * lda, 4, pb, 32, kc, init, nv, accum);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// exports

export function matmulNT(c: i32, a: i32, b: i32, bias: i32, M: i32, N: i32, K: i32, acc: i32): void {
  const pbias: usize = bias >= 0 ? ptr(bias) : 0;
  if (M < NT_GEMM_MIN_M || K <= NT_GEMM_MIN_K) ntDot(ptr(c), ptr(a), ptr(b), pbias, M, N, K, acc != 0);
  else gemm(ptr(c), ptr(a), <usize>K << 2, 4, ptr(b), true, pbias, M, N, K, acc != 0, true);
}

export function matmulNN(c: i32, a: i32, b: i32, M: i32, N: i32, K: i32, acc: i32): void {
  gemm(ptr(c), ptr(a), <usize>K << 2, 4, ptr(b), false, 0, M, N, K, acc != 0, M >= PACK_MIN_M);
}

export function matmulTN(c: i32, a: i32, b: i32, M: i32, N: i32, K: i32, acc: i32): void {
  gemm(ptr(c), ptr(a), 4, <usize>M << 2, ptr(b), false, 0, M, N, K, acc != 0, M >= PACK_MIN_M);
}

export function colSumAcc(out: i32, a: i32, M: i32, N: i32): void {
  const po = ptr(out), ldA = <usize>N << 2;
  let j = 0;
  for (; j + 16 <= N; j += 16) {
    const o = po + (<usize>j << 2);
    let s0 = v128.load(o), s1 = v128.load(o, 16), s2 = v128.load(o, 32), s3 = v128.load(o, 48);
    let p = ptr(a) + (<usize>j << 2);
    for (let i = 0; i < M; i++) {
      s0 = f32x4.add(s0, v128.load(p));
      s1 = f32x4.add(s1, v128.load(p, 16));
      s2 = f32x4.add(s2, v128.load(p, 32));
      s3 = f32x4.add(s3, v128.load(p, 48));
      p += ldA;
    }
    v128.store(o, s0); v128.store(o, s1, 16); v128.store(o, s2, 32); v128.store(o, s3, 48);
  }
  for (; j + 4 <= N; j += 4) {
    const o = po + (<usize>j << 2);
    let s = v128.load(o);
    let p = ptr(a) + (<usize>j << 2);
    for (let i = 0; i < M; i++) {
      s = f32x4.add(s, v128.load(p));
      p += ldA;
    }
    v128.store(o, s);
  }
  for (; j < N; j++) {
    const o = po + (<usize>j << 2);
    let s = load<f32>(o);
    let p = ptr(a) + (<usize>j << 2);
    for (let i = 0; i < M; i++) {
      s += load<f32>(p);
      p += ldA;
    }
    store<f32>(o, s);
  }
}
