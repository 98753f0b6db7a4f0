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

/** Store what the report needs in the model's training metadata (compactly). */
export function attachHistory(model: LanguageModel, result: { history: History }, samples: RunSamples[] = []): void {
  model.info.history = compactHistory(result.history);
  if (samples.length > 0) model.info.samples = samples.map((s) => ({ step: s.step, ...(s.valLoss !== undefined ? { valLoss: s.valLoss } : {}), texts: s.texts }));
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Resolved options as one flat table for display (`{ optimizer: { lr: 0.002 } }` → `{ lr: 0.002 }`; unset ones left out). */
export function flatOptions(options: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof options !== 'object' || options === null) return out;
  for (const part of Object.values(options as Record<string, unknown>)) {
    if (typeof part !== 'object' || part === null) continue;
    for (const [k, v] of Object.entries(part)) if (v !== undefined && v !== null) out[k] = v;
  }
  return out;
}

/** Facts in `training` metadata that are results, not settings. */
const RESULT_KEYS = ['steps', 'epochs', 'elapsed_s', 'train_loss', 'val_loss', 'best_step', 'tokens_per_s', 'stop', 'created', 'train_tokens', 'val_tokens', 'history', 'samples', 'options', 'batch', 'seq_len'];

function samplesOf(raw: unknown): RunSamples[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((s): s is { step: number; texts: unknown[]; valLoss?: unknown } => typeof s === 'object' && s !== null && typeof s.step === 'number' && Array.isArray(s.texts))
    .map((s) => ({ step: s.step, ...(num(s.valLoss) !== undefined ? { valLoss: num(s.valLoss) } : {}), texts: s.texts.filter((t): t is string => typeof t === 'string') }));
}

/**
 * A run record from a model file's metadata (whatever of it there is). recur
 * train keeps everything its report shows there, so the page drawn from a
 * model file later is the page `--report` drew.
 */
export function recordFromModel(model: LanguageModel, title: string): RunRecord {
  const info = model.info;
  const { train, val } = expandHistory(info.history);
  // older files kept the options as loose keys beside the results
  const loose = Object.fromEntries(Object.entries(info).filter(([k]) => !RESULT_KEYS.includes(k)));
  const batch = num(info.batch), seqLen = num(info.seq_len), elapsed = num(info.elapsed_s);
  return {
    title,
    status: Object.keys(info).length === 0 ? 'unknown' : info.stop === 'aborted' ? 'interrupted' : 'finished',
    config: { ...model.config, ...loose, ...flatOptions(info.options) },
    train,
    val,
    samples: samplesOf(info.samples),
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
      trainTokens: num(info.train_tokens),
      valTokens: num(info.val_tokens),
    },
    tokensPerStep: batch !== undefined && seqLen !== undefined ? batch * seqLen : undefined,
    createdAt: typeof info.created === 'string' ? info.created : undefined,
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
