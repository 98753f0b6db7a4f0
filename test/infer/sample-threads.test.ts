/**
 * Batch 1 on two threads (every large lone-row product's rows split with a
 * worker, infer/split-product.ts): sampling draws the very samples of one
 * thread, the same tokens and log-probabilities bit for bit, for a vocabulary
 * and a recurrent product whose sizes are not multiples of 8, on both
 * WebAssembly builds; scoring one sequence gives the same bits too.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { Vocab } from '../../src/data/vocab.js';
import { modelConfig } from '../../src/model/config.js';
import { LanguageModel } from '../../src/model/model.js';
import { openSession } from '../../src/infer/pool.js';
import { sampleOne, SAMPLE_DEFAULTS } from '../../src/infer/sample.js';
import { nextTokens } from '../../src/infer/stream.js';
import { CONTROL_WORDS, hasSplitProduct, presetProductNumber, productCut, splitKernels, SPLIT_MIN_WEIGHTS } from '../../src/infer/split-product.js';
import { HeapPlan } from '../../src/core/heap.js';
import { createKernels, shareableMemory } from '../../src/kernels/index.js';
import { planChunks } from '../../src/model/evaluate.js';
import type { InferenceSession } from '../../src/infer/session.js';

const V = 4099, H = 150;

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
    for (const v of [8, 65, 450, 4099, 10000, 10003]) {
      expect(productCut(v) % 4).toBe(0);
      expect(Math.abs(v - 2 * productCut(v))).toBeLessThan(8);
    }
    // both products of the model below are split: W_hh (3·150 × 150) and W_dec (4099 × 150)
    expect(3 * H * H).toBeGreaterThanOrEqual(SPLIT_MIN_WEIGHTS);
    // a session has a worker when some product is large: W_hh, W_dec or an adaptive head
    const char = (cell: 'gru' | 'rnn', hidden: number) => modelConfig({ level: 'char', cell, embed: 8, hidden, layers: 1, softmax: 'full' });
    expect(hasSplitProduct(char('gru', 256), 65)).toBe(true);
    expect(hasSplitProduct(char('rnn', 128), 65)).toBe(false);
    const word = modelConfig({ level: 'word', cell: 'rnn', embed: 16, hidden: 128, layers: 1, softmax: 'adaptive', cutoffs: [2000] });
    expect(hasSplitProduct(word, 10000)).toBe(true);
    expect(hasSplitProduct({ ...word, cutoffs: [200] }, 10000)).toBe(false);
  });

  /**
   * A products worker spawned as InferPool.spawn does, with the counter preset to `first`; `awaitReady`:
   * whether this thread waits for the worker's 'ready' before its first product. Checks six split
   * products against the plain product, bit for bit.
   */
  async function splitSixProducts(first: number, awaitReady: boolean): Promise<void> {
    const { Worker } = await import('node:worker_threads');
    const plan = new HeapPlan(), N = 301, K = 256, rng = new Rng(3);
    const w = plan.alloc(N * K), x = plan.alloc(K), one = plan.alloc(N), two = plan.alloc(N), ctrl = plan.alloc(CONTROL_WORDS);
    const k = await createKernels('simd', plan.words, { shared: true, instances: 2 }), f = k.heap.f32;
    for (let i = 0; i < N * K; i++) f[w + i] = rng.normal();
    for (let i = 0; i < K; i++) f[x + i] = rng.normal();
    presetProductNumber(k.heap.i32, ctrl, first);
    const worker = new Worker(new URL('../../dist/infer/pool-worker.js', import.meta.url));
    try {
      const ready = new Promise((resolve) => worker.once('message', resolve));
      worker.postMessage({ type: 'products', kernels: k.name, memory: shareableMemory(k), words: plan.words, slot: 1, ctrl });
      if (awaitReady) await ready;
      const split = splitKernels(k, ctrl);
      k.matmulNT(one, x, w, -1, 1, N, K, false);
      for (let i = 0; i < 6; i++) {
        f.fill(0, two, two + N);
        split.kernels.matmulNT(two, x, w, -1, 1, N, K, false);
        expect(Array.from(f.subarray(two, two + N)), `product ${i}`).toEqual(Array.from(f.subarray(one, one + N)));
      }
      split.stop();
    } finally {
      await worker.terminate();
    }
  }

  it('keeps splitting products across the wrap-around of its int32 product counter (a long-lived session)', async () => {
    await splitSixProducts(2 ** 31 - 3, true);
  });

  it('serves a product posted before the worker has started serving (it counts from its last finished product)', async () => {
    // the first product is posted while the worker is still loading its kernels: had it started
    // from the product number, it would take that product as seen and this thread would time out
    await splitSixProducts(7, false);
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

    it(`${kernels}: a worker that fails makes the product throw, then and on every later product, instead of waiting forever`, async () => {
      const two = await openSession(model(), { threads: 2, kernels });
      try {
        const k = two.net.kernels, words = k.heap.f32.length, N = 1000, K = 256, cut = productCut(N);
        // this thread's rows [0, cut) end inside memory, the worker's rows [cut, N) lie past its end
        const w = words - cut * K - 8, at = two.net.params;
        const product = () => k.matmulNT(at, at, w, -1, 1, N, K, false);
        expect(product).toThrow(/worker thread of a two-thread batch-1 session failed; open the session with threads: 1/);
        expect(product).toThrow(/worker thread .* failed/);
      } finally {
        await two.close();
      }
    });

    it(`${kernels}: scoring one character sequence (only W_hh split) gives the bits of one thread`, async () => {
      const cfg = modelConfig({ level: 'char', split: 'none', cell: 'lstm', embed: 8, hidden: 130, layers: 2, softmax: 'full' });
      const m = LanguageModel.create(cfg, new Vocab(['<eos>', '<unk>', ...'abcdefghij']), new Rng(5));
      const rng = new Rng(6), stream = new Int32Array(700).map((_, i) => (i === 0 ? 0 : 2 + rng.int(10)));
      const one = await openSession(m, { threads: 1, kernels, steps: 64 }), two = await openSession(m, { threads: 2, kernels, steps: 64 });
      try {
        expect([one.threads, two.threads]).toEqual([1, 2]);
        const plan = planChunks(stream, 1);
        const a = await one.logProbs(stream, plan), b = await two.logProbs(stream, plan);
        expect(a.every(Number.isFinite)).toBe(true);
        expect(Array.from(b)).toEqual(Array.from(a));
      } finally {
        await one.close();
        await two.close();
      }
    });
  }
});
