/**
 * A training run: what it computes with (the corpus in windows, the networks
 * of the batch's slices and of validation on one heap, the optimizer, the
 * schedule) and everything it carries across a restart, owned in one place.
 *
 * `Run.plan` builds it, from scratch or from a checkpoint; `snapshot()` is
 * the run's TrainState at any point between steps. Each part snapshots and
 * restores its own state (BatchStream its position, SlicedNetwork its carried
 * state and generators, Optimizer its moments, LrSchedule its numbers); the
 * run's counters are one record (state.ts COUNTERS).
 */
import { availableParallelism } from 'node:os';
import { HeapPlan } from '../core/heap.js';
import { inputError, usageError } from '../core/errors.js';
import { Rng, type RngState } from '../core/rng.js';
import { BatchStream, fitWindow } from '../data/batches.js';
import type { TokenIds } from '../data/corpus.js';
import type { PreparedCorpus } from '../data/prepare.js';
import { createKernels, type Kernels } from '../kernels/index.js';
import { enableWasmRelaxedSimd } from '../node/wasm-features.js';
import { modelConfig, checkConfigForVocab, type ModelConfig } from '../model/config.js';
import { planChunks, type Chunk } from '../model/evaluate.js';
import type { History } from '../model/history.js';
import { LanguageModel } from '../model/model.js';
import { defaultCutoffs } from '../nn/config.js';
import { Network } from '../nn/network.js';
import { paramLayout } from '../nn/params.js';
import { SlicedNetwork, type SliceSnapshot } from '../parallel/pool.js';
import { Optimizer, momentCount } from './optimizer.js';
import { ADAPTIVE_FROM, EVAL_STEPS, TRAIN_RULES, type TrainOptions } from './options.js';
import { fromCorpus, prepareTexts, trainingData, validationStream, type RunSource, type TrainingData } from './data.js';
import { LrSchedule } from './schedule.js';
import { freshCounters, type Counters, type TrainState } from './state.js';

export type { RunSource } from './data.js';

/** A checkpoint's content as the trainer needs it: the state and the run's options. */
export interface Resumable {
  state: TrainState;
  options: TrainOptions;
}

/** Streams of the validation pass (chunks scored in parallel). */
const EVAL_STREAMS = TRAIN_RULES.evalStreams;

/** What a step changes before its loss is known: kept so that a failed step can be undone. */
interface PreStep {
  position: { epoch: number; window: number; epochRng: RngState };
  rng: RngState;
  slices: SliceSnapshot;
}

/** Corpus preparation in memory on its own (so a caller can show progress around it). */
export function prepareTraining(src: RunSource, o: TrainOptions): PreparedCorpus {
  return prepareTexts(src, o);
}

/** Training data as given (a corpus prepared in memory, or data already opened), else opened or prepared now. */
export function dataOf(src: RunSource, o: TrainOptions, given?: PreparedCorpus | TrainingData): TrainingData {
  if (!given) return trainingData(src, o);
  return 'source' in given.train ? (given as TrainingData) : fromCorpus(given as PreparedCorpus, o.data);
}

export class Run {
  counters: Counters = freshCounters();
  best: TrainState['best'] = null;
  history: History = { train: [], val: [] };
  rng: Rng;
  /** set when validation has not improved for `earlyStop` evaluations */
  stopEarly = false;
  /** where this run began: the step and training time it resumed at (0 for a new run), and whether from an initial model */
  origin = { step: 0, tokens: 0, elapsedMs: 0, init: false };
  private startedAt = 0;
  private readonly pre: PreStep;

  private constructor(
    readonly options: TrainOptions,
    readonly data: TrainingData,
    readonly config: ModelConfig,
    readonly batches: BatchStream,
    readonly slices: SlicedNetwork,
    readonly optimizer: Optimizer,
    readonly schedule: LrSchedule,
    readonly val: { net: Network; chunks: Chunk[]; stream: TokenIds } | null,
    readonly k: Kernels,
    rng: Rng,
  ) {
    this.rng = rng;
    this.pre = { position: { epoch: 0, window: 0, epochRng: rng.state() }, rng: rng.state(), slices: { carry: [], rngs: [] } };
  }

  get net(): Network {
    return this.slices.main;
  }

  get f(): Float32Array {
    return this.k.heap.f32;
  }

  get B(): number {
    return this.batches.B;
  }

  get T(): number {
    return this.batches.T;
  }

