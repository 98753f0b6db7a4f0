/**
 * Everything a training run must carry across a restart, as one record.
 *
 * The run (run.ts) captures a TrainState between steps (never in the middle of
 * one) and can be built from one instead of from scratch; a run resumed from a
 * state captured after step k continues with bit-identical numbers to the run
 * that was never stopped. checkpoint.ts turns a state into a file and back,
 * field by field from the table there, which the compiler holds to this type.
 *
 * What makes the continuation exact:
 *  - parameters, optimizer moments and the optimizer's step count (Adam's bias correction);
 *  - the data position: epoch and window, and the Rng state from just before this
 *    epoch's shuffle (`epochRng`), from which the epoch's order is drawn again;
 *  - the Rng state now (`rng`: dropout masks and later shuffles continue from it);
 *  - what the slices of the batch carry (worker threads): the hidden state carried
 *    into the next window (h, and c for LSTM, per layer) and their dropout generators;
 *  - the learning-rate schedule, the best parameters so far and their validation loss,
 *    the loss history and the counters it is built from (COUNTERS below).
 *
 * Plain data, browser-safe. Arrays are owned copies, never views into the heap.
 */
import type { RngState } from '../core/rng.js';
import type { BatchPosition } from '../data/batches.js';
import type { SliceSnapshot } from '../parallel/pool.js';
import type { History } from '../model/history.js';
import type { ModelConfig } from '../model/config.js';
import type { OptimizerState } from './optimizer.js';
import type { ScheduleState } from './schedule.js';
import { firstNonFinite } from '../core/finite.js';

interface Counter {
  kind: 'int' | 'real' | 'finite';
  start: number;
  /** its value in a checkpoint written before the counter existed */
  older?: (s: { step: number; B: number; T: number }) => number;
}

/**
 * The run's scalar counters: their kinds and starting values. The type, a
 * fresh run's values and the checkpoint's reading and writing all come from
 * this table, so a new counter is one line here and the code that updates it.
 */
export const COUNTERS = {
  /** optimizer steps done */
  step: { kind: 'int', start: 0 },
  /** training tokens consumed (B·T per step; checkpoints from before it existed: step·B·T) */
  tokens: { kind: 'int', start: 0, older: (s: { step: number; B: number; T: number }) => s.step * s.B * s.T },
  /** loss of the first step (NaN before it): a later loss above 3× this counts as divergence */
  firstLoss: { kind: 'real', start: NaN },
  /** loss of the last step (NaN before the first) */
  lastLoss: { kind: 'real', start: NaN },
  /** running sum and count of the training-loss interval not yet in the history */
  intervalLoss: { kind: 'real', start: 0 },
  intervalSteps: { kind: 'int', start: 0 },
  /** training wall-clock time so far (this run and the runs it resumed) */
  elapsedMs: { kind: 'finite', start: 0 },
} as const satisfies Record<string, Counter>;

export type Counters = { -readonly [K in keyof typeof COUNTERS]: number };

export function freshCounters(): Counters {
  return Object.fromEntries(Object.entries(COUNTERS).map(([k, c]) => [k, c.start])) as Counters;
}

export interface TrainState extends Counters, BatchPosition {
  /** the architecture and vocabulary (index = id) the parameters belong to */
  config: ModelConfig;
  vocab: readonly string[];
  /** the window size actually used (after shrinking to fit a small corpus) */
  B: number;
  T: number;
  /** windows per epoch of the corpus the state was trained on */
  windowsPerEpoch: number;

  /** the Rng state now */
  rng: RngState;
  /** what the slices of the batch carry: per layer the (B, H) state (c for LSTM only), and the dropout generators of slices 1 … */
  slices: SliceSnapshot;
  schedule: ScheduleState;
  params: Float32Array;
  optimizer: OptimizerState;
  best: { params: Float32Array; valLoss: number; step: number } | null;
  history: History;
}

/** The fractional epochs a state stands for. */
export function epochsOf(s: Pick<TrainState, 'epoch' | 'window' | 'windowsPerEpoch'>): number {
  return s.epoch + s.window / s.windowsPerEpoch;
}

/** True when every number that goes into the next step is finite. */
export function stateIsFinite(s: TrainState): boolean {
  const finite = (a: Float32Array | null): boolean => !a || firstNonFinite(a) < 0;
  return finite(s.params) && s.optimizer.moments.every(finite) && s.slices.carry.every((c) => finite(c.h) && finite(c.c));
}
