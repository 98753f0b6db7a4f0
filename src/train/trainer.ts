/**
 * The training loop: minibatches of B streams × T steps, truncated BPTT with
 * the state carried between consecutive windows, mean cross-entropy over the
 * predicted tokens, gradient clipping, one optimizer step per window;
 * validation every `evalEvery` steps (or once per epoch) and at the end,
 * keeping the parameters with the best validation loss.
 *
 * In phases: plan (run.ts: corpus, configuration, heap, kernels, workers, and
 * the state, fresh or from a checkpoint), step, validate, finish. Never prints:
 * progress is reported through `onEvent`. Stops when a limit (epochs, steps,
 * time) is reached, validation stops improving (early stopping) or the
 * AbortSignal fires; returns the best model (the last one without validation data).
 */
import { RecurError } from '../core/errors.js';
import type { PreparedCorpus } from '../data/prepare.js';
import { storeDataOptions, type TrainingData } from './data.js';
import { meanLoss, streamLogProbs } from '../model/evaluate.js';
import type { History } from '../model/history.js';
import type { LanguageModel } from '../model/model.js';
import { clipScale } from './clip.js';
import { resolveTrainOptions, TRAIN_RULES, type TrainOptions, type TrainOptionsGiven } from './options.js';
import { Run, dataOf, type Resumable, type RunSource } from './run.js';
import { stateIsFinite, type TrainState } from './state.js';

export { prepareTraining, type Resumable, type RunSource } from './run.js';
export { trainingData, storeDataOptions, checkSameStore, type TrainingData, type DataPart } from './data.js';
export type { TrainState } from './state.js';
export type { HistoryPoint } from '../model/history.js';

export interface TrainInput extends TrainOptionsGiven, RunSource {
  /** save a checkpoint (awaited before training goes on); when is set by the `events` options */
  checkpoint?: (c: Resumable) => void | Promise<void>;
  signal?: AbortSignal;
  onEvent?: (e: TrainEvent) => void;
  /** called after each validation with the current (not the best) model, e.g. to take samples along the way */
  onValidate?: (e: { step: number; elapsedMs: number; valLoss: number; model: () => LanguageModel }) => void;
}

export type TrainEvent =
  | { type: 'prepared'; vocabSize: number; trainTokens: number; valTokens: number; /** validation tokens scored at each validation (valTokens caps them) */ valScored: number; /** steps between validations */ evalEvery: number; parameters: number; batch: number; seqLen: number; windowsPerEpoch: number; threads: number }
  | { type: 'warning'; message: string; /** the options the message names (by field name) */ fields?: string[] }
  | { type: 'step'; step: number; epoch: number; loss: number; gradNorm: number; lr: number; tokensPerSec: number; elapsedMs: number }
  | { type: 'eval'; step: number; epoch: number; valLoss: number; best: boolean; elapsedMs: number }
  | { type: 'lr'; step: number; lr: number };

export type StopReason = 'epochs' | 'steps' | 'time' | 'aborted' | 'early-stop';

export interface TrainResult {
  /** the model with the best validation loss (or the last, without validation data) */
  model: LanguageModel;
  /** the run's resolved options */
  options: TrainOptions;
  steps: number;
  epochs: number;
  elapsedMs: number;
  tokensPerSec: number;
  bestValLoss: number | null;
  bestStep: number | null;
  lastTrainLoss: number;
  /** mean training loss per logging interval, and validation losses */
  history: History;
  stopReason: StopReason;
  /** threads that computed the gradients */
  threads: number;
  corpus: { vocabSize: number; trainTokens: number; valTokens: number; oovRate: number };
  /**
   * The run's state after its last step, captured before the closing validation, so
   * that a run continued from it (with higher limits) is the run that never stopped.
   */
  state: TrainState;
}

/** Raised when the run diverges; `result` holds the best model found before that. */
export class TrainingDiverged extends RecurError {
  readonly result: TrainResult;
  /** the last good state: after the last step that went well, or the last checkpoint (null if none is finite) */
  readonly state: TrainState | null;
  /** the step that failed (1-based) */
  readonly step: number;
  constructor(message: string, result: TrainResult, state: TrainState | null, step: number) {
    super('numeric', message, ['lr', 'clip']);
    this.result = result;
    this.state = state;
    this.step = step;
  }
}

/** Training-loss points are the mean over this many steps. */
const HISTORY_EVERY = TRAIN_RULES.historyEvery;

