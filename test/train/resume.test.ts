/**
 * Exact resume: a run stopped after step k, written to a checkpoint file, read
 * back and continued, ends with the same bytes in every weight and the same
 * loss curve as the run that was never stopped.
 */
import { describe, expect, it } from 'vitest';
import { RecurError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { checkpointParts, checkpointSummary, loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { readSafetensorsHeader } from '../../src/io/safetensors.js';
import type { TrainResult, TrainState } from '../../src/train/trainer.js';
import { options, train, type FlatOptions } from '../helpers/train.js';

const names = ['anna', 'bob', 'carla', 'dave', 'emma', 'fred', 'gina', 'hugo', 'ida', 'jon', 'kim', 'lena', 'mona', 'nils', 'olga', 'pia'];
const text = Array.from({ length: 6 }, (_, r) => names.map((n, i) => n + 'xyz'.slice(0, (i + r) % 4)).join('\n')).join('\n') + '\n';

function bytes(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Losses and positions of the history, without the wall-clock times. */
function curve(r: TrainResult): unknown {
  const strip = (p: { step: number; epoch: number; loss: number }) => [p.step, p.epoch, p.loss];
  return { train: r.history.train.map(strip), val: r.history.val.map(strip) };
}

/** Run `o` but stop after step k; the state goes through a checkpoint file. */
async function stopAt(o: FlatOptions, k: number): Promise<TrainState> {
  const ac = new AbortController();
  const r = await train({ ...o, signal: ac.signal, onEvent: (e) => { if (e.type === 'step' && e.step === k) ac.abort(); } });
  expect(r.stopReason).toBe('aborted');
  expect(r.steps).toBe(k);
  return loadCheckpoint(saveCheckpoint({ state: r.state, options: r.options, run: { test: true } })).state;
}

describe('resume', () => {
  const cases: [string, FlatOptions, number[]][] = [
    // 15–17 windows of 4×8 per epoch, runs of 2 epochs + 3 steps: points early, mid-epoch, exactly
    // at an epoch boundary (15, 30 for the first), in the second and third epoch; each resumed run
    // is interrupted once more 4 steps later and resumed again
    ['GRU, adam, dropout, shuffled lines, validation every 7 steps', { dropout: 0.3, valFrac: 0.15, evalEvery: 7 }, [1, 5, 13, 15, 24, 30]],
    ['2-layer LSTM, rmsprop, dropout, per-epoch validation, weight decay', { cell: 'lstm', layers: 2, optimizer: 'rmsprop', dropout: 0.2, valFrac: 0.1, weightDecay: 1e-4 }, [3, 11, 22]],
    ['RNN, sgd, split none', { cell: 'rnn', optimizer: 'sgd', split: 'none', valFrac: 0.1, evalEvery: 5, lr: 0.1 }, [2, 9]],
    // the batch sliced over 2 worker threads (per-slice dropout generators), a decaying learning rate, warm-up
    // (at this high rate the rate decays at steps 9 and 18, so the schedule's state crosses interruptions)
    ['GRU on 2 threads, dropout, lr decay on every plateau, warm-up', { threads: 2, dropout: 0.3, valFrac: 0.15, evalEvery: 3, lrDecay: 0.5, patience: 1, warmup: 5, lr: 0.4 }, [4, 12, 17]],
    ['adaptive softmax, tied-free LSTM, early stopping armed', { cell: 'lstm', softmax: 'adaptive', cutoffs: [6, 12], valFrac: 0.15, evalEvery: 4, earlyStop: 50 }, [6]],
  ];
  for (const [name, over, points] of cases) {
    it(`${name}: stopped at steps ${points.join(', ')} and resumed equals the run left alone`, async () => {
      const o = options({ texts: [text], batch: 4, seqLen: 8, hidden: 12, embed: 6, ...over, steps: 0 });
      const probe = await train({ ...o, steps: 1 });
      const perEpoch = Math.round(1 / probe.epochs);
      const total = Math.min(2 * perEpoch + 3, 40);
      const alone = await train({ ...o, steps: total });
      for (const k of points.filter((p) => p < total)) {
        let state = await stopAt({ ...o, steps: total }, k);
        // a second interruption on the way, to show that a resumed run resumes too
        const k2 = Math.min(total - 1, k + 4);
        if (k2 > k) {
          const ac = new AbortController();
          const mid = await train({ ...o, steps: total, resume: state, signal: ac.signal, onEvent: (e) => { if (e.type === 'step' && e.step === k2) ac.abort(); } });
          state = loadCheckpoint(saveCheckpoint({ state: mid.state, options: mid.options, run: {} })).state;
          expect(state.step).toBe(k2);
        }
        const resumed = await train({ ...o, steps: total, resume: state });
        expect(resumed.steps).toBe(total);
        expect(bytes(resumed.model.params).equals(bytes(alone.model.params)), `weights after resuming at step ${k}`).toBe(true);
        expect(bytes(resumed.state.params).equals(bytes(alone.state.params)), `last weights after resuming at step ${k}`).toBe(true);
        expect(curve(resumed)).toEqual(curve(alone));
        expect(resumed.bestStep).toBe(alone.bestStep);
        expect(resumed.bestValLoss).toBe(alone.bestValLoss);
      }
    });
  }

  it('a run stopped by its step limit can be extended exactly', async () => {
    const o = options({ texts: [text], dropout: 0.1, valFrac: 0.1, evalEvery: 4 });
    const alone = await train({ ...o, steps: 30 });
    const first = await train({ ...o, steps: 10 });
    const more = await train({ ...o, steps: 30, resume: loadCheckpoint(saveCheckpoint({ state: first.state, options: first.options, run: {} })) });
    expect(bytes(more.model.params).equals(bytes(alone.model.params))).toBe(true);
    expect(curve(more)).toEqual(curve(alone));
  });

  it('checkpoints are saved on the step schedule, and once at the start', async () => {
    const steps: number[] = [];
    await train({ ...options({ texts: [text] }), steps: 12, checkpointEvery: 5, checkpointInterval: 0, checkpoint: (c: { state: TrainState }) => void steps.push(c.state.step) });
    expect(steps).toEqual([0, 5, 10]);
  });

  it('checkpoints are also saved on the time interval', async () => {
    const steps: number[] = [];
    await train({ ...options({ texts: [text] }), steps: 5, checkpointEvery: 0, checkpointInterval: 1e-9, checkpoint: (c: { state: TrainState }) => void steps.push(c.state.step) });
    expect(steps).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('a checkpoint written in pieces is the same file, and its header alone gives its step and run record', async () => {
    const r = await train({ ...options({ texts: [text], cell: 'lstm', valFrac: 0.2, evalEvery: 2 }), steps: 3 });
    const c = { state: r.state, options: r.options, run: { status: 'finished', corpus: [] } };
    const whole = saveCheckpoint(c), parts = checkpointParts(c);
    expect(parts.length).toBeGreaterThan(2);
    expect(Buffer.concat(parts).equals(Buffer.from(whole))).toBe(true);
    // the header is the first piece: nothing after it is needed
    const meta = readSafetensorsHeader(parts[0], whole.length, 'ckpt').metadata;
    expect(checkpointSummary(meta, 'ckpt')).toEqual({ run: { status: 'finished', corpus: [] }, step: 3 });
    expect(() => checkpointSummary({ ...meta, state: '{}' }, 'ckpt')).toThrow(/the checkpoint is damaged/);
    expect(() => checkpointSummary({ ...meta, format: 'recur-lm/1' }, 'ckpt')).toThrow(/is a model file, not a checkpoint/);
  });

  it('fuzz: a mutated checkpoint loads (and resumes) or fails with a one-line format error', async () => {
    const r = await train({ ...options({ texts: [text], cell: 'lstm', valFrac: 0.2, evalEvery: 2 }), steps: 4 });
    const good = saveCheckpoint({ state: r.state, options: r.options, run: { corpus: [] } });
    const rng = new Rng(7);
    let loaded = 0, rejected = 0;
    for (let i = 0; i < 3000; i++) {
      const b = new Uint8Array(good);
      const kind = rng.int(3);
      if (kind === 0) for (let k = 1 + rng.int(4); k > 0; k--) b[rng.int(b.length)] ^= 1 << rng.int(8);
      else if (kind === 1) for (let k = 1 + rng.int(4); k > 0; k--) b[8 + rng.int(Math.min(b.length - 8, 4000))] = 32 + rng.int(90);
      const bytes = kind === 2 ? b.subarray(0, rng.int(b.length)) : b;
      try {
        const state = loadCheckpoint(bytes, 'ck').state;
        loaded++;
        // some of those that load are resumed: they train on or fail with recur's own error
        if (loaded % 20 === 1) {
          await train({ ...options({ texts: [text], cell: 'lstm', valFrac: 0.2, evalEvery: 2 }), steps: Math.min(state.step + 2, 1000), resume: state })
            .catch((e: unknown) => expect(e).toBeInstanceOf(RecurError));
        }
      } catch (e) {
        expect(e).toBeInstanceOf(RecurError);
        expect((e as Error).message).not.toMatch(/\n/);
        rejected++;
      }
    }
    expect(loaded + rejected).toBe(3000);
    expect(loaded).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(1000);
  });

  it('a damaged or mismatched checkpoint is a one-line format error', async () => {
    const r = await train({ ...options({ texts: [text] }), steps: 3 });
    const good = saveCheckpoint({ state: r.state, options: r.options, run: {} });
    const header = Number(Buffer.from(good).readBigUInt64LE(0));
    const json = Buffer.from(good.subarray(8, 8 + header)).toString();
    const mutate = (from: string, to: string): Uint8Array => {
      const j = json.replace(from, to).padEnd(header, ' ');
      expect(j.length).toBe(header);
      const out = new Uint8Array(good);
      out.set(Buffer.from(j), 8);
      return out;
    };
    const cases: [Uint8Array, RegExp][] = [
      [good.subarray(0, good.length - 10), /truncated|outside the data/],
      [mutate('recur-ckpt/2', 'recur-ckpt/9'), /does not read/],
      [mutate('\\"B\\":4', '\\"B\\":0'), /state\.B/],
      [mutate('"carry.h.0"', '"carry.x.0"'), /unexpected tensor|missing/],
    ];
    for (const [b, pattern] of cases) {
      let err: unknown;
      try {
        loadCheckpoint(b, 'ck');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RecurError);
      expect((err as RecurError).kind).toBe('format');
      expect((err as Error).message).toMatch(pattern);
      expect((err as Error).message).not.toMatch(/\n/);
    }
  });
});