  /**
   * Build a run: the corpus in windows, the configuration, the heap with every
   * network, the kernels and the worker threads; then its state, fresh (initial
   * weights from the run's Rng, or an initial model's) or from the checkpoint.
   */
  static async plan(src: RunSource, o: TrainOptions, data: TrainingData): Promise<Run> {
    const rng = new Rng(o.runtime.seed);
    const config = src.resume?.state.config ?? src.init?.config ?? configFor(o, data.vocab.size);
    checkConfigForVocab(config, data.vocab.size);
    if (src.resume) checkResumeVocab(src.resume.state, data.vocab.tokens);
    if (data.train.tokens < 2) throw inputError('the corpus is too small to train on: it needs at least two tokens');
    if (config.running_text && data.val && data.valFrom === 'fraction') {
      // texts prepared for the run hold their end out (prepareTexts); a store or a corpus prepared before says how it held out
      const what = data.store ? `the token store ${data.store.path}` : 'the prepared corpus';
      throw usageError(`runningText reads the training text in order, and ${what} holds every n-th sequence out for validation: prepare it again with --running-text (the end of each file held out) or give --val`, 'runningText');
    }
    const { B, T } = fitWindow(data.train.source.length, o.optimizer.batch, o.optimizer.seqLen);
    // running text: the sequences in their order, the state carried across them (no shuffling)
    const batches = new BatchStream(data.train.source, B, T, config.running_text ? null : data.train.blocks);

    // the heap: optimizer moments, the batch's slice networks (one per thread) and a
    // validation network, all sharing one parameter block. Validation runs between
    // steps, so its network lies over the slices' scratch (what they hold for one
    // window only), not beside it.
    const plan = new HeapPlan();
    const threads = o.runtime.threads ?? defaultThreads(B);
    const opt = new Optimizer(plan, o.optimizer.optimizer, paramLayout(config, data.vocab.size).size);
    opt.weightDecay = o.optimizer.weightDecay;
    const slices = new SlicedNetwork(plan, config, data.vocab.size, { B, T, dropout: o.model.dropout, lockedDropout: o.model.lockedDropout, weightDrop: o.model.weightDrop, embedDrop: o.model.embedDrop, threads }, o.runtime.seed);
    // the worker threads load their code while this one draws the weights and reads the validation text
    slices.boot();
    try {
      // a new run draws its initial weights first; a resumed one takes them from the state
      const initial = src.resume ? null : (src.init ?? LanguageModel.create(config, data.vocab, rng)).params;
      const oneText = config.split === 'none' || config.running_text; // chunks cut anywhere, warmed up on the text before them
      const valStream = data.val ? validationStream(data.val, o.events.valTokens, !oneText, data.vocab.size) : null;
      const chunks = valStream ? planChunks(valStream, EVAL_STREAMS, oneText ? 2 * T : -1) : [];
      const valPlan = HeapPlan.at(slices.scratchStart);
      const valNet = valStream ? new Network(valPlan, config, data.vocab.size, { B: chunks.length, T, train: false, sharedParams: slices.main.params, carryEos: config.running_text }) : null;
      plan.words = Math.max(plan.words, valPlan.words);
      enableWasmRelaxedSimd();
      const k = await createKernels(o.runtime.kernels, plan.words, { shared: slices.threads > 1, instances: slices.threads });
      await slices.start(k, o.runtime.kernels, plan.words);
      const s = o.schedule;
      const schedule = new LrSchedule({ lr: o.optimizer.lr, decay: s.lrDecay, patience: s.patience, earlyStop: s.earlyStop, warmup: s.warmup, anneal: s.anneal }, src.resume?.state.schedule);
      const run = new Run(o, data, config, batches, slices, opt, schedule, valNet ? { net: valNet, chunks, stream: valStream! } : null, k, rng);
      valNet?.attach(k);
      if (src.resume) run.restore(src.resume.state);
      else {
        run.f.set(initial!, slices.main.params);
        batches.beginEpoch(rng);
        slices.resetState();
      }
      run.origin = { step: run.counters.step, tokens: run.counters.tokens, elapsedMs: run.counters.elapsedMs, init: src.init !== undefined };
      run.startedAt = performance.now() - run.counters.elapsedMs;
      return run;
    } catch (e) {
      await slices.close();
      throw e;
    }
  }

  /** Continue from a state. */
  private restore(s: TrainState): void {
    checkResumeShapes(s, this);
    this.f.set(s.params, this.net.params);
    this.optimizer.restore(this.f, s.optimizer);
    this.batches.restore(s);
    this.rng = Rng.restore(s.rng);
    this.slices.restore(this.f, s.slices);
    for (const key of Object.keys(this.counters) as (keyof Counters)[]) this.counters[key] = s[key];
    this.best = s.best;
    this.history = { train: [...s.history.train], val: [...s.history.val] };
  }

  /** Steps between validations: as asked, else once per epoch, or every EVAL_STEPS when an epoch is longer than that. */
  get evalEvery(): number {
    const every = this.options.events.evalEvery;
    return every > 0 ? every : Math.min(this.batches.windowsPerEpoch, EVAL_STEPS);
  }

  /** Wall-clock milliseconds of training, this run and the runs it resumed. */
  elapsed(): number {
    return performance.now() - this.startedAt;
  }

  /** Fractional epochs done. */
  epochs(): number {
    return this.batches.epoch + this.batches.window / this.batches.windowsPerEpoch;
  }

