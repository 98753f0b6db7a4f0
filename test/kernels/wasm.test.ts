/**
 * The WebAssembly SIMD kernels against the scalar reference (the spec): each
 * kernel on random odd sizes, with and without accumulation and bias, and a
 * whole Network (forward, loss, backward) on wasm vs reference kernels.
 * Both kernel sets run on the same heap (the wasm memory), on copies of the
 * same inputs.
 */
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { HeapPlan } from '../../src/core/heap.js';
import { Rng } from '../../src/core/rng.js';
import { createKernels, createWasmMemory, KERNEL_SETS, kernelModule, SCRATCH_WORDS, wasmKernelsOn, type Kernels, type WasmBuild, kernelReport, packedWeightWords } from '../../src/kernels/index.js';
import { referenceKernels } from '../../src/kernels/ref/index.js';
import { DRAW_BLOCK } from '../../src/kernels/kernels.js';
import { Network } from '../../src/nn/network.js';
import { makeNetwork, randomWindow, tinyConfig, type Drops } from '../helpers/net.js';
import type { CellType } from '../../src/nn/config.js';

const WORDS = 4_000_000;
/** both WebAssembly builds, each against the reference */
const BUILDS: WasmBuild[] = ['simd', 'fma'];
let wasm: Kernels;
let ref: Kernels;
let f: Float32Array;
let i32: Int32Array;
let top = 0;
const rng = new Rng(7);

/** the build under test in the describe block that is running */
function useBuild(build: WasmBuild): void {
  beforeAll(async () => {
    wasm = await createKernels(build, WORDS);
    expect(wasm.name).toBe(build);
    ref = referenceKernels(wasm.heap);
    f = wasm.heap.f32;
    i32 = wasm.heap.i32;
  });
}

/** bump allocation of test regions; reset per test */
function region(n: number, lo = -1, hi = 1): number {
  const off = top;
  top = ((top + n + 3) & ~3) + 4; // a gap, and misaligned sizes stay misaligned
  if (top > WORDS) throw new Error('test heap exhausted');
  for (let i = 0; i < n; i++) f[off + i] = rng.uniform(lo, hi);
  return off;
}
function reset(): void {
  top = 1024;
}
/** worst |x − y| / max(1, |y|) over n words */
function relErr(x: number, y: number, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(f[x + i] - f[y + i]) / Math.max(1, Math.abs(f[y + i]));
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}
function copy(src: number, n: number): number {
  const off = region(n);
  f.copyWithin(off, src, src + n);
  return off;
}

const SIZES = [1, 3, 7, 17, 33, 65, 130];
const TOL = 1e-5;

type Layout = 'NT' | 'NN' | 'TN';
function checkMatmul(layout: Layout, M: number, N: number, K: number, acc: boolean, bias: boolean): number {
  reset();
  const a = region(M * K), b = region(N * K);
  const bs = bias ? region(N) : -1;
  const c1 = region(M * N), c2 = copy(c1, M * N);
  const run = (k: Kernels, c: number): void => {
    if (layout === 'NT') k.matmulNT(c, a, b, bs, M, N, K, acc);
    else if (layout === 'NN') k.matmulNN(c, a, b, M, N, K, acc);
    else k.matmulTN(c, a, b, M, N, K, acc);
  };
  run(ref, c1);
  run(wasm, c2);
  return relErr(c2, c1, M * N);
}

