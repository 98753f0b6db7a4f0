import type { TrainOptions } from '../../src/train/trainer.js';

/** Small, fast training options for tests (reference kernels, a tiny GRU). */
export function options(over: Partial<TrainOptions> = {}): TrainOptions {
  return {
    texts: ['abc\n'], level: 'char', split: 'lines', tokenize: 'default', lowercase: false, maxVocab: 0, minCount: 1, valFrac: 0,
    cell: 'gru', embed: 8, hidden: 16, layers: 1, batch: 4, seqLen: 8, optimizer: 'adam', clip: 5, clipValue: 0, dropout: 0,
    weightDecay: 0, evalEvery: 0, seed: 1, kernels: 'reference', ...over,
  };
}
