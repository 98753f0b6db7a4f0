/**
 * Training defaults, shared by the CLI and library users who want to change a
 * few options only: `train({ ...TRAIN_DEFAULTS, texts, hidden: 128 })`.
 * The sizes that depend on the level come from LEVEL_DEFAULTS.
 */
import { DEFAULT_KERNELS } from '../kernels/index.js';
import type { Level } from '../nn/config.js';
import type { TrainOptions } from './trainer.js';

export const LEVEL_DEFAULTS: Record<Level, { embed: number; hidden: number; seqLen: number; maxVocab: number }> = {
  char: { embed: 64, hidden: 256, seqLen: 64, maxVocab: 0 },
  word: { embed: 128, hidden: 256, seqLen: 32, maxVocab: 10000 },
};

/** The limit when none of epochs, steps or time is given. */
export const DEFAULT_EPOCHS = 10;

export const TRAIN_DEFAULTS: Omit<TrainOptions, 'texts'> = {
  level: 'char',
  split: 'lines',
  tokenize: 'default',
  lowercase: false,
  maxVocab: LEVEL_DEFAULTS.char.maxVocab,
  minCount: 1,
  valFrac: 0.1,
  cell: 'gru',
  embed: LEVEL_DEFAULTS.char.embed,
  hidden: LEVEL_DEFAULTS.char.hidden,
  layers: 1,
  batch: 32,
  seqLen: LEVEL_DEFAULTS.char.seqLen,
  optimizer: 'adam',
  clip: 5,
  clipValue: 0,
  dropout: 0,
  weightDecay: 0,
  evalEvery: 0,
  epochs: DEFAULT_EPOCHS,
  seed: 1,
  kernels: DEFAULT_KERNELS,
};
