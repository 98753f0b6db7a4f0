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
} from './train/trainer.js';
export { TRAIN_DEFAULTS } from './train/defaults.js';