/** The options of a run: its checkpoint's when resuming, else the given ones checked and defaulted. */
export function trainOptions(input: TrainInput): TrainOptions {
  const { model, optimizer, schedule, limits, runtime, events } = input;
  // a store decides the text configuration (a given option must agree with it)
  const data = input.store !== undefined && !input.resume && !input.init ? storeDataOptions(input.store, input.data) : input.data;
  return resolveTrainOptions({ data, model, optimizer, schedule, limits, runtime, events }, { init: input.init, resumed: input.resume?.options });
}

/**
 * Train. `prepared`: the data, already prepared in memory or opened (the
 * caller closes what it opened); without it the input's texts are encoded, or
 * its store opened (and closed at the end).
 */
export async function train(input: TrainInput, prepared?: PreparedCorpus | TrainingData): Promise<TrainResult> {
  const o = trainOptions(input);
  const data = dataOf(input, o, prepared);
  try {
    return await trainOn(input, o, data);
  } finally {
    if (!prepared) data.close();
  }
}

async function trainOn(input: TrainInput, o: TrainOptions, data: TrainingData): Promise<TrainResult> {
  const emit = input.onEvent ?? (() => {});
  const fit = data.train.source.length - 1;
  const run = await Run.plan(input, o, data);
  // from here on the workers run: every way out of this function stops them
  try {
    for (const w of dataWarnings(data, input)) emit({ type: 'warning', ...w });
    if (run.B !== o.optimizer.batch || run.T !== o.optimizer.seqLen) {
      emit({ type: 'warning', message: `the training text (${fit} tokens) is smaller than one window of ${o.optimizer.batch}×${o.optimizer.seqLen}; using batch ${run.B} and seqLen ${run.T}`, fields: ['batch', 'seqLen'] });
    }
    emit({
      type: 'prepared', vocabSize: data.vocab.size, trainTokens: data.train.tokens, valTokens: data.val?.tokens ?? 0, valScored: run.val ? run.val.stream.length - 1 : 0, evalEvery: run.evalEvery,
      parameters: run.net.layout.size, batch: run.B, seqLen: run.T, windowsPerEpoch: run.batches.windowsPerEpoch, threads: run.slices.threads,
    });
    const stop = await loop(run, input, emit);
    return finish(run, stop, emit, input);
  } finally {
    await run.close();
  }
}

/** Above this share of <unk> among the tokens, a corpus is warned about: the model would mostly learn <unk>. */
const HIGH_UNK = 0.1;

/** Degenerate data that would train without an error but to little use: say so (with the rate). */
function dataWarnings(data: TrainingData, input: TrainInput): { message: string; fields?: string[] }[] {
  const out: { message: string; fields?: string[] }[] = [];
  const pct = (x: number): string => `${(100 * x).toFixed(x < 0.995 ? 1 : 0)}%`;
  const vocabFrom = input.init ? 'the initial model\'s vocabulary' : 'the vocabulary';
  if (data.vocab.size <= 2) {
    out.push({ message: `the vocabulary has no tokens besides <eos> and <unk>: the model can learn nothing but where sequences end; lower minCount or raise maxVocab`, fields: ['minCount', 'maxVocab'] });
  } else if (data.train.oov > HIGH_UNK * data.train.tokens) {
    const fix = input.init ? 'is the initial model meant for this text?' : 'lower minCount or raise maxVocab';
    out.push({ message: `${pct(data.train.oov / data.train.tokens)} of the training tokens are not in ${vocabFrom} (they become <unk>); ${fix}`, fields: input.init ? [] : ['minCount', 'maxVocab'] });
  }
  if (data.val && data.val.oov > HIGH_UNK * data.val.tokens) {
    out.push({ message: `${pct(data.val.oov / data.val.tokens)} of the validation tokens are not in ${vocabFrom} (they become <unk>), so the validation loss says little` });
  }
  if (data.valFrom === 'texts' && !data.val) out.push({ message: 'the validation text is empty: training goes on without validation (no best model kept, no early stopping)' });
  return out;
}

