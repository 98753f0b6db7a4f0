/**
 * The training loop: minibatches of B streams × T steps, truncated BPTT with
 * the state carried between consecutive windows, mean cross-entropy over the
 * predicted tokens, gradient clipping, one optimizer step per window;
 * validation every `evalEvery` steps and at the end, keeping the parameters
 * with the best validation loss.
 *
 * Never prints: progress is reported through `onEvent`. Stops when a limit
 * (epochs, steps, time) is reached or the AbortSignal fires; returns the best
 * model (the last one when there is no validation data).
 */
import { HeapPlan } from '../core/heap.js';
import { RecurError, inputError, usageError } from '../core/errors.js';
import { Rng, type RngState } from '../core/rng.js';
import { BatchStream, fitWindow } from '../data/batches.js';
import { prepareCorpus, type CorpusOptions, type PreparedCorpus } from '../data/prepare.js';
import { Vocab } from '../data/vocab.js';
import { createKernels, type KernelSetName } from '../kernels/index.js';
import { planChunks, meanLoss, streamLogProbs, type Chunk } from '../model/evaluate.js';
import { defaultCutoffs, type SoftmaxKind } from '../nn/config.js';
import { checkConfigForVocab, modelConfig, type ModelConfig } from '../model/config.js';
import { LanguageModel } from '../model/model.js';
import { Network } from '../nn/network.js';
import { SlicedNetwork } from '../parallel/pool.js';
import { clipGradNorm, clipGradValue } from './clip.js';
import { DEFAULT_LR, Optimizer, type OptimizerName } from './optimizer.js';
import { LrSchedule } from './schedule.js';
import type { HistoryPoint } from '../model/history.js';
import { stateIsFinite, type TrainState } from './state.js';

export type { TrainState } from './state.js';
export type { HistoryPoint } from '../model/history.js';

/** When and how to save checkpoints while training. */
export interface CheckpointPolicy {
  /** save after every this many steps (0 = not by steps) */
  every: number;
  /** save when this much wall-clock time has passed since the last save (0 = not by time) */
  intervalMs: number;
  /** store the state (atomically); awaited before training goes on */
  save: (state: TrainState) => void | Promise<void>;
}

export interface TrainOptions extends CorpusOptions {
  /** the training texts (the contents of the corpus files) */
  texts: readonly string[];
  /** separate validation texts (instead of valFrac) */
  valTexts?: readonly string[];
  /** start from this model's weights and vocabulary (its architecture wins) */
  init?: LanguageModel;
  cell: ModelConfig['cell'];
  embed: number;
  hidden: number;
  layers: number;
  batch: number;
  seqLen: number;
  optimizer: OptimizerName;
  /** learning rate; default per optimizer (DEFAULT_LR) */
  lr?: number;
  /** clip the global gradient norm to this (0 = off) */
  clip: number;
  /** clamp every gradient to ±this (0 = off) */
  clipValue: number;
  dropout: number;
  weightDecay: number;
  /** validate every this many steps (0 = once per epoch) */
  evalEvery: number;
  epochs?: number;
  steps?: number;
  /** wall-clock budget in milliseconds */
  timeMs?: number;
  seed: number | string;
  kernels: KernelSetName;
  /** output layer (default full) */
  softmax?: SoftmaxKind;
  /** adaptive softmax cluster boundaries (default: defaultCutoffs(V)) */
  cutoffs?: number[];
  /** tie the decoder to the embedding */
  tie?: boolean;
  /** multiply the learning rate by this when validation stops improving (default 1: never) */
  lrDecay?: number;
  /** evaluations without improvement before the rate decays (default 1) */
  patience?: number;
  /** evaluations without improvement before training stops (default 0: never) */
  earlyStop?: number;
  /** steps of linear learning-rate warm-up (default 0) */
  warmup?: number;
  /** worker threads computing slices of the batch (default 1: this thread only) */
  threads?: number;
  /** called after each validation with the current (not the best) model, e.g. to take samples along the way */
  onValidate?: (e: { step: number; elapsedMs: number; valLoss: number; model: () => LanguageModel }) => void;
  onEvent?: (e: TrainEvent) => void;
  signal?: AbortSignal;
  /** continue from this state (a checkpoint) instead of starting afresh; its config and vocabulary win */
  resume?: TrainState;
  /** save checkpoints while training (also once before the first step of a new run) */
  checkpoint?: CheckpointPolicy;
}

