/**
 * Training in tests, with the options written flat (`{ hidden: 16, steps: 3 }`)
 * beside the run's inputs; `train` sorts them into the library's parts.
 * `resume` may be a bare state: its options are the ones given beside it (the
 * tests resume with the options they started with).
 */
import { nest } from '../../src/core/options.js';
import type { PreparedCorpus } from '../../src/data/prepare.js';
import { TRAIN_OPTIONS } from '../../src/train/options.js';
import { train as libTrain, trainOptions, type TrainInput, type TrainResult, type TrainState } from '../../src/train/trainer.js';

export type FlatOptions = Record<string, unknown>;

const INPUTS = ['texts', 'valTexts', 'store', 'init', 'resume', 'checkpoint', 'signal', 'onEvent', 'onValidate'];

/** Small, fast training options for tests (reference kernels, one thread, a tiny GRU). */
export function options(over: FlatOptions = {}): FlatOptions {
  return {
    texts: ['abc\n'], level: 'char', split: 'lines', tokenize: 'default', lowercase: false, maxVocab: 0, minCount: 1, valFrac: 0,
    cell: 'gru', embed: 8, hidden: 16, layers: 1, batch: 4, seqLen: 8, optimizer: 'adam', clip: 5, clipValue: 0, dropout: 0,
    weightDecay: 0, evalEvery: 0, seed: 1, kernels: 'reference', threads: 1, ...over,
  };
}

export function toInput(flat: FlatOptions): TrainInput {
  const opts: FlatOptions = {}, input: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flat)) (INPUTS.includes(k) ? input : opts)[k] = v;
  const given = nest(TRAIN_OPTIONS, opts) as TrainInput;
  const out: TrainInput = { ...given, ...input };
  const resume = input.resume as TrainState | { state: TrainState } | undefined;
  if (resume && !('state' in resume)) out.resume = { state: resume, options: trainOptions({ ...given, ...input, resume: undefined }) };
  return out;
}

export function train(flat: FlatOptions, prepared?: PreparedCorpus): Promise<TrainResult> {
  return libTrain(toInput(flat), prepared);
}
