/**
 * recur: recurrent language models (RNN, GRU, LSTM) trained on the CPU,
 * sampled and scored, with PyTorch-compatible model files.
 *
 * This entry is the inference path (recur/inference, browser-safe) plus
 * training and the Node-side file helpers; it runs in Node (worker threads, fs).
 */
export * from './inference.js';
export {
  train,
  trainOptions,
  prepareTraining,
  TrainingDiverged,
  type TrainInput,
  type TrainResult,
  type TrainEvent,
  type TrainState,
  type StopReason,
  type Resumable,
  type RunSource,
} from './train/trainer.js';
export {
  resolveTrainOptions, TRAIN_OPTIONS, TRAIN_COMMAND_OPTIONS, TRAIN_RULES, DEFAULT_EPOCHS, ADAPTIVE_FROM,
  type TrainOptions, type TrainOptionsGiven,
} from './train/options.js';
export { epochsOf } from './train/state.js';
export type { PreparedCorpus } from './data/prepare.js';
export { OPTIMIZERS, DEFAULT_LR, type OptimizerName } from './train/optimizer.js';
export { saveCheckpoint, loadCheckpoint, checkpointFromFile, isCheckpoint, CHECKPOINT_FORMAT, type Checkpoint } from './train/checkpoint.js';
export { paramLayout } from './nn/params.js';
export { readText, readBytes, readModelBytes, type ReadTextOptions } from './node/files.js';
export { writeFileAtomic } from './node/atomic-write.js';
