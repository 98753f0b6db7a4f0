/**
 * recur: recurrent language models (RNN, GRU, LSTM) trained on the CPU,
 * sampled and scored, with PyTorch-compatible model files.
 *
 * Everything here runs in a browser too, except `train`'s use of worker
 * threads (none yet) and the helpers under recur/node.
 */
export { RecurError, isRecurError, type ErrorKind } from './core/errors.js';
export { Rng } from './core/rng.js';
export type { ModelConfig, CellType, Level, SplitMode, Tokenize } from './nn/config.js';
export { LanguageModel } from './nn/model.js';
export { Vocab, EOS_TOKEN, UNK_TOKEN } from './data/vocab.js';
export { tokenize, detokenize } from './data/tokenize.js';
export { saveModel, loadModel, MODEL_FORMAT } from './io/model-file.js';
export { InferenceSession, type SessionOptions } from './infer/session.js';
export {
  sampleOne,
  sampleTokens,
  SAMPLE_DEFAULTS,
  type Sample,
  type SampleOptions,
  type SampledToken,
} from './infer/sample.js';
export { scoreSentences, evaluateText, type SentenceScore, type TokenScore, type Evaluation } from './infer/score.js';
export {
  train,
  prepareTraining,
  TrainingDiverged,
  type TrainOptions,
  type TrainResult,
  type TrainEvent,
  type TrainState,
  type CheckpointPolicy,
} from './train/trainer.js';
export { saveCheckpoint, loadCheckpoint, CHECKPOINT_FORMAT, type Checkpoint } from './train/checkpoint.js';
export { KERNEL_SETS, type KernelSetName } from './kernels/index.js';
