/**
 * A run record: everything the HTML report shows about one training run. It
 * can be built from a finished run, from the `training` metadata of a model
 * file (which keeps a compact loss history for this), or from any other
 * source that fills it in (a checkpoint of a running job). Browser-safe.
 *
 * The trainer's result and state are read through the small structural types
 * below, so this room does not depend on the trainer.
 */
import type { LanguageModel } from '../model/model.js';
import type { ModelConfig } from '../model/config.js';
import { compactHistory, expandHistory, type History, type HistoryPoint } from '../model/history.js';
import { paramLayout } from '../nn/params.js';

export interface RunPoint {
  step: number;
  elapsedMs: number;
  loss: number;
}

export interface RunSamples {
  step: number;
  elapsedMs?: number;
  valLoss?: number;
  texts: string[];
}

export interface RunRecord {
  /** what the page is about: a model path, a run name */
  title: string;
  status: 'finished' | 'running' | 'interrupted' | 'diverged' | 'unknown';
  /** model configuration and training options, shown as a table */
  config: Record<string, unknown>;
  train: RunPoint[];
  val: RunPoint[];
  samples: RunSamples[];
  final: {
    steps?: number;
    epochs?: number;
    elapsedMs?: number;
    tokensPerSec?: number;
    trainLoss?: number | null;
    bestValLoss?: number | null;
    bestStep?: number | null;
    parameters?: number;
    vocabSize?: number;
    trainTokens?: number;
    valTokens?: number;
  };
  /** tokens per optimizer step (batch × seq-len), for throughput between points */
  tokensPerStep?: number;
  createdAt?: string;
}

export interface TrainRecordExtras {
  title: string;
  /** training options to show (the CLI passes its flags) */
  options?: Record<string, unknown>;
  samples?: RunSamples[];
  status?: RunRecord['status'];
}

/** What a report reads of a finished run (the trainer's TrainResult has all of it). */
export interface TrainSummary {
  model: LanguageModel;
  history: History;
  steps: number;
  epochs: number;
  elapsedMs: number;
  tokensPerSec: number;
  lastTrainLoss: number;
  bestValLoss: number | null;
  bestStep: number | null;
  stopReason: string;
  corpus: { trainTokens: number; valTokens: number };
}

/** What a report reads of a run's state (the trainer's TrainState has all of it). */
export interface StateSummary {
  config: ModelConfig;
  vocab: readonly string[];
  B: number;
  T: number;
  windowsPerEpoch: number;
  step: number;
  epoch: number;
  window: number;
  elapsedMs: number;
  lastLoss: number;
  best: { valLoss: number; step: number } | null;
  history: History;
}

export function recordFromTrainResult(result: TrainSummary, x: TrainRecordExtras): RunRecord {
  const m = result.model;
  const info = m.info;
  const batch = typeof info.batch === 'number' ? info.batch : undefined;
  const seqLen = typeof info.seq_len === 'number' ? info.seq_len : undefined;
  return {
    title: x.title,
    status: x.status ?? (result.stopReason === 'aborted' ? 'interrupted' : 'finished'),
    config: { ...m.config, ...(x.options ?? {}) },
    train: result.history.train.map(({ step, elapsedMs, loss }) => ({ step, elapsedMs, loss })),
    val: result.history.val.map(({ step, elapsedMs, loss }) => ({ step, elapsedMs, loss })),
    samples: x.samples ?? [],
    final: {
      steps: result.steps,
      epochs: result.epochs,
      elapsedMs: result.elapsedMs,
      tokensPerSec: result.tokensPerSec,
      trainLoss: result.lastTrainLoss,
      bestValLoss: result.bestValLoss,
      bestStep: result.bestStep,
      parameters: m.parameterCount,
      vocabSize: m.vocab.size,
      trainTokens: result.corpus.trainTokens,
      valTokens: result.corpus.valTokens,
    },
    tokensPerStep: batch !== undefined && seqLen !== undefined ? batch * seqLen : undefined,
    createdAt: new Date().toISOString(),
  };
}

