/**
 * The CLI's defaults for a character-level run, for library users who want to
 * change a few options only: `train({ ...TRAIN_DEFAULTS, texts, hidden: 128 })`.
 */
import type { TrainOptions } from './trainer.js';

export const TRAIN_DEFAULTS: Omit<TrainOptions, 'texts'> = {
  level: 'char',
  split: 'lines',
  tokenize: 'default',
  lowercase: false,
  maxVocab: 0,
  minCount: 1,
  valFrac: 0.1,
  cell: 'gru',
  embed: 64,
  hidden: 256,
  layers: 1,
  batch: 32,
  seqLen: 64,
  optimizer: 'adam',
  clip: 5,
  clipValue: 0,
  dropout: 0,
  weightDecay: 0,
  evalEvery: 0,
  epochs: 10,
  seed: 1,
  kernels: 'reference',
};
