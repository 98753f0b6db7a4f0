/**
 * recur's inference path: load a model from bytes, sample, score, evaluate.
 * Browser-safe: nothing here (or below it) imports a Node built-in; a test
 * bundles this entry for the browser and runs it in headless Chromium.
 * Import it as `recur/inference`; `recur` itself adds training (Node only).
 */
export { RecurError, isRecurError, type ErrorKind } from './core/errors.js';
export { Rng } from './core/rng.js';
export { modelConfig, type ModelConfig, type CellType, type Level, type SplitMode, type Tokenize, type SoftmaxKind } from './nn/config.js';
export { LanguageModel } from './nn/model.js';
export { Vocab, EOS_TOKEN, UNK_TOKEN } from './data/vocab.js';
export { tokenize, detokenize } from './data/tokenize.js';
export { saveModel, loadModel, MODEL_FORMAT } from './io/model-file.js';
export { InferenceSession, type SessionOptions } from './infer/session.js';
export { sampleOne, sampleTokens, SAMPLE_DEFAULTS, type Sample, type SampleOptions, type SampledToken } from './infer/sample.js';
export { sampleStream, nextTokens, type StreamOptions, type Candidate } from './infer/stream.js';
export { scoreSentences, evaluateText, type SentenceScore, type TokenScore, type Evaluation } from './infer/score.js';
export { formatKenlm, formatSrilm, kenlmSummary, srilmSummary, type KenlmSummary, type SrilmSummary } from './infer/lmformats.js';
export { KERNEL_SETS, DEFAULT_KERNELS, type KernelSetName } from './kernels/index.js';
export { renderReport } from './report/html.js';
export { renderHeatmapPage } from './report/heatmap.js';
export { recordFromModel, recordFromTrainResult, attachHistory, parseRunRecord, type RunRecord, type RunPoint, type RunSamples } from './report/record.js';