export type TrainEvent =
  | { type: 'prepared'; vocabSize: number; trainTokens: number; valTokens: number; parameters: number; batch: number; seqLen: number; windowsPerEpoch: number }
  | { type: 'warning'; message: string }
  | { type: 'step'; step: number; epoch: number; loss: number; gradNorm: number; lr: number; tokensPerSec: number; elapsedMs: number }
  | { type: 'eval'; step: number; epoch: number; valLoss: number; best: boolean; elapsedMs: number }
  | { type: 'lr'; step: number; lr: number };

export interface TrainResult {
  /** the model with the best validation loss (or the last, without validation data) */
  model: LanguageModel;
  steps: number;
  epochs: number;
  elapsedMs: number;
  tokensPerSec: number;
  bestValLoss: number | null;
  bestStep: number | null;
  lastTrainLoss: number;
  /** mean training loss per logging interval, and validation losses */
  history: { train: HistoryPoint[]; val: HistoryPoint[] };
  stopReason: 'epochs' | 'steps' | 'time' | 'aborted' | 'early-stop';
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
    super('numeric', message);
    this.result = result;
    this.state = state;
    this.step = step;
  }
}

const HISTORY_EVERY = 10;
/**
 * Vocabulary size from which the adaptive softmax is the default. Measured on Brown
 * (14,115 types, GRU 256, 5 minutes each, test/bench/QUALITY.md): validation perplexity
 * 183.6 with the full softmax (400 steps) and 143.3 with the adaptive one (1,276 steps;
 * 177.7 at step 400, so no worse per step either).
 */
export const ADAPTIVE_FROM = 5000;
const EVAL_STREAMS = 32;

function checkOptions(o: TrainOptions): void {
  const int = (name: string, v: number, min: number, max = 1e9): void => {
    if (!Number.isInteger(v) || v < min || v > max) throw usageError(`--${name} must be an integer from ${min} to ${max} (got ${v})`);
  };
  int('batch', o.batch, 1, 65536);
  int('seq-len', o.seqLen, 1, 65536);
  if (o.lr !== undefined && !(o.lr > 0 && Number.isFinite(o.lr))) throw usageError(`--lr must be a number > 0 (got ${o.lr})`);
  if (!(o.clip >= 0)) throw usageError(`--clip must be ≥ 0 (0 = off) (got ${o.clip})`);
  if (!(o.clipValue >= 0)) throw usageError(`--clip-value must be ≥ 0 (0 = off) (got ${o.clipValue})`);
  if (!(o.dropout >= 0 && o.dropout < 1)) throw usageError(`--dropout must be in [0, 1) (got ${o.dropout})`);
  if (!(o.weightDecay >= 0)) throw usageError(`--weight-decay must be ≥ 0 (got ${o.weightDecay})`);
  if (!(o.valFrac >= 0 && o.valFrac < 1)) throw usageError(`--val-frac must be in [0, 1) (got ${o.valFrac})`);
  int('eval-every', o.evalEvery, 0);
  if (o.epochs !== undefined && !(o.epochs > 0)) throw usageError(`--epochs must be > 0 (got ${o.epochs})`);
  if (o.steps !== undefined) int('steps', o.steps, 1);
  if (o.timeMs !== undefined && !(o.timeMs > 0)) throw usageError(`--time must be > 0`);
}

/** Corpus preparation on its own, so the CLI can show a spinner around it. */
export function prepareTraining(o: TrainOptions): PreparedCorpus {
  checkOptions(o);
  const base = o.resume?.config ?? o.init?.config;
  const corpus = base ? { ...o, level: base.level, split: base.split, tokenize: base.tokenize, lowercase: base.lowercase } : o;
  const vocab = o.resume ? new Vocab(o.resume.vocab) : o.init?.vocab;
  return prepareCorpus(o.texts, corpus, vocab, o.valTexts);
}