  /** Remember what the next step changes before its loss is known (no allocation after the first call). */
  markPreStep(): void {
    const p = this.pre;
    p.position = this.batches.snapshot();
    p.rng = this.rng.state();
    this.slices.snapshot(this.f, p.slices.carry.length > 0 ? p.slices : undefined);
    if (p.slices.carry.length === 0) p.slices = this.slices.snapshot(this.f);
  }

  /**
   * The run's state between steps. With `undoStep`, the state from before the
   * step that is under way (its update has not been applied: the parameters
   * and moments are still those after the last good step).
   */
  snapshot(undoStep = false): TrainState {
    const f = this.f, net = this.net, n = net.layout.size;
    const pre = this.pre;
    const slices = undoStep ? { carry: pre.slices.carry.map((c) => ({ h: c.h.slice(), c: c.c ? c.c.slice() : null })), rngs: pre.slices.rngs } : this.slices.snapshot(f);
    return {
      config: this.config,
      vocab: this.data.vocab.tokens,
      B: this.B,
      T: this.T,
      windowsPerEpoch: this.batches.windowsPerEpoch,
      ...this.counters,
      elapsedMs: this.elapsed(),
      ...(undoStep ? pre.position : this.batches.snapshot()),
      rng: undoStep ? pre.rng : this.rng.state(),
      slices,
      schedule: { ...this.schedule.state },
      params: f.slice(net.params, net.params + n),
      optimizer: this.optimizer.snapshot(f),
      // best is replaced, never written into, so the state can share it
      best: this.best,
      history: { train: [...this.history.train], val: [...this.history.val] },
    };
  }

  /** The model with these parameters (a copy of the current ones by default). */
  model(params?: Float32Array): LanguageModel {
    const net = this.net;
    return new LanguageModel(this.config, this.data.vocab, (params ?? this.f.subarray(net.params, net.params + net.layout.size)).slice());
  }

  async close(): Promise<void> {
    await this.slices.close();
  }
}

/** The configuration of a new run (the adaptive softmax by default for large vocabularies, unless tied). */
function configFor(o: TrainOptions, V: number): ModelConfig {
  const m = o.model, d = o.data;
  const softmax = m.softmax ?? (V >= ADAPTIVE_FROM && !m.tie ? 'adaptive' : 'full');
  return modelConfig({
    level: d.level, split: d.split, tokenize: d.tokenize, lowercase: d.lowercase,
    cell: m.cell, embed: m.embed, hidden: m.hidden, layers: m.layers, tie: m.tie, running_text: m.runningText,
    softmax, cutoffs: m.cutoffs ?? (softmax === 'adaptive' ? defaultCutoffs(V) : []),
  });
}

/** Slices of fewer than 8 streams make the per-step products too small to pay for a thread. */
function defaultThreads(B: number): number {
  return Math.max(1, Math.min(availableParallelism(), Math.floor(B / 8)));
}

function checkResumeVocab(s: TrainState, tokens: readonly string[]): void {
  if (s.vocab.length !== tokens.length || s.vocab.some((t, i) => t !== tokens[i])) {
    throw usageError('the corpus was prepared with another vocabulary than the checkpoint\'s; resume with the checkpoint\'s own vocabulary');
  }
}

function checkResumeShapes(s: TrainState, run: Run): void {
  const changed = 'the corpus has changed since the checkpoint was written';
  if (s.B !== run.B || s.T !== run.T) throw inputError(`the checkpoint was trained with windows of ${s.B}×${s.T} but the corpus now gives ${run.B}×${run.T}; ${changed}`);
  if (s.windowsPerEpoch !== run.batches.windowsPerEpoch || s.window > run.batches.windowsPerEpoch) {
    throw inputError(`the checkpoint's epochs have ${s.windowsPerEpoch} windows but the corpus now gives ${run.batches.windowsPerEpoch}; ${changed}`);
  }
  const bad = (what: string): never => {
    throw inputError(`the checkpoint does not fit this run: ${what}`);
  };
  const n = run.net.layout.size, H = run.config.hidden;
  if (s.params.length !== n) bad(`it holds ${s.params.length} parameters, the model has ${n}`);
  if (s.optimizer.name !== run.optimizer.name) bad(`it was trained with the ${s.optimizer.name} optimizer, not ${run.optimizer.name}`);
  if (s.optimizer.moments.length !== momentCount(run.optimizer.name) || s.optimizer.moments.some((m) => m.length !== n)) bad('the optimizer moments have the wrong size');
  if (s.slices.carry.length !== run.config.layers || s.slices.carry.some((c) => c.h.length !== run.B * H || (c.c !== null && c.c.length !== run.B * H))) {
    bad('the carried hidden state has the wrong size');
  }
  if (s.best && s.best.params.length !== n) bad('the best parameters have the wrong size');
}
