/**
 * Batch-1 sampling on two threads (the decoder's rows split with a worker,
 * infer/split-decoder.ts) draws the very samples of one thread: the same
 * tokens and the same log-probabilities, bit for bit, for a vocabulary that is
 * not a multiple of 4, on both WebAssembly builds.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { Vocab } from '../../src/data/vocab.js';
import { modelConfig } from '../../src/model/config.js';
import { LanguageModel } from '../../src/model/model.js';
import { openSession } from '../../src/infer/pool.js';
import { sampleOne, SAMPLE_DEFAULTS } from '../../src/infer/sample.js';
import { nextTokens } from '../../src/infer/stream.js';
import { decoderCut } from '../../src/infer/split-decoder.js';
import type { InferenceSession } from '../../src/infer/session.js';

const V = 4099, H = 256;

function model(): LanguageModel {
  const cfg = modelConfig({ level: 'word', cell: 'gru', embed: 16, hidden: H, layers: 1, softmax: 'full' });
  const rng = new Rng(4);
  const m = LanguageModel.create(cfg, new Vocab(['<eos>', '<unk>', ...Array.from({ length: V - 2 }, (_, i) => `w${i}`)]), rng);
  for (let i = 0; i < m.params.length; i++) m.params[i] *= 6; // a peaked distribution: samples end sometimes
  return m;
}

function draw(s: InferenceSession): { tokens: string[]; logprob: number }[] {
  const rng = new Rng(9);
  return Array.from({ length: 6 }, () => sampleOne(s, { ...SAMPLE_DEFAULTS, maxLength: 40, prime: 'w5 w17' }, rng)).map((x) => ({ tokens: x.tokens, logprob: x.logprob }));
}

describe('batch-1 sampling on two threads', () => {
  it('the split is a multiple of 4 and leaves both threads about half', () => {
    for (const v of [8, 65, 4099, 10000, 10003]) {
      expect(decoderCut(v) % 4).toBe(0);
      expect(Math.abs(v - 2 * decoderCut(v))).toBeLessThan(8);
    }
  });

  for (const kernels of ['simd', 'fma'] as const) {
    it(`${kernels}: the same samples, log-probabilities and next-token candidates as one thread`, async () => {
      const m = model();
      const one = await openSession(m, { threads: 1, kernels }), two = await openSession(m, { threads: 2, kernels });
      try {
        expect([one.threads, two.threads]).toEqual([1, 2]);
        const a = draw(one), b = draw(two);
        expect(a.flatMap((x) => x.tokens).length).toBeGreaterThan(50);
        expect(b).toEqual(a);
        expect(nextTokens(two, 'w1 w2', 8)).toEqual(nextTokens(one, 'w1 w2', 8));
        await two.close();
        expect(draw(two)).toEqual(a); // closed: this thread alone, the same again
      } finally {
        await one.close();
        await two.close();
      }
    });
  }
});
