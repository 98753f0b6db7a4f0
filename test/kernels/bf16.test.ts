/**
 * bfloat16 decoder weights (Kernels.packBf16, matvecBf16): the rounding is
 * float32's top half to nearest, ties to even; the WebAssembly product agrees
 * with the reference on odd sizes and unaligned offsets; and a session that
 * reads its decoder in bfloat16 computes what the float32 session computes
 * for the model whose decoder was rounded so.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { bf16RowStride, bf16Words, createKernels } from '../../src/kernels/index.js';
import { referenceKernels } from '../../src/kernels/ref/index.js';
import { bf16Bits } from '../../src/kernels/ref/bf16.js';
import { InferenceSession } from '../../src/infer/session.js';
import { feedContext } from '../../src/infer/sample.js';
import type { LanguageModel } from '../../src/model/model.js';
import { randomModel } from '../helpers/torch.js';

const word = new Uint32Array(1), real = new Float32Array(word.buffer);
const bitsOf = (x: number): number => ((real[0] = x), word[0]);
const valueOf = (bits: number): number => ((word[0] = bits), real[0]);
/** x rounded to bfloat16, as a number */
const rounded = (x: number): number => valueOf(bf16Bits(bitsOf(x)) << 16);

describe('bfloat16 rounding', () => {
  it('keeps values that fit, rounds to nearest with ties to even, keeps ±∞ and NaN, and overflows past the largest', () => {
    for (const x of [0, -0, 1, -2.5, 0.15625, 3 * 2 ** -130]) expect(Object.is(rounded(x), x), String(x)).toBe(true);
    // 1 + 2⁻⁸ lies halfway between 1 and 1 + 2⁻⁷: the even one (1); 1 + 3·2⁻⁸ between 1 + 2⁻⁷ and 1 + 2⁻⁶: 1 + 2⁻⁶
    expect(rounded(1 + 2 ** -8)).toBe(1);
    expect(rounded(1 + 3 * 2 ** -8)).toBe(1 + 2 ** -6);
    expect(rounded(1 + 2 ** -8 + 2 ** -20)).toBe(1 + 2 ** -7);
    expect(rounded(-(1 + 2 ** -8 + 2 ** -20))).toBe(-(1 + 2 ** -7));
    expect(rounded(Infinity)).toBe(Infinity);
    expect(rounded(-Infinity)).toBe(-Infinity);
    expect(rounded(NaN)).toBeNaN();
    expect(rounded(valueOf(0x7f7fffff))).toBe(Infinity);
    // every float32 moves by at most half a unit in its 8th bit
    const rng = new Rng(3);
    for (let i = 0; i < 10_000; i++) {
      const x = Math.fround(rng.normal() * 2 ** rng.int(40) * 2 ** -20);
      expect(Math.abs(rounded(x) - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -8);
    }
  });
});

describe.each(['simd', 'fma'] as const)('matvecBf16, %s build', (build) => {
  it('matches the reference on odd sizes and unaligned offsets, with and without bias; packBf16 pads every row with zeros', async () => {
    const wasm = await createKernels(build, 1 << 20);
    const ref = referenceKernels(wasm.heap);
    const f = wasm.heap.f32, rng = new Rng(11);
    const fill = (at: number, n: number): void => {
      for (let i = 0; i < n; i++) f[at + i] = rng.uniform(-2, 2);
    };
    for (const N of [1, 3, 7, 8, 9, 17, 65]) {
      for (const K of [1, 3, 7, 8, 9, 15, 16, 17, 130]) {
        const w = 1025, x = w + N * K + 1, b = x + K + 3, p = (b + N + 4) & ~3, c1 = p + bf16Words(N, K) + 1, c2 = c1 + N + 2;
        fill(w, N * K);
        fill(x, K);
        fill(b, N);
        wasm.packBf16(p, w, N, K);
        const h = new Uint16Array(f.buffer, 4 * p, N * bf16RowStride(K));
        for (let n = 0; n < N; n++) {
          for (let k = 0; k < bf16RowStride(K); k++) {
            const want = k < K ? bf16Bits(bitsOf(f[w + n * K + k])) : 0;
            if (h[n * bf16RowStride(K) + k] !== want) throw new Error(`N ${N} K ${K}: halfword (${n}, ${k})`);
          }
        }
        for (const bias of [b, -1]) {
          ref.matvecBf16(c1, x, p, bias, N, K);
          wasm.matvecBf16(c2, x, p, bias, N, K);
          for (let n = 0; n < N; n++) {
            let scale = bias >= 0 ? Math.abs(f[b + n]) : 0;
            for (let k = 0; k < K; k++) scale += Math.abs(f[x + k] * rounded(f[w + n * K + k]));
            expect(Math.abs(f[c2 + n] - f[c1 + n]), `N ${N} K ${K} bias ${bias >= 0} row ${n}`).toBeLessThanOrEqual(1e-6 * Math.max(1, scale));
          }
        }
      }
    }
  });
});

/** The model with its decoder rounded to bfloat16. */
function roundedDecoder(m: LanguageModel): LanguageModel {
  const r = m.clone(), lay = r.layout;
  for (let i = lay.decoderWStored; i < lay.decoderWStored + m.vocab.size * m.config.hidden; i++) r.params[i] = rounded(r.params[i]);
  return r;
}

describe('a session that reads its decoder in bfloat16', () => {
  it('scores every next token as the float32 session does for the rounded model, in a context of one token and of many', async () => {
    const m = randomModel('gru', 1, 21, { hidden: 13, embed: 6 });
    for (const kernels of ['reference', 'wasm'] as const) {
      const bf16 = await InferenceSession.create(m, { kernels, decoder: 'bf16', steps: 5 });
      const same = await InferenceSession.create(roundedDecoder(m), { kernels, steps: 5 });
      const exact = await InferenceSession.create(m, { kernels, steps: 5 });
      const V = m.vocab.size;
      let moved = 0;
      for (const context of [[], [2], [3, 4, 5, 6, 7, 8, 9, 10]]) {
        const logits = (s: InferenceSession): Float32Array => {
          const row = feedContext(s, context);
          return s.net.kernels.heap.f32.slice(row, row + V);
        };
        const a = logits(bf16), b = logits(same), c = logits(exact);
        for (let j = 0; j < V; j++) {
          expect(Math.abs(a[j] - b[j]), `${kernels}, context ${context.length}, token ${j}`).toBeLessThan(1e-5);
          moved = Math.max(moved, Math.abs(a[j] - c[j]));
        }
      }
      // the copy is really read: rounding moved some logit
      expect(moved).toBeGreaterThan(1e-5);
    }
  });
});

