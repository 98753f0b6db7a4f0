/**
 * Finite-difference checks of the whole backward pass (embedding, every cell,
 * 1 and 2 layers, decoder, softmax cross-entropy): each parameter is nudged,
 * the loss recomputed, and the numerical derivative compared with the
 * analytic gradient. Two windows are run so that a carried state is exercised.
 *
 * Precision. The forward pass is float32, so the loss carries rounding noise of
 * about 1e-7 of its value, and a finite difference divides that noise by the
 * step while its truncation error grows with the step (h²/6·J‴ for the plain
 * centred difference). The centred difference with h = 1e-2 is off by up to
 * 4e-5 absolute and 9e-4 relative on these nets: too coarse to see a gradient
 * that is 1% wrong. So the derivative is the fourth-order centred stencil
 *
 *   J′ ≈ [8(J(θ+h) − J(θ−h)) − (J(θ+2h) − J(θ−2h))] / 12h,   h = 2e-2,
 *
 * whose truncation error is O(h⁴) while the larger step keeps the rounding
 * noise small; measured over every configuration below it is within 1.1e-6 of
 * the analytic gradient, and within 3.5e-5 relative wherever |g| > 1e-2.
 *
 * Criterion, per parameter: |numeric − analytic| ≤ RTOL·|analytic| + ATOL with
 * RTOL = 1e-3 and ATOL = 5e-6 (the measured worst uses 8% of it). A gradient
 * 1% wrong is then caught wherever |g| > 6e-4, which every tensor here has: the
 * negative controls scale each tensor's analytic gradient in turn by 1.01, and
 * the largest single gradient by 1.01, and assert that the check fails.
 */
import { describe, expect, it } from 'vitest';
import { makeNetwork, randomWindow, tinyConfig, type Drops } from '../helpers/net.js';
import type { CellType } from '../../src/nn/config.js';
import type { ModelConfig } from '../../src/model/config.js';
import { Rng } from '../../src/core/rng.js';

const h = 2e-2, RTOL = 1e-3, ATOL = 5e-6;

interface Check {
  numeric: Float64Array;
  analytic: Float32Array;
  views: { name: string; offset: number; size: number }[];
}

function gradients(cell: CellType, layers: number, drops: Drops = {}, over: Partial<ModelConfig> = {}, V = 7): Check {
  const B = 3, T = 5;
  const net = makeNetwork(tinyConfig(cell, layers, over), V, B, T, 1, true, drops);
  // the same masks on every evaluation
  const masks = (): Rng | null => ((drops.dropout ?? 0) + (drops.weightDrop ?? 0) + (drops.embedDrop ?? 0) > 0 ? new Rng(99) : null);
  const p = net.paramView(), g = net.gradView(), H = net.cfg.hidden;
  // first window: sets a non-zero carried state
  net.resetState();
  randomWindow(net, T, B, 11);
  net.forward(T, B);
  const f = net.kernels.heap.f32;
  const saved = net.layers.map((L) => [f.slice(L.carryH, L.carryH + B * H), L.carryC >= 0 ? f.slice(L.carryC, L.carryC + B * H) : null]);
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
  const at = (i: number, dx: number): number => {
    const orig = p[i];
    p[i] = orig + dx;
    const v = loss();
    p[i] = orig;
    return v;
  };
  const numeric = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) numeric[i] = (8 * (at(i, h) - at(i, -h)) - (at(i, 2 * h) - at(i, -2 * h))) / (12 * h);
  return { numeric, analytic, views: net.layout.views };
}

/** The worst |numeric − analytic| / (RTOL·|analytic| + ATOL): the check passes below 1. */
function worst(numeric: Float64Array, analytic: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < numeric.length; i++) w = Math.max(w, Math.abs(numeric[i] - analytic[i]) / (RTOL * Math.abs(analytic[i]) + ATOL));
  return w;
}

/** The check passes, and fails once any one tensor's gradient, or the largest single gradient, is 1% off. */
function expectExact(c: Check): void {
  expect(worst(c.numeric, c.analytic)).toBeLessThan(1);
  for (const v of c.views) {
    const wrong = Float64Array.from(c.analytic);
    for (let i = v.offset; i < v.offset + v.size; i++) wrong[i] *= 1.01;
    expect(worst(c.numeric, wrong), `${v.name} × 1.01`).toBeGreaterThan(1);
  }
  let big = 0;
  for (let i = 0; i < c.analytic.length; i++) if (Math.abs(c.analytic[i]) > Math.abs(c.analytic[big])) big = i;
  const one = Float64Array.from(c.analytic);
  one[big] *= 1.01;
  expect(worst(c.numeric, one), 'the largest gradient × 1.01').toBeGreaterThan(1);
}