export async function train(o: TrainOptions, prepared?: PreparedCorpus): Promise<TrainResult> {
  const resume = o.resume;
  const data = prepared ?? prepareTraining(o);
  const emit = o.onEvent ?? (() => {});
  let rng = new Rng(o.seed);

  // the adaptive softmax by default for large vocabularies (unless the decoder is tied)
  const softmax: SoftmaxKind = o.softmax ?? (data.vocab.size >= ADAPTIVE_FROM && !o.tie ? 'adaptive' : 'full');
  const config: ModelConfig = resume
    ? resume.config
    : o.init
      ? o.init.config
      : modelConfig({
          level: o.level, cell: o.cell, embed: o.embed, hidden: o.hidden, layers: o.layers, split: o.split, tokenize: o.tokenize, lowercase: o.lowercase,
          softmax, cutoffs: o.cutoffs ?? (softmax === 'adaptive' ? defaultCutoffs(data.vocab.size) : []), tie: o.tie ?? false,
        });
  checkConfigForVocab(config, data.vocab.size);
  if (resume) checkResumeVocab(resume, data.vocab.tokens);
  // a new run draws its initial weights first; a resumed one takes them from the state
  const init = resume ? null : o.init ?? LanguageModel.create(config, data.vocab, rng);
  const V = data.vocab.size;

  const fit = fitWindow(data.train.stream.length, o.batch, o.seqLen);
  if (data.train.tokens < 2) throw inputError('the corpus is too small to train on: it needs at least two tokens');
  if (fit.B !== o.batch || fit.T !== o.seqLen) {
    emit({
      type: 'warning',
      message: `the training text (${data.train.tokens} tokens) is smaller than one batch of ${o.batch}×${o.seqLen}; using --batch ${fit.B} --seq-len ${fit.T}`,
    });
  }
  const { B, T } = fit;
  if (resume && (resume.B !== B || resume.T !== T)) {
    throw inputError(`the checkpoint was trained with windows of ${resume.B}×${resume.T} but the corpus now gives ${B}×${T}; the corpus has changed since the checkpoint was written`);
  }
  const batches = new BatchStream(data.train.stream, B, T, config.split !== 'none');

  // plan the heap: the batch's slice networks (one per thread), optimizer moments,
  // and a validation network, all sharing one parameter block
  const plan = new HeapPlan();
  const threads = o.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw usageError(`--threads must be an integer from 1 to 256 (got ${threads})`);
  const slices = new SlicedNetwork(plan, config, V, { B, T, dropout: o.dropout, threads }, o.seed);
  const net = slices.main;
  const opt = new Optimizer(plan, o.optimizer, net.layout.size);
  opt.weightDecay = o.weightDecay;
  const val = data.val;
  const valChunks: Chunk[] = val
    ? planChunks(val.stream, EVAL_STREAMS, config.split === 'none' ? 2 * T : -1)
    : [];
  const valNet = val ? new Network(plan, config, V, { B: valChunks.length, T, train: false, sharedParams: net.params }) : null;
  const k = await createKernels(o.kernels, plan.words, { shared: slices.threads > 1, instances: slices.threads });
  await slices.start(k, o.kernels, plan.words);
  // from here on the workers run: every way out of this function stops them
  try {
    valNet?.attach(k);
    const f = k.heap.f32;
    const n = net.layout.size, H = config.hidden;
    // the carried state of all B streams, per layer: the slices' (B_w, H) blocks end to end
    const carry = slices.carry(k.heap.f32);

    const lr = o.lr ?? DEFAULT_LR[o.optimizer];
    const schedule = new LrSchedule({ lr, decay: o.lrDecay ?? 1, patience: o.patience ?? 1, earlyStop: o.earlyStop ?? 0, warmup: o.warmup ?? 0 }, resume?.schedule);
    let stopEarly = false;
    const evalEvery = o.evalEvery > 0 ? o.evalEvery : batches.windowsPerEpoch;
    const maxSteps = o.steps ?? (o.epochs !== undefined ? Math.ceil(o.epochs * batches.windowsPerEpoch) : Infinity);
    emit({
      type: 'prepared',
      vocabSize: V,
      trainTokens: data.train.tokens,
      valTokens: val?.tokens ?? 0,
      parameters: net.layout.size,
      batch: B,
      seqLen: T,
      windowsPerEpoch: batches.windowsPerEpoch,
    });

    let history: TrainResult['history'] = { train: [], val: [] };
    let best: Float32Array | null = null, bestValLoss: number | null = null, bestStep: number | null = null;
    let step = 0, firstLoss = NaN, lastLoss = NaN, intervalLoss = 0, intervalSteps = 0;
    let epochRng: RngState;
    let stopReason: TrainResult['stopReason'] = 'steps';
    let resumedMs = 0;

    if (resume) {
      checkResumeShapes(resume, o, n, B * H, config.layers);
      if (resume.windowsPerEpoch !== batches.windowsPerEpoch || resume.window > batches.windowsPerEpoch) {
        throw inputError(`the checkpoint's epochs have ${resume.windowsPerEpoch} windows but the corpus now gives ${batches.windowsPerEpoch}; the corpus has changed since the checkpoint was written`);
      }
      f.set(resume.params, net.params);
      opt.t = resume.optimizer.t;
      opt.regions().forEach(([off], i) => f.set(resume.optimizer.moments[i], off));
      batches.epoch = resume.epoch;
      epochRng = resume.epochRng;
      batches.beginEpoch(Rng.restore(resume.epochRng)); // the same order as before the interruption
      batches.window = resume.window;
      rng = Rng.restore(resume.rng);
      resume.sliceRngs?.forEach((r, i) => {
        if (i < slices.rngs.length) slices.rngs[i] = Rng.restore(r);
      });
      resume.carry.forEach((c, l) => carry.write(l, c.h, c.c));
      if (resume.best) {
        best = resume.best.params;
        bestValLoss = resume.best.valLoss;
        bestStep = resume.best.step;
      }
      step = resume.step;
      firstLoss = resume.firstLoss;
      lastLoss = resume.lastLoss;
      intervalLoss = resume.intervalLoss;
      intervalSteps = resume.intervalSteps;
      history = { train: [...resume.history.train], val: [...resume.history.val] };
      resumedMs = resume.elapsedMs;
    } else {
      f.set(init!.params, net.params);
      epochRng = rng.state();
      batches.beginEpoch(rng);
      slices.resetState();
    }

    const start = performance.now() - resumedMs;
    const elapsed = (): number => performance.now() - start;
    let lastYield = elapsed(), lastSave = elapsed();

    const epochsDone = (): number => batches.epoch + batches.window / batches.windowsPerEpoch;

    /** The state between steps; `pre` replaces the parts a failed step has already changed. */
    const capture = (pre?: PreStep): TrainState => ({
      config,
      vocab: data.vocab.tokens,
      B,
      T,
      windowsPerEpoch: batches.windowsPerEpoch,
      step,
      epoch: pre ? pre.epoch : batches.epoch,
      window: pre ? pre.window : batches.window,
      epochRng: pre ? pre.epochRng : epochRng,
      rng: pre ? pre.rng : rng.state(),
      sliceRngs: pre ? pre.sliceRngs : slices.rngs.map((r) => r.state()),
      schedule: { ...schedule.state },
      params: f.slice(net.params, net.params + n),
      optimizer: { name: o.optimizer, t: opt.t, moments: opt.regions().map(([off, len]) => f.slice(off, off + len)) },
      carry: pre ? pre.carry.map((c) => ({ h: c.h.slice(), c: c.c ? c.c.slice() : null })) : carry.read(),
      // best is replaced, never written into, so the state can share it
      best: best && bestValLoss !== null && bestStep !== null ? { params: best, valLoss: bestValLoss, step: bestStep } : null,
      firstLoss,
      lastLoss,
      intervalLoss,
      intervalSteps,
      history: { train: [...history.train], val: [...history.val] },
      elapsedMs: elapsed(),
    });

    const result = (state: TrainState, params?: Float32Array): TrainResult => {
      const ms = elapsed();
      const model = new LanguageModel(config, data.vocab, (best ?? params ?? f.subarray(net.params, net.params + n)).slice());
      const ran = step - (resume?.step ?? 0);
      const out: TrainResult = {
        model,
        steps: step,
        epochs: epochsDone(),
        elapsedMs: ms,
        tokensPerSec: (ran * B * T) / Math.max(1e-9, (ms - resumedMs) / 1000),
        bestValLoss,
        bestStep,
        lastTrainLoss: lastLoss,
        history,
        stopReason,
        threads: slices.threads,
        corpus: {
          vocabSize: V,
          trainTokens: data.train.tokens,
          valTokens: val?.tokens ?? 0,
          oovRate: val && val.tokens > 0 ? val.oov / val.tokens : 0,
        },
        state,
      };
      model.info = {
        steps: step,
        epochs: Number(out.epochs.toFixed(3)),
        elapsed_s: Number((ms / 1000).toFixed(1)),
        train_loss: Number.isFinite(lastLoss) ? Number(lastLoss.toFixed(4)) : null,
        val_loss: bestValLoss !== null ? Number(bestValLoss.toFixed(4)) : null,
        best_step: bestStep,
        tokens_per_s: Math.round(out.tokensPerSec),
        optimizer: o.optimizer,
        lr,
        batch: B,
        seq_len: T,
        dropout: o.dropout,
        seed: o.seed,
        ...(o.init ? { init: true } : {}),
        ...(resume ? { resumed_at: resume.step } : {}),
      };
      return out;
    };

    const validate = (): void => {
      if (!valNet || !val) return;
      const loss = meanLoss(streamLogProbs(valNet, val.stream, valChunks), valChunks);
      const isBest = bestValLoss === null || loss < bestValLoss;
      if (isBest) {
        bestValLoss = loss;
        bestStep = step;
        best = f.slice(net.params, net.params + n);
      }
      history.val.push({ step, epoch: epochsDone(), elapsedMs: elapsed(), loss });
      emit({ type: 'eval', step, epoch: epochsDone(), valLoss: loss, best: isBest, elapsedMs: elapsed() });
      const what = schedule.onValidation(loss);
      if (what === 'decayed') emit({ type: 'lr', step, lr: schedule.state.lr });
      if (what === 'stop') stopEarly = true;
      o.onValidate?.({ step, elapsedMs: elapsed(), valLoss: loss, model: () => new LanguageModel(config, data.vocab, f.slice(net.params, net.params + n)) });
    };

    const ck = o.checkpoint;
    // the last state known to be good: the one resumed from, then each one saved
    let lastSaved: TrainState | null = resume ?? null;
    const save = async (): Promise<void> => {
      if (!ck) return;
      lastSaved = capture();
      await ck.save(lastSaved);
      lastSave = elapsed();
    };
    // a new run saves its starting point, so there is always a checkpoint to go back to
    if (ck && !resume) await save();

    // what a step changes before its loss is known, kept so that a failed step can be undone
    const pre: PreStep = {
      epoch: 0,
      window: 0,
      epochRng,
      rng: epochRng,
      sliceRngs: [],
      carry: carry.read(),
    };

    for (;;) {
      if (step >= maxSteps) {
        stopReason = o.steps !== undefined ? 'steps' : 'epochs';
        break;
      }
      if (o.timeMs !== undefined && elapsed() >= o.timeMs) {
        stopReason = 'time';
        break;
      }
      if (o.signal?.aborted) {
        stopReason = 'aborted';
        break;
      }
      pre.epoch = batches.epoch;
      pre.window = batches.window;
      pre.epochRng = epochRng;
      pre.rng = rng.state();
      pre.sliceRngs = slices.rngs.map((r) => r.state());
      carry.readInto(pre.carry);
      if (batches.epochDone) {
        batches.epoch++;
        epochRng = rng.state();
        batches.beginEpoch(rng);
        slices.resetState();
      }
      const t0 = performance.now();
      slices.fill((sn, b0) => batches.fillSlice(k.heap.i32, sn.inputs, sn.targets, b0, sn.B));
      batches.advance();
      const loss = await slices.step(T, o.dropout > 0 ? rng : null);
      const norm = clipGradNorm(f, net.grads, net.layout.size, o.clip);
      if (step === 0) firstLoss = loss;
      // non-finite, or (char-rnn's rule) more than three times the loss of the untrained model
      const exploded = loss > 3 * firstLoss;
      if (!Number.isFinite(loss) || !Number.isFinite(norm) || exploded) {
        const what = exploded ? `the loss exploded (${loss.toPrecision(3)}, from ${firstLoss.toFixed(3)} at the start)` : `the ${Number.isFinite(loss) ? 'gradient' : 'loss'} is not finite`;
        // the parameters and moments are still those after the last good step (the update was not applied)
        const candidate = capture(pre);
        const good = stateIsFinite(candidate) ? candidate : lastSaved;
        throw new TrainingDiverged(
          `training diverged at step ${step + 1}: ${what}; try a lower --lr (now ${lr}) or ` +
            (o.clip > 0 ? `a smaller --clip (now ${o.clip})` : `turn on --clip (e.g. --clip 5)`),
          result(good ?? candidate, good?.params),
          good,
          step + 1,
        );
      }
      if (o.clipValue > 0) clipGradValue(f, net.grads, net.layout.size, o.clipValue);
      opt.step(f, net.params, net.grads, schedule.rate(step + 1));
      step++;
      lastLoss = loss;
      intervalLoss += loss;
      intervalSteps++;
      if (intervalSteps === HISTORY_EVERY) {
        history.train.push({ step, epoch: epochsDone(), elapsedMs: elapsed(), loss: intervalLoss / intervalSteps });
        intervalLoss = 0;
        intervalSteps = 0;
      }
      const dt = performance.now() - t0;
      emit({ type: 'step', step, epoch: epochsDone(), loss, gradNorm: norm, lr: schedule.rate(step), tokensPerSec: (B * T) / (dt / 1000), elapsedMs: elapsed() });
      if (step % evalEvery === 0) validate();
      if (stopEarly) {
        stopReason = 'early-stop';
        break;
      }
      if (ck && ((ck.every > 0 && step % ck.every === 0) || (ck.intervalMs > 0 && elapsed() - lastSave >= ck.intervalMs))) await save();
      // let timers and signal handlers run now and then
      if (elapsed() - lastYield > 100) {
        await new Promise((r) => setTimeout(r, 0));
        lastYield = elapsed();
      }
    }
    // the state to continue from is the one before the closing validation and the last partial history point
    const state = capture();
    if (intervalSteps > 0) history.train.push({ step, epoch: epochsDone(), elapsedMs: elapsed(), loss: intervalLoss / intervalSteps });
    // the closing validation (skipped when aborted: Ctrl-C should not wait for a pass over a large validation set)
    if (step > 0 && step % evalEvery !== 0 && stopReason !== 'aborted') validate();
    return result(state);
  } finally {
    await slices.close();
  }
}

