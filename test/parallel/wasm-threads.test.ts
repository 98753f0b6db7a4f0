/**
 * The path the benchmark measures, in the test suite: training with the
 * WebAssembly kernels on 2 worker threads (the other thread tests use the
 * reference kernels). For a given seed and thread count the run is
 * bit-identical, weights and losses; it agrees with 1 thread up to the order
 * in which the slices' gradients are summed (bound: every weight within 1e-4 of
 * the largest change of any weight over the run; measured 2e-6 to 4e-6); and a
 * run interrupted, written to a checkpoint file and resumed is the run left
 * alone, byte for byte.
 * Sizes are odd (E = 9, H = 19) so the SIMD kernels' remainder paths run too.
 */
import { describe, expect, it } from 'vitest';
import type { CellType } from '../../src/nn/config.js';
import type { TrainEvent, TrainResult } from '../../src/train/trainer.js';
import { bytes, curve, stopAt } from '../helpers/resume.js';
import { options, train, type FlatOptions } from '../helpers/train.js';

const text = Array.from({ length: 80 }, (_, i) => `line ${i} says ${'abcdefghij'.slice(i % 7)} and ${i * 13}`).join('\n');

function opts(over: FlatOptions = {}): FlatOptions {
  return options({
    texts: [text], kernels: 'wasm', threads: 2, cell: 'gru', embed: 9, hidden: 19, layers: 2, batch: 6, seqLen: 16,
    valFrac: 0.1, evalEvery: 5, optimizer: 'adam', clip: 5, seed: 5, steps: 16, ...over,
  });
}

/** A run with its starting weights and the loss and gradient norm of every step. */
async function run(o: FlatOptions): Promise<{ r: TrainResult; start: Float32Array; steps: [number, number][] }> {
  const steps: [number, number][] = [];
  let start: Float32Array | null = null;
  const r = await train({
    ...o,
    onEvent: (e: TrainEvent) => { if (e.type === 'step') steps.push([e.loss, e.gradNorm]); },
    // a new run saves its starting point (the state before the first step; no other checkpoint here)
    checkpointEvery: 0, checkpointInterval: 0,
    checkpoint: (c: { state: { params: Float32Array } }) => { start ??= c.state.params; },
  });
  return { r, start: start!, steps };
}

const cases: [CellType, FlatOptions, string][] = [
  ['gru', {}, 'the benchmark\'s settings (adam, clip 5, no dropout)'],
  ['lstm', { dropout: 0.2, weightDecay: 1e-4 }, 'dropout (one generator per slice), weight decay'],
  ['rnn', { optimizer: 'rmsprop', split: 'none' }, 'rmsprop, split none'],
];

describe('WebAssembly kernels on 2 worker threads', () => {
  for (const [cell, over, label] of cases) {
    it(`${cell}, ${label}: the same seed gives bit-identical weights and losses twice; another seed does not`, async () => {
      const o = opts({ cell, ...over });
      const a = await run(o), b = await run(o);
      expect(a.r.threads).toBe(2);
      expect(a.r.steps).toBe(16);
      expect(bytes(a.r.model.params).equals(bytes(b.r.model.params))).toBe(true);
      expect(bytes(a.r.state.params).equals(bytes(b.r.state.params))).toBe(true);
      expect(b.steps).toEqual(a.steps);
      expect(curve(b.r)).toEqual(curve(a.r));
      expect(b.r.bestValLoss).toBe(a.r.bestValLoss);
      const c = await run({ ...o, seed: 6 });
      expect(bytes(c.r.state.params).equals(bytes(a.r.state.params))).toBe(false);
    });
  }

  // without dropout (with it, each slice draws its masks from its own generator, so the runs differ by design)
  it('2 threads agree with 1 thread to float rounding: weights within 1e-4 of how far they moved, losses within 1e-6', async () => {
    for (const [cell, over] of cases) {
      const one = await run(opts({ cell, ...over, dropout: 0, threads: 1 }));
      const two = await run(opts({ cell, ...over, dropout: 0, threads: 2 }));
      expect(one.r.threads).toBe(1);
      expect(two.r.threads).toBe(2);
      expect(bytes(one.start).equals(bytes(two.start))).toBe(true);
      let worst = 0, moved = 0;
      for (let i = 0; i < one.start.length; i++) {
        worst = Math.max(worst, Math.abs(one.r.state.params[i] - two.r.state.params[i]));
        moved = Math.max(moved, Math.abs(one.r.state.params[i] - one.start[i]));
      }
      expect(moved).toBeGreaterThan(1e-2);
      expect(worst, cell).toBeLessThan(1e-4 * moved);
      expect(two.steps.length).toBe(one.steps.length);
      for (let s = 0; s < one.steps.length; s++) expect(Math.abs(two.steps[s][0] - one.steps[s][0]) / one.steps[s][0]).toBeLessThan(1e-6);
      expect(Math.abs(two.r.bestValLoss! - one.r.bestValLoss!) / one.r.bestValLoss!).toBeLessThan(1e-6);
    }
  });

  // the validation network computes in the memory the slices use for one window (train/run.ts):
  // validating between steps must leave the carried state, moments and parameters as they were
  it('validating after every step changes no weight: the run equals one that validates only at the end', async () => {
    for (const [cell, over] of cases) {
      const quiet = opts({ cell, ...over, evalEvery: 1000, lrDecay: 1, earlyStop: 0 });
      const often = opts({ cell, ...over, evalEvery: 1, lrDecay: 1, earlyStop: 0 });
      const a = await run(quiet), b = await run(often);
      expect(b.r.history.val.length).toBe(16);
      expect(a.r.history.val.length).toBe(1);
      expect(b.steps, cell).toEqual(a.steps);
      expect(bytes(b.r.state.params).equals(bytes(a.r.state.params)), cell).toBe(true);
      expect(b.r.history.val.at(-1)!.loss).toBe(a.r.history.val.at(-1)!.loss);
    }
  });

  it('a run interrupted, written to a checkpoint file and resumed equals the run left alone, byte for byte', async () => {
    for (const [cell, over] of cases) {
      const o = opts({ cell, ...over, steps: 0 });
      const perEpoch = Math.round(1 / (await train({ ...o, steps: 1 })).epochs);
      const total = perEpoch + 4;
      const alone = await train({ ...o, steps: total });
      // mid-epoch, and exactly at the epoch boundary
      for (const k of [3, perEpoch]) {
        const resumed = await train({ ...o, steps: total, resume: await stopAt({ ...o, steps: total }, k) });
        expect(resumed.threads).toBe(2);
        expect(resumed.steps).toBe(total);
        expect(bytes(resumed.model.params).equals(bytes(alone.model.params)), `${cell}: best weights after resuming at step ${k}`).toBe(true);
        expect(bytes(resumed.state.params).equals(bytes(alone.state.params)), `${cell}: last weights after resuming at step ${k}`).toBe(true);
        expect(curve(resumed)).toEqual(curve(alone));
        expect(resumed.bestStep).toBe(alone.bestStep);
        expect(resumed.bestValLoss).toBe(alone.bestValLoss);
      }
    }
  });
});