describe('finite-difference gradient check', () => {
  for (const cell of ['rnn', 'gru', 'lstm'] as const) {
    for (const layers of [1, 2]) {
      it(`${cell}, ${layers} layer${layers > 1 ? 's' : ''}: every parameter`, () => {
        const c = gradients(cell, layers);
        expect(c.numeric.length).toBeGreaterThan(80);
        expectExact(c);
      });
    }
    it(`${cell}, 2 layers with dropout 0.3 (fixed masks)`, () => {
      expectExact(gradients(cell, 2, { dropout: 0.3 }));
    });
    it(`${cell}, 2 layers with locked dropout 0.3 (fixed masks)`, () => {
      expectExact(gradients(cell, 2, { dropout: 0.3, lockedDropout: true }));
    });
    it(`${cell}, 2 layers with weight drop 0.4 and dropout 0.2 (fixed masks)`, () => {
      const c = gradients(cell, 2, { dropout: 0.2, weightDrop: 0.4 });
      // the dropped weights take no gradient: about 40% of each W_hh, exactly zero
      for (const v of c.views.filter((x) => x.name.startsWith('rnn.weight_hh'))) {
        const zeros = Array.from(c.analytic.subarray(v.offset, v.offset + v.size)).filter((g) => g === 0).length;
        expect(zeros / v.size, v.name).toBeGreaterThan(0.2);
        expect(zeros / v.size, v.name).toBeLessThan(0.6);
      }
      expectExact(c);
    });
  }
  for (const dropout of [0, 0.2]) {
    it(`gru, 2 layers with embedding dropout 0.5${dropout ? ' and dropout 0.2' : ''} (fixed masks)`, () => {
      const c = gradients('gru', 2, { embedDrop: 0.5, dropout });
      // a dropped token's embedding takes no gradient in that window: some of the 7 rows are all zero
      const emb = c.views.find((v) => v.name === 'embedding.weight')!, E = 3;
      const zeroRows = Array.from({ length: 7 }, (_, t) => c.analytic.subarray(emb.offset + t * E, emb.offset + (t + 1) * E)).filter((r) => r.every((g) => g === 0));
      expect(zeroRows.length).toBeGreaterThan(0);
      expect(zeroRows.length).toBeLessThan(7);
      expectExact(c);
    });
  }
  for (const cell of ['rnn', 'gru', 'lstm'] as const) {
    it(`${cell}, 2 layers reading running text: the state and its gradient carry across <eos> inputs`, () => {
      const c = gradients(cell, 2, {}, { running_text: true });
      expectExact(c);
      // the window has <eos> inputs, so resetting there (the plain network) gives another gradient
      expect(worst(c.numeric, gradients(cell, 2).analytic)).toBeGreaterThan(1);
    });
  }
  it('adaptive softmax (two clusters, head bias), every parameter', () => {
    // V = 12: shortlist 4, clusters 4–7 and 8–11; H = 4, div 2 → cluster hidden sizes 2 and 1
    const c = gradients('gru', 1, {}, { softmax: 'adaptive', cutoffs: [4, 8], div_value: 2, head_bias: true }, 12);
    expect(c.numeric.length).toBeGreaterThan(100);
    expectExact(c);
  });
  it('tied decoder (E = H): the embedding gets both gradients', () => {
    const c = gradients('lstm', 1, {}, { tie: true, embed: 4 });
    // decoder.weight's own storage is only a copy for the model file: no gradient flows into it
    const stored = c.views.find((v) => v.name === 'decoder.weight')!;
    expect(Array.from(c.analytic.subarray(stored.offset, stored.offset + stored.size)).every((x) => x === 0)).toBe(true);
    expectExact({ ...c, views: c.views.filter((v) => v !== stored) });
  });
});

describe('weight drop', () => {
  const cfg = tinyConfig('lstm', 2, { embed: 16, hidden: 32 });
  it('runs each window on W_hh ⊙ m, m zero with probability p and 1/(1 − p) otherwise, a new m every window', () => {
    const net = makeNetwork(cfg, 9, 4, 8, 1, true, { weightDrop: 0.3 });
    randomWindow(net, 8, 4, 5);
    const f = net.kernels.heap.f32, n = 4 * 32 * 32, rng = new Rng(4);
    const masks = (): Float32Array[] => {
      net.forward(8, 4, rng);
      return net.layers.map((L) => f.slice(L.whhMask, L.whhMask + n));
    };
    const first = masks(), second = masks();
    for (const [l, m] of first.entries()) {
      const zeros = m.filter((x) => x === 0).length;
      expect(zeros / n).toBeGreaterThan(0.28);
      expect(zeros / n).toBeLessThan(0.32);
      expect(m.every((x) => x === 0 || Math.abs(x - 1 / 0.7) < 1e-6)).toBe(true);
      expect(second[l]).not.toEqual(m);
      // W̃_hh = W_hh ⊙ m, from the parameters
      const W = net.params + net.layout.layers[l].whh, L = net.layers[l];
      for (let i = 0; i < n; i += 97) expect(f[L.whhDrop + i]).toBe(Math.fround(f[W + i] * (second[l][i] === 0 ? 0 : 1 / 0.7)));
    }
  });
  it('is off without an Rng (validation) and in an inference network: the output is the plain network\'s', () => {
    const plain = makeNetwork(cfg, 9, 4, 8, 1, true), dropped = makeNetwork(cfg, 9, 4, 8, 1, true, { weightDrop: 0.5 });
    const logits = (net: typeof plain, rng: Rng | null): number[] => {
      net.resetState();
      randomWindow(net, 8, 4, 5);
      net.forward(8, 4, rng);
      net.logProbs();
      return Array.from(net.kernels.heap.f32.subarray(net.logp, net.logp + 32));
    };
    const want = logits(plain, null);
    expect(logits(dropped, null)).toEqual(want);
    expect(logits(dropped, new Rng(3))).not.toEqual(want);
    expect(makeNetwork(cfg, 9, 4, 8, 1, false, { weightDrop: 0.5 }).weightDrop).toBe(0);
  });
});