/** Steps until a limit, early stopping or the signal; validates and saves checkpoints on their cadence. */
async function loop(run: Run, input: TrainInput, emit: (e: TrainEvent) => void): Promise<StopReason> {
  const o = run.options, c = run.counters, ev = o.events;
  const evalEvery = run.evalEvery;
  const { steps, time } = o.limits;
  const maxSteps = stepLimit(run);
  // the last state known to be good: the one resumed from, then each one saved
  let lastSaved: TrainState | null = input.resume?.state ?? null;
  let lastSave = run.elapsed(), lastYield = run.elapsed();
  const save = async (): Promise<void> => {
    if (!input.checkpoint) return;
    lastSaved = run.snapshot();
    await input.checkpoint({ state: lastSaved, options: o });
    lastSave = run.elapsed();
  };
  // a new run saves its starting point, so there is always a checkpoint to go back to; the
  // state is taken now and written while the first step computes (awaited before the next save)
  let writing = input.resume ? null : save();
  writing?.catch(() => undefined); // its failure is reported where it is awaited
  try {
    for (;;) {
      if (c.step >= maxSteps) return steps !== undefined ? 'steps' : 'epochs';
      if (time !== undefined && run.elapsed() >= time * 1000) return 'time';
      if (input.signal?.aborted) return 'aborted';
      await step(run, emit, () => lastSaved);
      if (c.step % evalEvery === 0) validate(run, emit, input);
      if (run.stopEarly) return 'early-stop';
      const byTime = ev.checkpointInterval > 0 && run.elapsed() - lastSave >= ev.checkpointInterval * 1000;
      if ((ev.checkpointEvery > 0 && c.step % ev.checkpointEvery === 0) || byTime) {
        await writing;
        writing = null;
        await save();
      }
      // let timers and signal handlers run now and then
      if (run.elapsed() - lastYield > 100) {
        await new Promise((r) => setTimeout(r, 0));
        lastYield = run.elapsed();
      }
    }
  } finally {
    await writing;
  }
}

/** The steps the run's --steps or --epochs allow (Infinity without either). */
function stepLimit(run: Run): number {
  const { epochs, steps } = run.options.limits;
  return steps ?? (epochs !== undefined ? Math.ceil(epochs * run.batches.windowsPerEpoch) : Infinity);
}

/** The fraction of the run done, against whichever limit (steps, epochs, time) ends it first. */
function fractionDone(run: Run): number {
  const time = run.options.limits.time;
  const bySteps = run.counters.step / stepLimit(run);
  return Math.max(bySteps, time !== undefined ? run.elapsed() / (time * 1000) : 0);
}

/** One window: forward, loss, backward on every slice, clipping, the update; throws TrainingDiverged. */
async function step(run: Run, emit: (e: TrainEvent) => void, lastSaved: () => TrainState | null): Promise<void> {
  const o = run.options, c = run.counters, b = run.batches;
  run.markPreStep();
  if (b.nextEpochIfDone(run.rng)) run.slices.resetState();
  const t0 = performance.now();
  run.slices.fill((sn, b0) => b.fillSlice(run.k.heap.i32, sn.inputs, sn.targets, b0, sn.B));
  b.advance();
  // the networks draw the masks of whichever kinds of dropout the model has from the run's generator
  const loss = await run.slices.step(run.T, run.rng);
  const norm = run.slices.gradNorm();
  if (c.step === 0) c.firstLoss = loss;
  // non-finite, or (char-rnn's rule) more than three times the loss of the untrained model
  const exploded = loss > TRAIN_RULES.divergeFactor * c.firstLoss;
  if (!Number.isFinite(loss) || !Number.isFinite(norm) || exploded) diverged(run, loss, exploded, lastSaved(), emit);
  const lr = run.schedule.rate(c.step + 1, fractionDone(run));
  // clipping by norm, by value, and the optimizer's step, each thread over its part of the parameters
  await run.slices.update(run.optimizer.next(lr), clipScale(norm, o.optimizer.clip), o.optimizer.clipValue);
  c.step++;
  c.tokens += run.B * run.T;
  c.lastLoss = loss;
  c.intervalLoss += loss;
  c.intervalSteps++;
  if (c.intervalSteps === HISTORY_EVERY) closeInterval(run);
  const dt = performance.now() - t0;
  emit({ type: 'step', step: c.step, epoch: run.epochs(), loss, gradNorm: norm, lr, tokensPerSec: (run.B * run.T) / (dt / 1000), elapsedMs: run.elapsed() });
}

/** The mean training loss of the steps since the last history point becomes a point. */
function closeInterval(run: Run): void {
  const c = run.counters;
  run.history.train.push({ step: c.step, epoch: run.epochs(), elapsedMs: run.elapsed(), loss: c.intervalLoss / c.intervalSteps });
  c.intervalLoss = 0;
  c.intervalSteps = 0;
}