for (const build of BUILDS) {
  describe(`${build} build`, () => {
    useBuild(build);

    describe('wasm matmul vs reference', () => {
      for (const layout of ['NT', 'NN', 'TN'] as const) {
        it(`${layout}: M, N over {${SIZES.join(',')}}, K varied, acc and bias`, () => {
          let worst = 0, n = 0;
          for (const M of SIZES) {
            for (const N of SIZES) {
              const K = SIZES[(M * 7 + N * 3) % SIZES.length];
              for (const acc of [false, true]) {
                const bias = layout === 'NT' && (M + N + (acc ? 1 : 0)) % 2 === 0;
                const e = checkMatmul(layout, M, N, K, acc, bias);
                if (e > TOL) throw new Error(`${layout} M=${M} N=${N} K=${K} acc=${acc} bias=${bias}: error ${e}`);
                worst = Math.max(worst, e);
                n++;
              }
            }
          }
          expect(n).toBe(2 * SIZES.length ** 2);
          expect(worst).toBeLessThan(TOL);
        });
        it(`${layout}: every K in {${SIZES.join(',')}} at M=65 (packed), M=7 and M=1`, () => {
          for (const K of SIZES) {
            for (const M of [65, 7, 1]) {
              expect(checkMatmul(layout, M, 33, K, false, layout === 'NT')).toBeLessThan(TOL);
              expect(checkMatmul(layout, M, 130, K, true, false)).toBeLessThan(TOL);
            }
          }
        });
        it(`${layout}: blocks larger than the cache tiles (N > 512, K > 256)`, () => {
          // the reference NN/TN accumulate in float32 too, so its own rounding grows with K
          const tol = (K: number): number => TOL * Math.max(1, K / 256);
          expect(checkMatmul(layout, 70, 601, 263, false, layout === 'NT')).toBeLessThan(tol(263));
          expect(checkMatmul(layout, 5, 523, 517, true, layout === 'NT')).toBeLessThan(tol(517));
          expect(checkMatmul(layout, 67, 9, 1030, true, false)).toBeLessThan(tol(1030));
          // NT with M ≥ 64 and K > 1024 takes the packed GEMM (transposed packing, bias over two k blocks)
          expect(checkMatmul(layout, 66, 523, 1031, false, layout === 'NT')).toBeLessThan(tol(1031));
        });
      }
      it('NT, a lone row and an odd last row: B rows by 8, then by 4, then one by one', () => {
        for (const M of [1, 3]) {
          for (const N of [8, 12, 13, 20, 29, 523]) {
            for (const K of [4, 7, 256, 263]) {
              expect(checkMatmul('NT', M, N, K, false, true)).toBeLessThan(TOL * Math.max(1, K / 256));
              expect(checkMatmul('NT', M, N, K, true, false)).toBeLessThan(TOL * Math.max(1, K / 256));
            }
          }
        }
      });
      it('K = 0 gives the bias (or leaves C)', () => {
        for (const layout of ['NT', 'NN', 'TN'] as const) {
          expect(checkMatmul(layout, 5, 9, 0, false, true)).toBe(0);
          expect(checkMatmul(layout, 70, 9, 0, true, true)).toBe(0);
        }
      });
      it('packWeights + matmulPacked = matmulNT (W (N,K)) and matmulNN (W (K,N)): odd sizes, several k blocks, acc, bias', () => {
        const tol = (K: number): number => TOL * Math.max(1, K / 256);
        let n = 0;
        for (const [M, N, K] of [[1, 1, 1], [3, 7, 5], [16, 33, 17], [17, 130, 65], [5, 9, 263], [70, 13, 7], [133, 21, 3], [16, 1024, 256], [16, 256, 1030], [4, 12, 0], [1, 768, 256], [3, 70, 300], [21, 100, 513]]) {
          for (const nk of [true, false]) {
            for (const acc of [false, true]) {
              const bias = nk && (M + N + (acc ? 1 : 0)) % 2 === 0;
              reset();
              const a = region(M * K), w = region(N * K), bs = bias ? region(N) : -1;
              const p1 = region(packedWeightWords(N, K)), p2 = region(packedWeightWords(N, K));
              const c0 = region(M * N), c1 = copy(c0, M * N), c2 = copy(c0, M * N);
              // the plain products are the spec (reference kernels)
              if (nk) ref.matmulNT(c1, a, w, bs, M, N, K, acc);
              else ref.matmulNN(c1, a, w, M, N, K, acc);
              ref.packWeights(p1, w, N, K, nk);
              ref.matmulPacked(c0, a, p1, bs, M, N, K, acc);
              expect(relErr(c0, c1, M * N)).toBeLessThan(tol(K));
              wasm.packWeights(p2, w, N, K, nk);
              wasm.matmulPacked(c2, a, p2, bs, M, N, K, acc);
              const e = relErr(c2, c1, M * N);
              if (!(e < tol(K))) throw new Error(`packed M=${M} N=${N} K=${K} nk=${nk} acc=${acc} bias=${bias}: error ${e}`);
              n++;
            }
          }
        }
        expect(n).toBe(52);
      });
      it('matmulPacked: a row\'s outputs are the same bits alone (batch-1 sampling) as among other rows (scoring)', () => {
        for (const [M, N, K] of [[9, 768, 256], [6, 70, 300], [5, 97, 33]]) {
          reset();
          const a = region(M * K), w = region(N * K), bs = region(N), p = region(packedWeightWords(N, K));
          const all = region(M * N), one = region(N);
          wasm.packWeights(p, w, N, K, true);
          wasm.matmulPacked(all, a, p, bs, M, N, K, false);
          for (let i = 0; i < M; i++) {
            wasm.matmulPacked(one, a + i * K, p, bs, 1, N, K, false);
            const f = wasm.heap.f32;
            expect(Array.from(f.subarray(one, one + N)), `row ${i} of ${M}×${N}×${K}`).toEqual(Array.from(f.subarray(all + i * N, all + (i + 1) * N)));
          }
        }
      });
      it('colSumAcc', () => {
        for (const M of SIZES) {
          for (const N of [1, 3, 4, 17, 33, 65, 130]) {
            reset();
            const a = region(M * N), o1 = region(N), o2 = copy(o1, N);
            ref.colSumAcc(o1, a, M, N);
            wasm.colSumAcc(o2, a, M, N);
            expect(relErr(o2, o1, N)).toBeLessThan(TOL);
          }
        }
      });
    });

    describe('wasm embedding vs reference', () => {
      it('gatherRows / scatterAddRows', () => {
        for (const E of [1, 3, 7, 65, 130]) {
          reset();
          const V = 11, M = 29;
          const table = region(V * E), ids = region(M);
          for (let i = 0; i < M; i++) i32[ids + i] = rng.int(V);
          const o1 = region(M * E), o2 = region(M * E);
          ref.gatherRows(o1, table, ids, M, E);
          wasm.gatherRows(o2, table, ids, M, E);
          expect(relErr(o2, o1, M * E)).toBe(0);
          const d1 = region(V * E), d2 = copy(d1, V * E);
          ref.scatterAddRows(d1, o1, ids, M, E);
          wasm.scatterAddRows(d2, o1, ids, M, E);
          expect(relErr(d2, d1, V * E)).toBeLessThan(TOL);
        }
      });
    });

    describe('wasm cells vs reference', () => {
      const shapes: [number, number][] = [[1, 1], [3, 7], [2, 17], [5, 33], [1, 65], [4, 130]];
      it('rnn forward/backward', () => {
        for (const [B, H] of shapes) {
          reset();
          const gi = region(B * H, -4, 4), gh = region(B * H, -4, 4), dh = region(B * H);
          const h1 = region(B * H), h2 = region(B * H);
          ref.rnnForward(h1, gi, gh, B, H);
          wasm.rnnForward(h2, gi, gh, B, H);
          expect(relErr(h2, h1, B * H)).toBeLessThan(TOL);
          const g1 = region(B * H), g2 = region(B * H);
          ref.rnnBackward(g1, dh, h1, B, H);
          wasm.rnnBackward(g2, dh, h1, B, H);
          expect(relErr(g2, g1, B * H)).toBeLessThan(TOL);
        }
      });
      it('gru forward/backward', () => {
        for (const [B, H] of shapes) {
          reset();
          const G = 3 * H;
          const gi = region(B * G, -4, 4), gh = region(B * G, -4, 4), hp = region(B * H), dh = region(B * H);
          const h1 = region(B * H), h2 = region(B * H), q1 = region(B * G), q2 = region(B * G);
          ref.gruForward(h1, q1, gi, gh, hp, B, H);
          wasm.gruForward(h2, q2, gi, gh, hp, B, H);
          expect(relErr(h2, h1, B * H)).toBeLessThan(TOL);
          expect(relErr(q2, q1, B * G)).toBeLessThan(TOL);
          const di1 = region(B * G), di2 = region(B * G), dg1 = region(B * G), dg2 = region(B * G);
          const dp1 = region(B * H), dp2 = region(B * H);
          ref.gruBackward(di1, dg1, dp1, dh, q1, gh, hp, B, H);
          wasm.gruBackward(di2, dg2, dp2, dh, q1, gh, hp, B, H);
          expect(relErr(di2, di1, B * G)).toBeLessThan(TOL);
          expect(relErr(dg2, dg1, B * G)).toBeLessThan(TOL);
          expect(relErr(dp2, dp1, B * H)).toBeLessThan(TOL);
          // in place (dGh over gh, as the network calls it): the same values, bit for bit
          const ip1 = copy(gh, B * G), ip2 = copy(gh, B * G);
          ref.gruBackward(di1, ip1, dp1, dh, q1, ip1, hp, B, H);
          wasm.gruBackward(di2, ip2, dp2, dh, q1, ip2, hp, B, H);
          expect(relErr(ip1, dg1, B * G)).toBe(0);
          expect(relErr(ip2, dg2, B * G)).toBe(0);
        }
      });
      it('lstm forward/backward (dc aliasing dcPrev, as the network calls it)', () => {
        for (const [B, H] of shapes) {
          reset();
          const G = 4 * H;
          const gi = region(B * G, -4, 4), gh = region(B * G, -4, 4), cp = region(B * H, -2, 2), dh = region(B * H);
          const h1 = region(B * H), h2 = region(B * H), c1 = region(B * H), c2 = region(B * H);
          const q1 = region(B * G), q2 = region(B * G);
          ref.lstmForward(h1, c1, q1, gi, gh, cp, B, H);
          wasm.lstmForward(h2, c2, q2, gi, gh, cp, B, H);
          expect(relErr(h2, h1, B * H)).toBeLessThan(TOL);
          expect(relErr(c2, c1, B * H)).toBeLessThan(TOL);
          expect(relErr(q2, q1, B * G)).toBeLessThan(TOL);
          const d1 = region(B * G), d2 = region(B * G), dc1 = region(B * H), dc2 = copy(dc1, B * H);
          ref.lstmBackward(d1, dc1, dh, dc1, q1, c1, cp, B, H);
          wasm.lstmBackward(d2, dc2, dh, dc2, q1, c1, cp, B, H);
          expect(relErr(d2, d1, B * G)).toBeLessThan(TOL);
          expect(relErr(dc2, dc1, B * H)).toBeLessThan(TOL);
        }
      });
      it('exp-based functions over a wide range (saturation, tiny arguments)', () => {
        reset();
        const n = 4001, H = n, B = 1;
        const gi = region(n), gh = region(n);
        for (let i = 0; i < n; i++) {
          const x = (i - 2000) / 40; // −50 … 50
          f[gi + i] = i % 3 === 0 ? x * 1e-4 : x;
          f[gh + i] = 0;
        }
        const h1 = region(n), h2 = region(n);
        ref.rnnForward(h1, gi, gh, B, H);
        wasm.rnnForward(h2, gi, gh, B, H);
        // tanh relative to its own size, also near 0
        let worst = 0;
        for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(f[h2 + i] - f[h1 + i]) / Math.max(1e-30, Math.abs(f[h1 + i])));
        expect(worst).toBeLessThan(TOL);
      });
    });

    describe('wasm softmax cross-entropy vs reference', () => {
      it('softmaxXent (also in place) and logProbRows', () => {
        for (const V of [1, 3, 7, 65, 130, 1001]) {
          for (const M of [1, 5, 17]) {
            reset();
            const logits = region(M * V, -8, 8), tg = region(M);
            for (let i = 0; i < M; i++) i32[tg + i] = rng.int(V);
            const d1 = region(M * V), d2 = region(M * V);
            const scale = 1 / M;
            const l1 = ref.softmaxXent(d1, logits, tg, M, V, scale);
            const l2 = wasm.softmaxXent(d2, logits, tg, M, V, scale);
            expect(Math.abs(l2 - l1) / Math.max(1, Math.abs(l1))).toBeLessThan(TOL);
            expect(relErr(d2, d1, M * V)).toBeLessThan(TOL);
            const p1 = region(M), p2 = region(M);
            ref.logProbRows(p1, logits, tg, M, V);
            wasm.logProbRows(p2, logits, tg, M, V);
            expect(relErr(p2, p1, M)).toBeLessThan(TOL);
            // in place: dlogits = logits
            const inPlace = copy(logits, M * V);
            const l3 = wasm.softmaxXent(inPlace, inPlace, tg, M, V, scale);
            expect(l3).toBe(l2);
            expect(relErr(inPlace, d2, M * V)).toBe(0);
          }
        }
      });
      it('rowMax and expBlocks (a draw\'s distribution and its block sums)', () => {
        for (const n of [1, 3, 7, 63, 64, 65, 130, 1001]) {
          for (const scale of [1, 0.37, 2.5]) {
            reset();
            const x = region(n, -8, 8);
            const m = ref.rowMax(x, n);
            expect(wasm.rowMax(x, n)).toBe(m);
            expect(m).toBe(Math.max(...f.subarray(x, x + n)));
            const nb = Math.ceil(n / DRAW_BLOCK);
            const o1 = region(n), o2 = region(n), b1 = region(nb), b2 = region(nb);
            const s1 = ref.expBlocks(o1, x, n, m, scale, b1);
            const s2 = wasm.expBlocks(o2, x, n, m, scale, b2);
            expect(relErr(o2, o1, n)).toBeLessThan(TOL);
            expect(relErr(b2, b1, nb)).toBeLessThan(TOL);
            expect(Math.abs(s2 - s1) / s1).toBeLessThan(TOL);
            // the reference is the definition: every value and every block's sum
            for (let j = 0; j < n; j++) expect(f[o1 + j]).toBeCloseTo(Math.exp((f[x + j] - m) * scale), 6);
            for (let b = 0; b < nb; b++) {
              let s = 0;
              for (let j = b * DRAW_BLOCK; j < Math.min(n, (b + 1) * DRAW_BLOCK); j++) s += f[o1 + j];
              expect(f[b1 + b]).toBeCloseTo(s, 4);
            }
          }
        }
      });
    });

    describe('wasm optimizer vs reference', () => {
      it('adamStep gives the reference\'s bits, on odd sizes, unaligned, with and without weight decay', () => {
        for (const n of [1, 2, 3, 5, 17, 130, 1001]) {
          for (const wd of [0, 0.01]) {
            reset();
            // θ, g, m, v; the first step of a run (m = v = 0) and a later one
            const p = region(n, -2, 2), g = region(n, -0.1, 0.1), m = region(n, -0.01, 0.01), v = region(n, 0, 1e-4);
            for (const t of [1, 40]) {
              const sets = [ref, wasm].map(() => ({ p: copy(p, n), g: copy(g, n), m: t === 1 ? region(n, 0, 0) : copy(m, n), v: t === 1 ? region(n, 0, 0) : copy(v, n) }));
              const stepSize = 2e-3 / (1 - 0.9 ** t), sqrtC2 = Math.sqrt(1 - 0.999 ** t);
              [ref, wasm].forEach((k, i) => k.adamStep(sets[i].p, sets[i].g, sets[i].m, sets[i].v, n, 0.9, 0.999, 1e-8, stepSize, sqrtC2, wd));
              for (const key of ['p', 'm', 'v'] as const) {
                const a = f.subarray(sets[0][key], sets[0][key] + n), b = f.subarray(sets[1][key], sets[1][key] + n);
                expect(Buffer.from(b.slice().buffer).equals(Buffer.from(a.slice().buffer)), `${key}, n ${n}, wd ${wd}, t ${t}`).toBe(true);
              }
              // and it moved every parameter against its gradient's sign on the first step
              if (t === 1 && wd === 0) for (let i = 0; i < n; i++) expect(Math.sign(f[sets[0].p + i] - f[p + i])).toBe(-Math.sign(f[g + i]));
            }
          }
        }
      });

      it('adaptStep gives the reference\'s bits, on odd sizes, unaligned, with and without decay, and zeroes the gradient', () => {
        for (const n of [1, 2, 3, 5, 17, 130, 1001]) {
          for (const decay of [0, 0.02]) {
            reset();
            const p = region(n, -2, 2), g = region(n, -0.5, 0.5), p0 = region(n, -2, 2);
            const sets = [ref, wasm].map(() => ({ p: copy(p, n), g: copy(g, n) }));
            [ref, wasm].forEach((k, i) => k.adaptStep(sets[i].p, sets[i].g, p0, n, 0.3, decay));
            const a = f.subarray(sets[0].p, sets[0].p + n), b = f.subarray(sets[1].p, sets[1].p + n);
            expect(Buffer.from(b.slice().buffer).equals(Buffer.from(a.slice().buffer)), `n ${n}, decay ${decay}`).toBe(true);
            for (let i = 0; i < n; i++) {
              // θ + λ(θ₀ − θ) − η g, rounded once
              expect(a[i]).toBe(Math.fround(f[p + i] + (decay * (f[p0 + i] - f[p + i]) - 0.3 * f[g + i])));
              expect(f[sets[0].g + i]).toBe(0);
              expect(f[sets[1].g + i]).toBe(0);
            }
          }
        }
      });
    });
  });
}