describe('embedding dropout', () => {
  it('gives every row of a token the same multiplier in a window: 0 for about a fraction p of the tokens', () => {
    const V = 400, B = 16, T = 32, E = 8;
    const net = makeNetwork(tinyConfig('gru', 1, { embed: E, hidden: 8 }), V, B, T, 1, true, { embedDrop: 0.25 });
    randomWindow(net, T, B, 5, 0);
    const f = net.kernels.heap.f32, ids = net.kernels.heap.i32, byToken = new Map<number, number>();
    net.forward(T, B, new Rng(4));
    for (let r = 0; r < T * B; r++) {
      const id = ids[net.inputs + r], row = Array.from(f.subarray(net.x0Mask + r * E, net.x0Mask + (r + 1) * E));
      expect(new Set(row).size).toBe(1);
      if (byToken.has(id)) expect(row[0]).toBe(byToken.get(id));
      byToken.set(id, row[0]);
    }
    const dropped = [...byToken.values()].filter((m) => m === 0).length / byToken.size;
    expect(dropped).toBeGreaterThan(0.18);
    expect(dropped).toBeLessThan(0.32);
    expect([...byToken.values()].every((m) => m === 0 || Math.abs(m - 1 / 0.75) < 1e-6)).toBe(true);
  });
});

describe('dropout', () => {
  it('zeroes a fraction p of the values and scales the rest by 1/(1 − p)', () => {
    const net = makeNetwork(tinyConfig('gru', 1, { embed: 64, hidden: 64 }), 9, 16, 32, 1, true, { dropout: 0.3 });
    randomWindow(net, 32, 16, 5);
    net.forward(32, 16, new Rng(4));
    const f = net.kernels.heap.f32, n = 32 * 16 * 64;
    const mask = f.subarray(net.x0Mask, net.x0Mask + n);
    const zeros = mask.filter((m) => m === 0).length;
    expect(zeros / n).toBeGreaterThan(0.28);
    expect(zeros / n).toBeLessThan(0.32);
    expect(mask.every((m) => m === 0 || Math.abs(m - 1 / 0.7) < 1e-6)).toBe(true);
  });

  it('locked: each stream keeps its mask at every step of a window, a fresh one in the next window', () => {
    const T = 9, B = 16, E = 32, H = 24, p = 0.4;
    const net = makeNetwork(tinyConfig('gru', 2, { embed: E, hidden: H }), 9, B, T, 1, true, { dropout: p, lockedDropout: true });
    randomWindow(net, T, B, 5);
    const f = net.kernels.heap.f32, rng = new Rng(4);
    const masks = () => [[net.x0Mask, E], [net.layers[1].mask, H], [net.yMask, H]].map(([at, n]) => f.slice(at, at + T * B * n));
    net.forward(T, B, rng);
    const first = masks();
    for (const [i, n] of [E, H, H].entries()) {
      const step0 = first[i].subarray(0, B * n);
      for (let t = 1; t < T; t++) expect(first[i].subarray(t * B * n, (t + 1) * B * n), `mask ${i}, step ${t}`).toEqual(step0);
      const zeros = step0.filter((m) => m === 0).length / (B * n);
      expect(zeros).toBeGreaterThan(0.3);
      expect(zeros).toBeLessThan(0.5);
      expect(step0.every((m) => m === 0 || Math.abs(m - 1 / (1 - p)) < 1e-6)).toBe(true);
      // streams differ: not one mask for the whole batch
      expect(step0.subarray(0, n)).not.toEqual(step0.subarray(n, 2 * n));
    }
    net.forward(T, B, rng);
    masks().forEach((m, i) => expect(m, `mask ${i}`).not.toEqual(first[i]));
  });
});
