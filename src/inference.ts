/**
 * recur's inference path: load a model from bytes, sample, score, evaluate,
 * and draw reports. Browser-safe: nothing here (or below it) imports a Node
 * built-in or the trainer; a test bundles this entry for the browser and runs
 * it in headless Chromium, and test/architecture.test.ts checks the imports.
 * Import it as `recur/inference`; `recur` itself adds training (Node only).
 */
export { RecurError, isRecurError, usageError, inputError, formatError, type ErrorKind } from './core/errors.js';
export { EOS, UNK } from './core/ids.js';
export { Rng } from './core/rng.js';
export {
  resolveFamily, fieldsOf, nest, defaultText, familyJSON, checkValue,
  type OptionSpec, type OptionTable, type OptionFamily, type OptionType, type FamilyValues, type FamilyGiven,
} from './core/options.js';
export { DATA_OPTIONS, REPLACE_INVALID_OPTION } from './data/options.js';
export { choice } from './core/options.js';
export { modelConfig, type ModelConfig } from './model/config.js';
export { CELLS, SOFTMAXES, type CellType, type SoftmaxKind, type ArchConfig } from './nn/config.js';
export { LEVELS, SPLITS, TOKENIZERS, type Level, type SplitMode, type Tokenize, type TextConfig } from './data/text.js';
export { LanguageModel } from './model/model.js';
export { compactHistory, type History, type HistoryPoint } from './model/history.js';
export { Vocab, EOS_TOKEN, UNK_TOKEN } from './data/vocab.js';
export { tokenize, detokenize } from './data/tokenize.js';
export { splitSequences } from './data/corpus.js';
export { readSafetensors, readSafetensorsHeader, safetensorsHeaderLength } from './io/safetensors.js';
export { saveModel, loadModel, MODEL_FORMAT } from './model/model-file.js';
export { InferenceSession, type SessionOptions, type ChunkWorkers } from './infer/session.js';
export {
  sampleOne, sampleTokens, sampleWriter, joinSample, primeTokens, SAMPLE_DEFAULTS,
  type Sample, type SampleOptions, type SampleOptionsGiven, type SampleStart, type SampledToken,
} from './infer/sample.js';
export { SAMPLE_OPTIONS, SAMPLE_COMMAND_OPTIONS, resolveSampleOptions } from './infer/options.js';
export { sampleStream, nextTokens, type StreamOptions, type Candidate } from './infer/stream.js';
export { scoreSentences, evaluateText, type ScoreOptions, type SentenceScore, type TokenScore, type Evaluation } from './infer/score.js';
export { scoreStream, evaluateStream, type TextPieces, type StreamedOptions, type ScoreStreamOptions, type EvaluateStreamOptions } from './infer/streamed.js';
export { DynamicScorer, DYNAMIC_SEGMENT, type DynamicOptions } from './model/dynamic.js';
export { formatKenlm, formatSrilm, kenlmSummary, srilmSummary, type KenlmSummary, type SrilmSummary } from './infer/lmformats.js';
export { KERNEL_SETS, DEFAULT_KERNELS, KERNELS_OPTION, THREADS_OPTION, kernelReport, type KernelSetName, type KernelReport } from './kernels/index.js';
export { renderReport } from './report/html.js';
export { renderHeatmapPage } from './report/heatmap.js';
export { HEAT_MAX_BITS, heatRgb, surprise01 } from './report/colors.js';
export {
  recordFromModel, recordFromState, attachHistory, flatOptions, parseRunRecord,
  type RunRecord, type RunPoint, type RunSamples,
} from './report/record.js';