describe('wasm memory', () => {
  it('is a kernel set; createKernels passes shared/instances through; sizes are checked', async () => {
    expect(KERNEL_SETS).toContain('wasm');
    const k = await createKernels('wasm', 5000, { shared: true, instances: 3 });
    expect(k.name).toBe((await kernelReport()).default);
    expect(k.heap.f32.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(k.heap.f32.length).toBeGreaterThanOrEqual(5000 + 3 * SCRATCH_WORDS);
    expect((await createKernels('reference', 100, { shared: true })).heap.f32.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(() => createWasmMemory(2 ** 30)).toThrow(RangeError);
  });
  it('the planner keeps clear of the module data and the scratch slots', async () => {
    const plan = new HeapPlan();
    const off = plan.alloc(10);
    expect(off).toBeGreaterThanOrEqual(1024);
    const memory = createWasmMemory(plan.words, { shared: true, instances: 2 });
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const k0 = await wasmKernelsOn(memory, plan.words, 0);
    const k1 = await wasmKernelsOn(memory, plan.words, 1);
    expect(k0.heap.f32.buffer).toBe(k1.heap.f32.buffer);
    await expect(wasmKernelsOn(memory, plan.words, 2)).rejects.toThrow(/scratch slot/);
    // both instances compute on the same heap
    reset();
    const fs = k0.heap.f32;
    for (let i = 0; i < 10; i++) fs[off + i] = i;
    k1.colSumAcc(off, off, 1, 5); // out(5) += row 0 (itself)
    expect(Array.from(fs.subarray(off, off + 5))).toEqual([0, 2, 4, 6, 8]);
  });
});

describe('wasm on shared memory across threads', () => {
  it('a worker instantiates the module on the same memory (own scratch slot) and computes on the shared heap', async () => {
    const M = 70, N = 33, K = 21; // M ≥ 64: the packed path, which uses the scratch slot
    const plan = new HeapPlan();
    const a = plan.alloc(M * K), b = plan.alloc(K * N), c1 = plan.alloc(M * N), c2 = plan.alloc(M * N);
    const memory = createWasmMemory(plan.words, { shared: true, instances: 2 });
    const main = await wasmKernelsOn(memory, plan.words, 0);
    const fs = main.heap.f32;
    for (let i = 0; i < M * K; i++) fs[a + i] = Math.sin(i);
    for (let i = 0; i < K * N; i++) fs[b + i] = Math.cos(i);
    main.matmulNN(c1, a, b, M, N, K, false);
    // the worker does what wasmKernelsOn does, with slot 1 (second scratch slot from the top)
    const code = `
      const { parentPort, workerData: d } = require('node:worker_threads');
      WebAssembly.instantiate(d.module, { env: { memory: d.memory } }).then((inst) => {
        const x = inst.exports;
        x.init(d.scratch);
        x.matmulNN(d.c, d.a, d.b, d.M, d.N, d.K, 0);
        parentPort.postMessage('done');
      });`;
    const worker = new Worker(code, {
      eval: true,
      workerData: {
        module: await kernelModule(true), memory, a, b, c: c2, M, N, K,
        scratch: memory.buffer.byteLength / 4 - 2 * SCRATCH_WORDS,
      },
    });
    const msg = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(msg).toBe('done');
    for (let i = 0; i < M * N; i++) expect(fs[c2 + i]).toBe(fs[c1 + i]);
  });
});

// ---------------------------------------------------------------------------
// a whole network: wasm kernels vs reference kernels

async function compareNetworks(build: WasmBuild, cell: CellType, layers: number, over: { embed: number; hidden: number }, V: number, B: number, T: number, dropout: number, more: Drops = {}): Promise<{ loss: number; grad: number }> {
  const cfg = tinyConfig(cell, layers, over), drops = { dropout, ...more };
  const r = makeNetwork(cfg, V, B, T, 3, true, drops);
  const plan = new HeapPlan();
  const w = new Network(plan, cfg, V, { B, T, train: true, ...drops });
  w.attach(await createKernels(build, plan.words));
  w.paramView().set(r.paramView());
  const masks = (): Rng | null => (Object.values(drops).some((p) => p > 0) ? new Rng(5) : null);
  let worstLoss = 0, worstGrad = 0;
  for (const net of [r, w]) {
    net.resetState();
    net.zeroGrads();
  }
  for (let win = 0; win < 2; win++) {
    const losses: number[] = [];
    for (const net of [r, w]) {
      randomWindow(net, T, B, 20 + win);
      net.forward(T, B, masks());
      losses.push(net.lossAndGrad());
      net.backward();
    }
    worstLoss = Math.max(worstLoss, Math.abs(losses[0] - losses[1]) / Math.abs(losses[0]));
  }
  const gr = r.gradView(), gw = w.gradView();
  let gmax = 0;
  for (let i = 0; i < gr.length; i++) gmax = Math.max(gmax, Math.abs(gr[i]));
  for (let i = 0; i < gr.length; i++) worstGrad = Math.max(worstGrad, Math.abs(gw[i] - gr[i]) / Math.max(Math.abs(gr[i]), 1e-2 * gmax));
  return { loss: worstLoss, grad: worstGrad };
}

for (const build of BUILDS) {
  describe(`Network on ${build} kernels = Network on reference kernels`, () => {
    for (const cell of ['rnn', 'gru', 'lstm'] as const) {
      it(`${cell}: 2 layers, small odd sizes, two windows`, async () => {
        const { loss, grad } = await compareNetworks(build, cell, 2, { embed: 5, hidden: 13 }, 11, 3, 6, 0);
        expect(loss).toBeLessThan(1e-4);
        expect(grad).toBeLessThan(1e-4);
      });
      it(`${cell}: 1 layer, rows ≥ 64 (packed paths), dropout 0.3`, async () => {
        const { loss, grad } = await compareNetworks(build, cell, 1, { embed: 9, hidden: 37 }, 67, 9, 8, 0.3);
        expect(loss).toBeLessThan(1e-4);
        expect(grad).toBeLessThan(1e-4);
      });
      it(`${cell}: 2 layers, packed W_hh, weight drop 0.4, embedding dropout 0.3`, async () => {
        const { loss, grad } = await compareNetworks(build, cell, 2, { embed: 9, hidden: 37 }, 13, 5, 8, 0, { weightDrop: 0.4, embedDrop: 0.3 });
        expect(loss).toBeLessThan(1e-4);
        expect(grad).toBeLessThan(1e-4);
      });
    }
  });
}