/** Store what the report needs in the model's training metadata (compactly). */
export function attachHistory(model: LanguageModel, result: { history: History }, samples: RunSamples[] = []): void {
  model.info.history = compactHistory(result.history);
  if (samples.length > 0) model.info.samples = samples.map((s) => ({ step: s.step, texts: s.texts }));
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A run record from a model file's metadata (whatever of it there is). */
export function recordFromModel(model: LanguageModel, title: string): RunRecord {
  const info = model.info;
  const { train, val } = expandHistory(info.history);
  const samples: RunSamples[] = Array.isArray(info.samples)
    ? (info.samples as unknown[])
        .filter((s): s is { step: number; texts: string[] } => typeof s === 'object' && s !== null && typeof (s as { step?: unknown }).step === 'number' && Array.isArray((s as { texts?: unknown }).texts))
        .map((s) => ({ step: s.step, texts: s.texts.filter((t): t is string => typeof t === 'string') }))
    : [];
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(info)) {
    if (k === 'history' || k === 'samples') continue;
    if (['steps', 'epochs', 'elapsed_s', 'train_loss', 'val_loss', 'best_step', 'tokens_per_s'].includes(k)) continue;
    options[k] = v;
  }
  const batch = num(info.batch), seqLen = num(info.seq_len), elapsed = num(info.elapsed_s);
  return {
    title,
    status: Object.keys(info).length > 0 ? 'finished' : 'unknown',
    config: { ...model.config, ...options },
    train,
    val,
    samples,
    final: {
      steps: num(info.steps),
      epochs: num(info.epochs),
      elapsedMs: elapsed !== undefined ? elapsed * 1000 : undefined,
      tokensPerSec: num(info.tokens_per_s),
      trainLoss: num(info.train_loss) ?? null,
      bestValLoss: num(info.val_loss) ?? null,
      bestStep: num(info.best_step) ?? null,
      parameters: model.parameterCount,
      vocabSize: model.vocab.size,
    },
    tokensPerStep: batch !== undefined && seqLen !== undefined ? batch * seqLen : undefined,
  };
}

/**
 * A run record from a checkpoint's state: the run as far as it has got
 * (a running job writes one every few minutes, so its report can be drawn
 * while it trains). `options` are the run's recorded options.
 */
export function recordFromState(state: StateSummary, title: string, options: Record<string, unknown> = {}): RunRecord {
  const point = ({ step, elapsedMs, loss }: HistoryPoint): RunPoint => ({ step, elapsedMs, loss });
  const wpe = state.windowsPerEpoch;
  return {
    title,
    status: 'running',
    config: { ...state.config, ...options },
    train: state.history.train.map(point),
    val: state.history.val.map(point),
    samples: [],
    final: {
      steps: state.step,
      epochs: state.epoch + state.window / wpe,
      elapsedMs: state.elapsedMs,
      tokensPerSec: state.elapsedMs > 0 ? (state.step * state.B * state.T) / (state.elapsedMs / 1000) : undefined,
      trainLoss: Number.isFinite(state.lastLoss) ? state.lastLoss : null,
      bestValLoss: state.best?.valLoss ?? null,
      bestStep: state.best?.step ?? null,
      parameters: paramLayout(state.config, state.vocab.length).size,
      vocabSize: state.vocab.length,
    },
    tokensPerStep: state.B * state.T,
  };
}

/**
 * A run record from parsed JSON (a file written by another tool, or a
 * checkpoint's summary): checked field by field, unknown fields ignored.
 */
export function parseRunRecord(raw: unknown, what = 'run record'): RunRecord {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TypeError(`${what} must be a JSON object`);
  const o = raw as Record<string, unknown>;
  const points = (v: unknown, name: string): RunPoint[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new TypeError(`${what}: ${name} must be an array of {step, elapsedMs, loss}`);
    return v.map((p, i) => {
      const q = p as Record<string, unknown>;
      if (typeof q !== 'object' || q === null || typeof q.step !== 'number' || typeof q.elapsedMs !== 'number' || typeof q.loss !== 'number') {
        throw new TypeError(`${what}: ${name}[${i}] must be {step, elapsedMs, loss} numbers`);
      }
      return { step: q.step, elapsedMs: q.elapsedMs, loss: q.loss };
    });
  };
  const statuses = ['finished', 'running', 'interrupted', 'diverged', 'unknown'];
  const samples = Array.isArray(o.samples)
    ? (o.samples as Record<string, unknown>[]).filter((s) => typeof s?.step === 'number' && Array.isArray(s.texts)).map((s) => ({
        step: s.step as number,
        texts: (s.texts as unknown[]).filter((t): t is string => typeof t === 'string'),
        ...(typeof s.valLoss === 'number' ? { valLoss: s.valLoss } : {}),
      }))
    : [];
  const final = (typeof o.final === 'object' && o.final !== null ? o.final : {}) as RunRecord['final'];
  return {
    title: typeof o.title === 'string' ? o.title : what,
    status: statuses.includes(o.status as string) ? (o.status as RunRecord['status']) : 'unknown',
    config: typeof o.config === 'object' && o.config !== null && !Array.isArray(o.config) ? (o.config as Record<string, unknown>) : {},
    train: points(o.train, 'train'),
    val: points(o.val, 'val'),
    samples,
    final: Object.fromEntries(Object.entries(final).filter(([, v]) => typeof v === 'number' || v === null)) as RunRecord['final'],
    tokensPerStep: typeof o.tokensPerStep === 'number' ? o.tokensPerStep : undefined,
    createdAt: typeof o.createdAt === 'string' ? o.createdAt : undefined,
  };
}
