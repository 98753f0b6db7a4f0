/** Helpers for exact-resume tests: stop a run after step k, pass its state through a checkpoint file, compare runs. */
import { expect } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import type { TrainResult, TrainState } from '../../src/train/trainer.js';
import { train, type FlatOptions } from './train.js';

export function bytes(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Losses and positions of the history, without the wall-clock times. */
export function curve(r: TrainResult): unknown {
  const strip = (p: { step: number; epoch: number; loss: number }) => [p.step, p.epoch, p.loss];
  return { train: r.history.train.map(strip), val: r.history.val.map(strip) };
}

/** Run `o` but stop after step k; the state goes through a checkpoint file. */
export async function stopAt(o: FlatOptions, k: number): Promise<TrainState> {
  const ac = new AbortController();
  const r = await train({ ...o, signal: ac.signal, onEvent: (e: { type: string; step?: number }) => { if (e.type === 'step' && e.step === k) ac.abort(); } });
  expect(r.stopReason).toBe('aborted');
  expect(r.steps).toBe(k);
  return loadCheckpoint(saveCheckpoint({ state: r.state, options: r.options, run: { test: true } })).state;
}
