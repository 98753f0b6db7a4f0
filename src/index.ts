/**
 * recur: recurrent language models (RNN, GRU, LSTM) trained on the CPU,
 * sampled and scored, with PyTorch-compatible model files.
 *
 * This entry is the inference path (recur/inference, browser-safe) plus
 * training and the Node-side file helpers; it runs in Node (worker threads, fs).
 */
import { enableWasmRelaxedSimd } from './node/wasm-features.js';

// Node 20 compiles the fma kernels only with this V8 flag, set before any module is compiled
enableWasmRelaxedSimd();

export * from './inference.js';
export { openSession, type PoolOptions } from './infer/pool.js';
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
export { saveCheckpoint, checkpointParts, loadCheckpoint, checkpointFromFile, checkpointSummary, isCheckpoint, CHECKPOINT_FORMAT, type Checkpoint } from './train/checkpoint.js';
export { paramLayout } from './nn/params.js';
export { readText, readTextPieces, readBytes, readModelBytes, type ReadTextOptions, type TextPiecesOptions } from './node/files.js';
export { writeFileAtomic, checkWritable } from './node/atomic-write.js';
export {
  prepareStore, type PrepareOptions, type PrepareRun, type PrepareProgress,
} from './store/prepare.js';
export { PREPARE_OPTIONS, STORE_OPTIONS, type PrepareCommandOptions } from './store/options.js';
export { STORE_FORMAT, type StoreManifest, type PartInfo, type ShardInfo, type SourceInfo, type SkippedInfo } from './store/manifest.js';
export { isStoreFolder } from './store/inputs.js';
export { ArrayTokenSource, blockStarts, type TokenSource } from './data/source.js';
export { BatchStream } from './data/batches.js';
export { openStore, verifyStore, readManifest, checkStore, ShardSource, type OpenedStore, type Verify } from './store/reader.js';
// training from token stores (issue 10, phase 2)
export {
  trainingData, storeDataOptions, checkSameStore, type TrainingData, type DataPart,
} from './train/trainer.js';
export { storeIdentity, type StoreIdentity } from './store/reader.js';
