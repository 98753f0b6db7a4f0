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
  prepareTraining,
  TrainingDiverged,
  type TrainOptions,
  type TrainResult,
  type TrainEvent,
  type TrainState,
  type CheckpointPolicy,
} from './train/trainer.js';
export { epochsOf } from './train/state.js';
export { TRAIN_DEFAULTS, DEFAULT_EPOCHS, LEVEL_DEFAULTS, SCHEDULE_DEFAULTS } from './train/defaults.js';
export { OPTIMIZERS, DEFAULT_LR, type OptimizerName } from './train/optimizer.js';
export { saveCheckpoint, loadCheckpoint, checkpointFromFile, isCheckpoint, CHECKPOINT_FORMAT, type Checkpoint } from './train/checkpoint.js';
export { paramLayout } from './nn/params.js';
export { readText, readBytes, readModelBytes, type ReadTextOptions } from './node/files.js';
export { writeFileAtomic } from './node/atomic-write.js';
export {
  prepareStore, type PrepareOptions, type PrepareRun, type PrepareProgress,
} from './store/prepare.js';
export { STORE_FORMAT, type StoreManifest, type PartInfo, type ShardInfo, type SourceInfo, type SkippedInfo } from './store/manifest.js';
export { isStoreFolder } from './store/inputs.js';
export { ArrayTokenSource, blockStarts, type TokenSource } from './data/source.js';
export { BatchStream } from './data/batches.js';
export { openStore, verifyStore, readManifest, checkStore, ShardSource, type OpenedStore, type Verify } from './store/reader.js';