interface PreStep {
  epoch: number;
  window: number;
  epochRng: RngState;
  rng: RngState;
  sliceRngs: RngState[];
  carry: { h: Float32Array; c: Float32Array | null }[];
}

function checkResumeVocab(s: TrainState, tokens: readonly string[]): void {
  if (s.vocab.length !== tokens.length || s.vocab.some((t, i) => t !== tokens[i])) {
    throw usageError('the corpus was prepared with another vocabulary than the checkpoint\'s; resume with the checkpoint\'s own vocabulary');
  }
}

function checkResumeShapes(s: TrainState, o: TrainOptions, n: number, carry: number, layers: number): void {
  const bad = (what: string): never => {
    throw inputError(`the checkpoint does not fit this run: ${what}`);
  };
  if (s.params.length !== n) bad(`it holds ${s.params.length} parameters, the model has ${n}`);
  if (s.optimizer.name !== o.optimizer) bad(`it was trained with --optimizer ${s.optimizer.name}, not ${o.optimizer}`);
  const moments = o.optimizer === 'sgd' ? 0 : o.optimizer === 'adam' ? 2 : 1;
  if (s.optimizer.moments.length !== moments || s.optimizer.moments.some((m) => m.length !== n)) bad('the optimizer moments have the wrong size');
  if (s.carry.length !== layers || s.carry.some((c) => c.h.length !== carry || (c.c !== null && c.c.length !== carry))) bad('the carried hidden state has the wrong size');
  if (s.best && s.best.params.length !== n) bad('the best parameters have the wrong size');
}
