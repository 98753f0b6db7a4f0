/**
 * Finite-difference checks of the whole backward pass (embedding, every cell,
 * 1 and 2 layers, decoder, softmax cross-entropy): each parameter is nudged by
 * ±h, the loss recomputed, and (J(θ+h) − J(θ−h)) / 2h compared with the
 * analytic gradient. Two windows are run so that a carried state is exercised.
 */
import { describe, expect, it } from 'vitest';
import { makeNetwork, randomWindow, tinyConfig } from '../helpers/net.js';
import type { CellType } from '../../src/nn/config.js';
import type { ModelConfig } from '../../src/model/config.js';
import { Rng } from '../../src/core/rng.js';

const h = 1e-2;

function check(cell: CellType, layers: number, dropout = 0, over: Partial<ModelConfig> = {}, V = 7): { worst: number; checked: number } {
  const B = 3, T = 5;
  const net = makeNetwork(tinyConfig(cell, layers, over), V, B, T, 1, true, dropout);
  // the same dropout masks on every evaluation
  const masks = (): Rng | null => (dropout > 0 ? new Rng(99) : null);
  const p = net.paramView(), g = net.gradView();
  // first window: sets a non-zero carried state
  net.resetState();
  randomWindow(net, T, B, 11);
  net.forward(T, B);
  const f = net.kernels.heap.f32;
  const saved = net.layers.map((L) => [f.slice(L.carryH, L.carryH + B * 4), L.carryC >= 0 ? f.slice(L.carryC, L.carryC + B * 4) : null]);
  const restore = (): void => net.layers.forEach((L, i) => {
    f.set(saved[i][0]!, L.carryH);
    if (saved[i][1]) f.set(saved[i][1]!, L.carryC);
  });
  randomWindow(net, T, B, 12);
  const loss = (): number => {
    restore();
    net.forward(T, B, masks());
    return net.lossAndGrad();
  };
  net.zeroGrads();
  loss();
  net.backward();
  const analytic = g.slice();
  let worst = 0;
  for (let i = 0; i < p.length; i++) {
    const orig = p[i];
    p[i] = orig + h;
    const up = loss();
    p[i] = orig - h;
    const down = loss();
    p[i] = orig;
    const numeric = (up - down) / (2 * h);
    const err = Math.abs(numeric - analytic[i]) / Math.max(1e-2, Math.abs(numeric) + Math.abs(analytic[i]));
    worst = Math.max(worst, err);
  }
  return { worst, checked: p.length };
}

describe('finite-difference gradient check', () => {
  for (const cell of ['rnn', 'gru', 'lstm'] as const) {
    for (const layers of [1, 2]) {
      it(`${cell}, ${layers} layer${layers > 1 ? 's' : ''}: every parameter`, () => {
        const { worst, checked } = check(cell, layers);
        expect(checked).toBeGreaterThan(80);
        expect(worst).toBeLessThan(1e-2);
      });
    }
    it(`${cell}, 2 layers with dropout 0.3 (fixed masks)`, () => {
      const { worst } = check(cell, 2, 0.3);
      expect(worst).toBeLessThan(1e-2);
    });
  }
  it('adaptive softmax (two clusters, head bias), every parameter', () => {
    // V = 12: shortlist 4, clusters 4–7 and 8–11; H = 4, div 2 → cluster hidden sizes 2 and 1
    const { worst, checked } = check('gru', 1, 0, { softmax: 'adaptive', cutoffs: [4, 8], div_value: 2, head_bias: true }, 12);
    expect(checked).toBeGreaterThan(100);
    expect(worst).toBeLessThan(1e-2);
  });
  it('tied decoder (E = H): the embedding gets both gradients', () => {
    const { worst } = check('lstm', 1, 0, { tie: true, embed: 4 });
    expect(worst).toBeLessThan(1e-2);
  });
});

describe('dropout', () => {
  it('zeroes a fraction p of the values and scales the rest by 1/(1 − p)', () => {
    const net = makeNetwork(tinyConfig('gru', 1, { embed: 64, hidden: 64 }), 9, 16, 32, 1, true, 0.3);
    randomWindow(net, 32, 16, 5);
    net.forward(32, 16, new Rng(4));
    const f = net.kernels.heap.f32, n = 32 * 16 * 64;
    const mask = f.subarray(net.x0Mask, net.x0Mask + n);
    const zeros = mask.filter((m) => m === 0).length;
    expect(zeros / n).toBeGreaterThan(0.28);
    expect(zeros / n).toBeLessThan(0.32);
    expect(mask.every((m) => m === 0 || Math.abs(m - 1 / 0.7) < 1e-6)).toBe(true);
  });
});
