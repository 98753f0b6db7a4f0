/**
 * recur: recurrent language models (RNN, GRU, LSTM) trained on the CPU,
 * sampled and scored, with PyTorch-compatible model files.
 *
 * This entry is the inference path (recur/inference, browser-safe) plus
 * training, which runs in Node (worker threads).
 */
export * from './inference.js';
export {
  train,
  prepareTraining,
  TrainingDiverged,
  type TrainOptions,
  type TrainResult,
  type TrainEvent,
  type HistoryPoint,
  type TrainState,
  type CheckpointPolicy,
} from './train/trainer.js';
export { TRAIN_DEFAULTS } from './train/defaults.js';
export { saveCheckpoint, loadCheckpoint, CHECKPOINT_FORMAT, type Checkpoint } from './train/checkpoint.js';
