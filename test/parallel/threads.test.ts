/**
 * Data-parallel training over worker threads: the same gradients as one thread
 * (up to float summation order), and bit-identical runs for a given seed and
 * thread count. Workers run the built dist/ (npm test builds first).
 */
import { describe, expect, it } from 'vitest';
import { HeapPlan } from '../../src/core/heap.js';
import { Rng } from '../../src/core/rng.js';
import { createKernels } from '../../src/kernels/index.js';
import { SlicedNetwork, paramRanges, sliceSizes } from '../../src/parallel/pool.js';
import { train, type FlatOptions } from '../helpers/train.js';
import { tinyConfig } from '../helpers/net.js';

const text = Array.from({ length: 60 }, (_, i) => `line ${i} says ${'abcdefgh'.slice(i % 5)} and ${i * 7}`).join('\n');

function opts(over: FlatOptions): FlatOptions {
  return {
    texts: [text], level: 'char', split: 'lines', tokenize: 'default', lowercase: false, maxVocab: 0, minCount: 1, valFrac: 0.1,
    cell: 'gru', embed: 8, hidden: 24, layers: 2, batch: 7, seqLen: 12, optimizer: 'adam', clip: 5, clipValue: 0, dropout: 0,
    weightDecay: 0, evalEvery: 4, seed: 3, kernels: 'reference', steps: 8, ...over,
  };
}

describe('worker threads', () => {
  it('slices the batch as evenly as possible', () => {
    expect(sliceSizes(32, 2)).toEqual([16, 16]);
    expect(sliceSizes(7, 3)).toEqual([3, 2, 2]);
    expect(sliceSizes(2, 8)).toEqual([1, 1]);
    // the parameter block's ranges for the update: contiguous, covering it, boundaries on multiples of 16
    expect(paramRanges(100, 1)).toEqual([[0, 100]]);
    expect(paramRanges(100, 3)).toEqual([[0, 32], [32, 64], [64, 100]]);
    expect(paramRanges(20, 3)).toEqual([[0, 0], [0, 16], [16, 20]]);
  });

  it('2 and 3 threads give the weights of 1 thread (to float rounding)', async () => {
    const one = await train(opts({ threads: 1 }));
    for (const threads of [2, 3]) {
      const many = await train(opts({ threads }));
      expect(many.threads).toBe(threads);
      let worst = 0;
      for (let i = 0; i < one.model.params.length; i++) worst = Math.max(worst, Math.abs(one.model.params[i] - many.model.params[i]));
      expect(worst).toBeLessThan(1e-4);
      expect(many.bestValLoss).toBeCloseTo(one.bestValLoss!, 4);
    }
  });

  it('with dropout, the same seed and thread count give bit-identical weights', async () => {
    const a = await train(opts({ threads: 2, dropout: 0.3 }));
    const b = await train(opts({ threads: 2, dropout: 0.3 }));
    expect(Buffer.from(a.model.params.buffer).equals(Buffer.from(b.model.params.buffer))).toBe(true);
  });

  it('with weight drop and embedding dropout, every slice draws its own masks, and the same seed gives the same weights', async () => {
    const cfg = tinyConfig('gru', 2, { embed: 8, hidden: 24 }), V = 300, B = 6, T = 8, H = 24, n = 3 * H * H;
    const plan = new HeapPlan();
    const slices = new SlicedNetwork(plan, cfg, V, { B, T, dropout: 0, weightDrop: 0.3, embedDrop: 0.3, threads: 2 }, 7);
    const k = await createKernels('reference', plan.words, { shared: true, instances: 2 });
    try {
      await slices.start(k, 'reference', plan.words);
      const f = k.heap.f32, ids = k.heap.i32, init = new Rng(2);
      for (let i = 0; i < slices.main.layout.size; i++) f[slices.main.params + i] = 0.2 * init.normal();
      slices.fill((net, b0) => {
        for (let i = 0; i < T * net.B; i++) {
          ids[net.inputs + i] = 1 + ((i + b0) % (V - 1));
          ids[net.targets + i] = (3 * i + b0) % V;
        }
      });
      slices.resetState();
      await slices.step(T, new Rng(1));
      const masks = slices.nets.map((net) => net.layers.map((L) => f.slice(L.whhMask, L.whhMask + n)));
      for (const m of masks.flat()) {
        const zeros = m.filter((x) => x === 0).length / n;
        expect(zeros).toBeGreaterThan(0.25);
        expect(zeros).toBeLessThan(0.35);
      }
      // the worker drew its own masks (from its own generator), not slice 0's
      expect(masks[1][0]).not.toEqual(masks[0][0]);
      const tokenMasks = slices.nets.map((net) => f.slice(net.wordMask, net.wordMask + V));
      for (const m of tokenMasks) {
        const zeros = m.filter((x) => x === 0).length / V;
        expect(zeros).toBeGreaterThan(0.2);
        expect(zeros).toBeLessThan(0.4);
      }
      expect(tokenMasks[1]).not.toEqual(tokenMasks[0]);
    } finally {
      await slices.close();
    }
    const a = await train(opts({ threads: 2, weightDrop: 0.3, embedDrop: 0.2 }));
    const b = await train(opts({ threads: 2, weightDrop: 0.3, embedDrop: 0.2 }));
    expect(Buffer.from(a.model.params.buffer).equals(Buffer.from(b.model.params.buffer))).toBe(true);
    const plain = await train(opts({ threads: 2 }));
    expect(Buffer.from(a.model.params.buffer).equals(Buffer.from(plain.model.params.buffer))).toBe(false);
  });
});
