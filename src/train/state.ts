/**
 * Everything a training run must carry across a restart, in one place.
 *
 * The trainer captures a TrainState between steps (never in the middle of
 * one) and can start from one instead of from scratch; a run resumed from a
 * state captured after step k continues with bit-identical numbers to the run
 * that was never stopped. checkpoint.ts turns a TrainState into a file and back.
 *
 * What makes the continuation exact:
 *  - parameters, optimizer moments and the optimizer's step count (Adam's bias correction);
 *  - the data position: epoch and window, and the Rng state from just before this
 *    epoch's shuffle (`epochRng`), from which the epoch's order is drawn again;
 *  - the Rng state now (`rng`: dropout masks and later shuffles continue from it);
 *  - the hidden state carried into the next window (h, and c for LSTM, per layer);
 *  - the best parameters so far and their validation loss, the loss history and
 *    the running numbers it is built from (the current logging interval, the first
 *    loss that the explosion test compares against).
 *
 * Plain data, browser-safe. Arrays are owned copies, never views into the heap.
 */
import type { RngState } from '../core/rng.js';
import type { History } from '../model/history.js';
import type { ModelConfig } from '../model/config.js';
import type { OptimizerName } from './optimizer.js';
import type { ScheduleState } from './schedule.js';

export interface TrainState {
  /** the architecture and vocabulary (index = id) the parameters belong to */
  config: ModelConfig;
  vocab: readonly string[];
  /** the window size actually used (after shrinking to fit a small corpus) */
  B: number;
  T: number;
  /** windows per epoch of the corpus the state was trained on */
  windowsPerEpoch: number;

  /** optimizer steps done */
  step: number;
  /** epochs completed (0-based index of the current epoch) and windows done in it */
  epoch: number;
  window: number;
  /** the Rng state just before the current epoch's shuffle */
  epochRng: RngState;
  /** the Rng state now */
  rng: RngState;
  /** with worker threads: the dropout generators of slices 1 … (slice 0 uses `rng`) */
  sliceRngs?: RngState[];
  /** the learning-rate schedule (rate after decays, plateau counts) */
  schedule?: ScheduleState;

  params: Float32Array;
  optimizer: { name: OptimizerName; t: number; moments: Float32Array[] };
  /** the state carried into the next window, per layer: (B, H) each; c is null except for LSTM */
  carry: { h: Float32Array; c: Float32Array | null }[];

  best: { params: Float32Array; valLoss: number; step: number } | null;
  /** loss of the first step (NaN before it): a later loss above 3× this counts as divergence */
  firstLoss: number;
  /** loss of the last step (NaN before the first) */
  lastLoss: number;
  /** running sum and count of the training-loss interval not yet in the history */
  intervalLoss: number;
  intervalSteps: number;
  history: History;
  /** training wall-clock time so far (this run and the runs it resumed) */
  elapsedMs: number;
}

/** The fractional epochs a state stands for. */
export function epochsOf(s: Pick<TrainState, 'epoch' | 'window'>, windowsPerEpoch: number): number {
  return s.epoch + s.window / windowsPerEpoch;
}

/** True when every number that goes into the next step is finite. */
export function stateIsFinite(s: TrainState): boolean {
  const finite = (a: Float32Array | null): boolean => {
    if (!a) return true;
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
    return true;
  };
  return finite(s.params) && s.optimizer.moments.every(finite) && s.carry.every((c) => finite(c.h) && finite(c.c));
}