function diverged(run: Run, loss: number, exploded: boolean, lastSaved: TrainState | null, emit: (e: TrainEvent) => void): never {
  const o = run.options.optimizer, c = run.counters;
  const what = exploded ? `the loss exploded (${loss.toPrecision(3)}, from ${c.firstLoss.toFixed(3)} at the start)` : `the ${Number.isFinite(loss) ? 'gradient' : 'loss'} is not finite`;
  // the parameters and moments are still those after the last good step (the update was not applied)
  const candidate = run.snapshot(true);
  const good = stateIsFinite(candidate) ? candidate : lastSaved;
  throw new TrainingDiverged(
    `training diverged at step ${c.step + 1}: ${what}; try a lower lr (now ${o.lr}) or ` + (o.clip > 0 ? `a smaller clip (now ${o.clip})` : 'turn on clip (e.g. 5)'),
    result(run, 'steps', good ?? candidate, good?.params),
    good,
    c.step + 1,
  );
}

/**
 * Score the validation text; keep the best parameters (`current`: a copy of the
 * current ones already made, which best may share); let the schedule react.
 */
function validate(run: Run, emit: (e: TrainEvent) => void, input: TrainInput, current?: Float32Array): void {
  if (!run.val) return;
  const { net: valNet, chunks } = run.val;
  const loss = meanLoss(streamLogProbs(valNet, run.val.stream, chunks), chunks);
  const step = run.counters.step, elapsedMs = run.elapsed(), epoch = run.epochs();
  const isBest = run.best === null || loss < run.best.valLoss;
  if (isBest) run.best = { params: current ?? run.model().params, valLoss: loss, step };
  run.history.val.push({ step, epoch, elapsedMs, loss });
  emit({ type: 'eval', step, epoch, valLoss: loss, best: isBest, elapsedMs });
  const what = run.schedule.onValidation(loss);
  if (what === 'decayed') emit({ type: 'lr', step, lr: run.schedule.state.lr });
  if (what === 'stop') run.stopEarly = true;
  input.onValidate?.({ step, elapsedMs, valLoss: loss, model: () => run.model() });
}

/** The state to continue from (before the closing validation), the closing validation, the result. */
function finish(run: Run, stop: StopReason, emit: (e: TrainEvent) => void, input: TrainInput): TrainResult {
  const state = run.snapshot();
  if (run.counters.intervalSteps > 0) closeInterval(run);
  const evalEvery = run.evalEvery;
  // skipped when aborted: Ctrl-C should not wait for a pass over a large validation set;
  // the state's parameters are a copy of the current ones, which a new best may share
  if (run.counters.step > 0 && run.counters.step % evalEvery !== 0 && stop !== 'aborted') validate(run, emit, input, state.params);
  return result(run, stop, state);
}

function result(run: Run, stop: StopReason, state: TrainState, params?: Float32Array): TrainResult {
  const c = run.counters, ms = run.elapsed(), val = run.data.val;
  const model = run.model(run.best?.params ?? params);
  const ran = c.tokens - run.origin.tokens;
  const out: TrainResult = {
    model,
    options: run.options,
    steps: c.step,
    epochs: run.epochs(),
    elapsedMs: ms,
    tokensPerSec: ran / Math.max(1e-9, (ms - run.origin.elapsedMs) / 1000),
    bestValLoss: run.best?.valLoss ?? null,
    bestStep: run.best?.step ?? null,
    lastTrainLoss: c.lastLoss,
    history: run.history,
    stopReason: stop,
    threads: run.slices.threads,
    corpus: { vocabSize: run.data.vocab.size, trainTokens: run.data.train.tokens, valTokens: val?.tokens ?? 0, oovRate: val && val.tokens > 0 ? val.oov / val.tokens : 0 },
    state,
  };
  model.info = trainingInfo(out, run);
  return out;
}

/** What a model file keeps about how it was trained (its `training` metadata; the report is drawn from it). */
function trainingInfo(r: TrainResult, run: Run): Record<string, unknown> {
  const r4 = (x: number | null): number | null => (x !== null && Number.isFinite(x) ? Number(x.toFixed(4)) : null);
  return {
    created: new Date().toISOString(),
    steps: r.steps,
    epochs: Number(r.epochs.toFixed(3)),
    elapsed_s: Number((r.elapsedMs / 1000).toFixed(1)),
    tokens_per_s: Math.round(r.tokensPerSec),
    train_loss: r4(r.lastTrainLoss),
    val_loss: r4(r.bestValLoss),
    best_step: r.bestStep,
    stop: r.stopReason,
    train_tokens: r.corpus.trainTokens,
    val_tokens: r.corpus.valTokens,
    batch: run.B,
    seq_len: run.T,
    ...(run.origin.init ? { init: true } : {}),
    ...(run.origin.step > 0 ? { resumed_at: run.origin.step } : {}),
    options: r.options,
  };
}
