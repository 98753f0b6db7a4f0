/**
 * Layer 0 through the projection table (Emb W_ihᵀ + b_ih, gathered by id; its
 * gradients from dGi summed per id) gives the forward pass and the gradients
 * of projecting every row, for every cell, with <eos> resets and a tied decoder.
 * (The finite-difference check in gradcheck.test.ts also runs on the table path: V = 7 < T·B / 2.)
 */
import { describe, expect, it } from 'vitest';
import { HeapPlan, createPlainHeap } from '../../src/core/heap.js';
import { referenceKernels } from '../../src/kernels/ref/index.js';
import { Network } from '../../src/nn/network.js';
import { createKernels } from '../../src/kernels/index.js';
import { makeNetwork, randomWindow, tinyConfig } from '../helpers/net.js';

describe('the embedding projection table', () => {
  for (const [cell, over] of [['rnn', {}], ['gru', {}], ['lstm', {}], ['lstm', { tie: true, embed: 6, hidden: 6 }]] as const) {
    it(`${cell}${'tie' in over ? ' (tied decoder)' : ''}: same logits, loss and gradients as projecting every row`, () => {
      const cfg = tinyConfig(cell, 2, { embed: 5, hidden: 9, ...over });
      const V = 6, B = 4, T = 7; // 2V ≤ T·B: the table pays
      const a = makeNetwork(cfg, V, B, T, 3);
      const plan = new HeapPlan();
      const b = new Network(plan, cfg, V, { B, T, train: true, embedTable: false });
      b.attach(referenceKernels(createPlainHeap(plan.words)));
      b.paramView().set(a.paramView());
      const losses: number[][] = [[], []];
      [a, b].forEach((net, n) => {
        net.resetState();
        net.zeroGrads();
        for (let w = 0; w < 2; w++) {
          randomWindow(net, T, B, 40 + w, 0.2);
          net.forward(T, B);
          losses[n].push(net.lossAndGrad());
          net.backward();
        }
      });
      expect(losses[0][0]).toBeCloseTo(losses[1][0], 6);
      expect(losses[0][1]).toBeCloseTo(losses[1][1], 6);
      const ga = a.gradView(), gb = b.gradView();
      let gmax = 0, worst = 0;
      for (let i = 0; i < gb.length; i++) gmax = Math.max(gmax, Math.abs(gb[i]));
      for (let i = 0; i < gb.length; i++) worst = Math.max(worst, Math.abs(ga[i] - gb[i]));
      expect(gmax).toBeGreaterThan(1e-3);
      expect(worst / gmax).toBeLessThan(1e-5);
      // and the table path really ran: it leaves x0 unwritten (zero), the other path fills it
      const fa = a.kernels.heap.f32, fb = b.kernels.heap.f32;
      expect(fa.subarray(a.x0, a.x0 + B * T * cfg.embed).every((x) => x === 0)).toBe(true);
      expect(fb.subarray(b.x0, b.x0 + B * T * cfg.embed).some((x) => x !== 0)).toBe(true);
    });
  }
});

describe('the projection table of an inference network (built once by freezeWeights)', () => {
  for (const set of ['reference', 'simd'] as const) {
    for (const B of [1, 3]) {
      it(`${set}, ${B} stream${B > 1 ? 's' : ''}: the same log-probabilities as projecting every row, window after window`, async () => {
        const cfg = tinyConfig('gru', 2, { embed: 5, hidden: 9 });
        const V = 11, T = 7; // a table that training would not use here (2V > T·B), inference does
        const src = makeNetwork(cfg, V, 1, 1, 5, false);
        const nets = await Promise.all([true, false].map(async (embedTable) => {
          const plan = new HeapPlan();
          const net = new Network(plan, cfg, V, { B, T, train: false, embedTable });
          net.attach(await createKernels(set, plan.words));
          net.paramView().set(src.paramView());
          net.freezeWeights();
          net.resetState();
          return net;
        }));
        for (let w = 0; w < 3; w++) {
          const got = nets.map((net) => {
            randomWindow(net, T, B, 60 + w, 0.2);
            net.forward(T, B);
            net.logProbs();
            const f = net.kernels.heap.f32;
            return Array.from(f.subarray(net.logp, net.logp + T * B));
          });
          got[0].forEach((x, i) => expect(x).toBeCloseTo(got[1][i], 5));
          expect(got[0].some((x) => x < -0.5)).toBe(true);
        }
        // the table path ran: the embedding rows were never gathered
        const [a, b] = nets, fa = a.kernels.heap.f32, fb = b.kernels.heap.f32;
        expect(fa.subarray(a.x0, a.x0 + B * T * cfg.embed).every((x) => x === 0)).toBe(true);
        expect(fb.subarray(b.x0, b.x0 + B * T * cfg.embed).some((x) => x !== 0)).toBe(true);
      });
    }
  }
});
