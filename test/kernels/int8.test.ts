/**
 * int8 decoder weights with one scale per row (Kernels.packInt8, matvecInt8):
 * the rounding of W and of x follows the equations in kernels/ref/int8.ts; the
 * WebAssembly builds give the reference's bits on odd sizes (the sums are
 * exact integers); the product stays within the rounding's bound of the
 * float32 one and does not overflow at the largest sums; and a session that
 * reads its decoder in int8 stays near the float32 session, with the same
 * logits on the reference and WebAssembly kernels (the CLI's side:
 * test/infer/reduced-decoder.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { createKernels, int8QxLevels, int8RowStride, int8Words, type Kernels } from '../../src/kernels/index.js';
import { referenceKernels } from '../../src/kernels/ref/index.js';
import { roundHalfEven } from '../../src/kernels/ref/int8.js';
import { InferenceSession } from '../../src/infer/session.js';
import { feedContext } from '../../src/infer/sample.js';
import { randomModel } from '../helpers/torch.js';

describe('int8 rounding', () => {
  it('rounds to nearest with ties to even, NaN to 0', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, 2.5001, -3.7, 126.5].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, 3, -4, 126]);
    expect(roundHalfEven(NaN)).toBe(0);
  });

  it('x has 32767 levels up to K = 516, then as many as keep 127·Qx·K within an int32', () => {
    expect(int8QxLevels(1)).toBe(32767);
    expect(int8QxLevels(516)).toBe(32767);
    expect(int8QxLevels(517)).toBeLessThan(32767);
    for (const K of [517, 1000, 4096, 100_000]) {
      const Q = int8QxLevels(K);
      expect(127 * Q * K).toBeLessThanOrEqual(0x7fffffff);
      expect(127 * (Q + 1) * K).toBeGreaterThan(0x7fffffff);
    }
  });
});

/** W, x, bias at fresh offsets of k's heap, with W and x from `fill`. */
function operands(k: Kernels, N: number, K: number, fill: (n: number, k: number) => number, xs: (k: number) => number) {
  const f = k.heap.f32;
  const w = 1025, x = w + N * K + 1, b = x + K + 3, p = (b + N + 4) & ~3, c = p + int8Words(N, K) + 1;
  for (let n = 0; n < N; n++) for (let i = 0; i < K; i++) f[w + n * K + i] = fill(n, i);
  for (let i = 0; i < K; i++) f[x + i] = xs(i);
  return { w, x, b, p, c, c2: c + N + 2 };
}

describe.each(['simd', 'fma'] as const)('matvecInt8, %s build', (build) => {
  it('gives the reference bits on odd sizes, with and without bias, within the rounding bound of W·x; packInt8 pads every row with zeros', async () => {
    const wasm = await createKernels(build, 1 << 20);
    const ref = referenceKernels(wasm.heap);
    const f = wasm.heap.f32, rng = new Rng(12), i8 = new Int8Array(f.buffer);
    for (const N of [1, 3, 7, 8, 9, 17, 65]) {
      for (const K of [1, 3, 7, 15, 16, 17, 31, 130]) {
        // rows of different magnitudes, one row of zeros
        const o = operands(wasm, N, K, (n) => (n === 2 ? 0 : rng.uniform(-1, 1) * 2 ** (n % 5 - 2)), () => rng.uniform(-1.5, 1.5));
        for (let i = 0; i < N; i++) f[o.b + i] = rng.uniform(-2, 2);
        wasm.packInt8(o.p, o.w, N, K);
        const S = int8RowStride(K), scale = (n: number): number => f[o.p + (N * S) / 4 + n];
        for (let n = 0; n < N; n++) {
          let m = 0;
          for (let i = 0; i < K; i++) m = Math.max(m, Math.abs(f[o.w + n * K + i]));
          expect(scale(n)).toBe(Math.fround(m / 127));
          for (let i = 0; i < S; i++) {
            const want = i < K && m > 0 ? roundHalfEven(Math.fround(f[o.w + n * K + i] / scale(n))) : 0;
            if (i8[4 * o.p + n * S + i] !== want) throw new Error(`N ${N} K ${K}: byte (${n}, ${i})`);
          }
        }
        let mx = 0;
        for (let i = 0; i < K; i++) mx = Math.max(mx, Math.abs(f[o.x + i]));
        const sx = mx / int8QxLevels(K);
        for (const bias of [o.b, -1]) {
          ref.matvecInt8(o.c, o.x, o.p, bias, N, K);
          wasm.matvecInt8(o.c2, o.x, o.p, bias, N, K);
          for (let n = 0; n < N; n++) {
            expect(f[o.c2 + n], `N ${N} K ${K} bias ${bias >= 0} row ${n}`).toBe(f[o.c + n]);
            // |q·s·qx·sx − w·x| ≤ |x|·s/2 + |w|·sx/2 + s·sx/4 per column, and float32 rounding
            let exact = bias >= 0 ? f[o.b + n] : 0, bound = 0;
            for (let i = 0; i < K; i++) {
              const wi = f[o.w + n * K + i], xi = f[o.x + i];
              exact += wi * xi;
              bound += (Math.abs(xi) * scale(n)) / 2 + (Math.abs(wi) * sx) / 2 + (scale(n) * sx) / 4;
            }
            expect(Math.abs(f[o.c + n] - exact)).toBeLessThanOrEqual(bound * 1.001 + 1e-6 * (1 + Math.abs(exact)));
          }
        }
      }
    }
  });

  it('sums the largest products exactly (no int32 overflow) for K up to 5000, and keeps NaN in x as NaN', async () => {
    const wasm = await createKernels(build, 1 << 22);
    const ref = referenceKernels(wasm.heap);
    const f = wasm.heap.f32;
    for (const K of [516, 517, 2047, 5000]) {
      for (const sign of [1, -1]) {
        // every q = ±127 and every qx = Qx: the sum is ±127·Qx·K, the product ±K
        const o = operands(wasm, 9, K, () => sign * 0.75, () => 2);
        wasm.packInt8(o.p, o.w, 9, K);
        ref.matvecInt8(o.c, o.x, o.p, -1, 9, K);
        wasm.matvecInt8(o.c2, o.x, o.p, -1, 9, K);
        for (let n = 0; n < 9; n++) {
          expect(f[o.c2 + n]).toBe(f[o.c + n]);
          expect(f[o.c + n] / (sign * 1.5 * K)).toBeCloseTo(1, 5);
        }
      }
    }
    const o = operands(wasm, 9, 20, () => 0.5, (i) => (i === 3 ? NaN : 1));
    wasm.packInt8(o.p, o.w, 9, 20);
    wasm.matvecInt8(o.c2, o.x, o.p, -1, 9, 20);
    ref.matvecInt8(o.c, o.x, o.p, -1, 9, 20);
    for (let n = 0; n < 9; n++) {
      expect(f[o.c2 + n]).toBeNaN();
      expect(f[o.c + n]).toBeNaN();
    }
  });
});

describe('a session that reads its decoder in int8', () => {
  it('scores every next token near the float32 session, the same on the reference and WebAssembly kernels', async () => {
    const m = randomModel('gru', 1, 31, { hidden: 13, embed: 6 });
    const V = m.vocab.size;
    const logits = (s: InferenceSession, context: number[]): Float32Array => {
      const row = feedContext(s, context);
      return s.net.kernels.heap.f32.slice(row, row + V);
    };
    for (const context of [[], [2], [3, 4, 5, 6, 7, 8, 9, 10]]) {
      const exact = logits(await InferenceSession.create(m, { kernels: 'reference', steps: 5 }), context);
      const ref = logits(await InferenceSession.create(m, { kernels: 'reference', decoder: 'int8', steps: 5 }), context);
      const wasm = logits(await InferenceSession.create(m, { kernels: 'wasm', decoder: 'int8', steps: 5 }), context);
      let moved = 0;
      for (let j = 0; j < V; j++) {
        expect(Math.abs(wasm[j] - ref[j]), `context ${context.length}, token ${j}`).toBeLessThan(1e-4);
        expect(Math.abs(ref[j] - exact[j]), `context ${context.length}, token ${j}`).toBeLessThan(0.05);
        moved = Math.max(moved, Math.abs(ref[j] - exact[j]));
      }
      // the copy is really read: rounding moved some logit
      expect(moved).toBeGreaterThan(1e-5);
    }
  });
});

