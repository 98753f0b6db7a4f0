/**
 * The options of a training run, in one table per part (see core/options.ts):
 * what the text becomes (data), the model, the optimizer and its minibatches,
 * the learning-rate schedule, the limits, the runtime, and when things happen
 * (events); then the command line's own parts (files, printing). The library
 * validates and defaults the first seven; `recur train` derives its flags and
 * help from all nine; checkpoints record the resolved values; the PyTorch
 * trainer reads the same table as JSON (python/recur_torch/train_options.json).
 */
import { usageError } from '../core/errors.js';
import { JSON_EVENTS_OPTION, QUIET_OPTION, choice, fieldsOf, resolveFamily, type FamilyGiven, type FamilyValues, type OptionTable } from '../core/options.js';
import { DATA_OPTIONS, REPLACE_INVALID_OPTION } from '../data/options.js';
import { KERNELS_OPTION } from '../kernels/index.js';
import type { LanguageModel } from '../model/model.js';
import { ARCH_DEFAULTS, CELLS, DEFAULT_CUTOFFS, MAX_LAYERS, MAX_SIZE, SOFTMAXES } from '../nn/config.js';
import { DEFAULT_LR, OPTIMIZERS } from './optimizer.js';
import { ANNEALS } from './schedule.js';

/** The limit when none of epochs, steps or time is given (early stopping usually ends the run first). */
export const DEFAULT_EPOCHS = 50;

/**
 * Vocabulary size from which the adaptive softmax is the default. Measured on Brown
 * (14,115 types, GRU 256, 5 minutes each, test/bench/QUALITY.md): validation perplexity
 * 183.6 with the full softmax (400 steps) and 143.3 with the adaptive one (1,276 steps;
 * 177.7 at step 400, so no worse per step either).
 */
export const ADAPTIVE_FROM = 5000;

/** The default validation interval when an epoch is long (in steps; evalEvery 0). */
export const EVAL_STEPS = 1000;

/**
 * Validation tokens scored by default (valTokens): 2¹⁷. Measured on C1 (char GRU 256,
 * 32×64, 2 threads, Tiny Shakespeare), validation and training in one process
 * (test/bench/RESULTS.md): one validation over 131,072 tokens costs as much as 21.5
 * steps (262,144: 46 steps), about 2% of the time at the default interval of
 * EVAL_STEPS steps; the validation parts of the corpora we ship and benchmark (Tiny
 * Shakespeare, Brown: about 110K tokens) stay whole.
 */
export const DEFAULT_VAL_TOKENS = 131_072;

/** Pieces validation is cut into when its stream is longer than the cap (the validation pass scores 32 chunks in parallel). */
export const VAL_PIECES = 32;

/**
 * The trainer's fixed rules that are not options. They are exported with the
 * option table (python/recur_torch/train_options.json, "rules"), so that the
 * PyTorch trainer follows the same ones rather than copies of them.
 */
export const TRAIN_RULES = {
  /** a training-loss history point is the mean loss of this many steps */
  historyEvery: 10,
  /** validation scores the validation stream in this many parallel chunks */
  evalStreams: 32,
  /** evalEvery 0: once per epoch, or every this many steps when an epoch is longer */
  evalSteps: EVAL_STEPS,
  /** a validation part longer than valTokens is scored as this many evenly spread pieces (train/data.ts validationStream) */
  valPieces: VAL_PIECES,
  /** a loss above this many times the first step's loss counts as divergence (char-rnn's rule) */
  divergeFactor: 3,
  /** the limit when none is given */
  defaultEpochs: DEFAULT_EPOCHS,
  /** the adaptive softmax is the default from this vocabulary size (untied models) */
  adaptiveFrom: ADAPTIVE_FROM,
  /** default cutoffs: DEFAULT_CUTOFFS.first, then × factor while below the vocabulary size */
  cutoffs: DEFAULT_CUTOFFS,
  /** the adaptive softmax's cluster sizes (⌊H / div_value^(i+1)⌋) and head bias */
  divValue: ARCH_DEFAULTS.div_value,
  headBias: ARCH_DEFAULTS.head_bias,
} as const;

const arch = { onResume: 'fixed', withInit: 'refused' } as const;

export const MODEL_OPTIONS = {
  cell: choice(CELLS, { help: 'recurrent cell (PyTorch\'s nn.RNN with tanh, nn.GRU, nn.LSTM)', default: 'gru', ...arch, placeholder: '<cell>' }),
  embed: { type: 'int', help: 'embedding size E', min: 1, max: MAX_SIZE, defaultBy: { field: 'level', values: { char: 64, word: 128 } }, ...arch, placeholder: '<n>' },
  hidden: { type: 'int', help: 'hidden size H', min: 1, max: MAX_SIZE, default: 256, ...arch, placeholder: '<n>' },
  layers: { type: 'int', help: 'stacked recurrent layers', min: 1, max: MAX_LAYERS, default: 1, ...arch, placeholder: '<n>' },
  softmax: choice(SOFTMAXES, {
    help: 'output layer: a full softmax, or the adaptive softmax (Grave et al. 2017, as PyTorch\'s nn.AdaptiveLogSoftmaxWithLoss): much faster for large vocabularies, probabilities still exact',
    defaultText: `adaptive for vocabularies of ${ADAPTIVE_FROM.toLocaleString('en')} tokens or more, else full`, optional: true, ...arch, placeholder: '<kind>',
  }),
  cutoffs: {
    type: 'intList', help: 'adaptive softmax cluster boundaries, e.g. 2000,10000', defaultText: '2000, then ×5 while below the vocabulary size',
    optional: true, ...arch, placeholder: '<list>',
  },
  tie: { type: 'boolean', help: 'tie the decoder to the embedding (needs embed = hidden; full softmax)', default: false, ...arch },
  runningText: {
    type: 'boolean',
    help: 'read the sequences (lines or paragraphs) in order as one running text: the state carries across <eos> and their order is not shuffled, so each is predicted from the ones before it, as in PyTorch\'s word_language_model example and RNNLM without -independent; recur eval then reads a text the same way and recur sample\'s samples go on from one another (score scores each sentence alone unless --in-order)',
    default: false, ...arch,
  },
  dropout: {
    type: 'number', help: 'dropout on the embeddings, between layers and before the decoder', min: 0, max: 1, maxOpen: true, default: 0,
    onResume: 'fixed', placeholder: '<p>',
  },
  lockedDropout: {
    type: 'boolean', help: 'lock the dropout masks over time: each stream keeps one mask for the whole window (variational dropout, Gal and Ghahramani 2016)',
    default: false, onResume: 'fixed',
  },
  weightDrop: {
    type: 'number', help: 'DropConnect on the recurrent weights W_hh: every window zeroes each of them with probability p (the weight drop of Merity et al. 2018)',
    min: 0, max: 1, maxOpen: true, default: 0, onResume: 'fixed', placeholder: '<p>',
  },
  embedDrop: {
    type: 'number', help: 'drop whole tokens: every window zeroes the embedding of each vocabulary token with probability p, at all of its occurrences (the embedding dropout of Gal and Ghahramani 2016)',
    min: 0, max: 1, maxOpen: true, default: 0, onResume: 'fixed', placeholder: '<p>',
  },
} as const satisfies OptionTable;

export const OPTIMIZER_OPTIONS = {
  optimizer: choice(OPTIMIZERS, { help: 'the update rule (PyTorch\'s)', default: 'adam', onResume: 'fixed', placeholder: '<name>' }),
  lr: { type: 'number', help: 'learning rate', min: 0, minOpen: true, defaultBy: { field: 'optimizer', values: DEFAULT_LR }, onResume: 'fixed', placeholder: '<rate>' },
  weightDecay: { type: 'number', help: 'L2 weight decay', min: 0, default: 0, onResume: 'fixed', placeholder: '<λ>' },
  clip: { type: 'number', help: 'clip the global gradient norm to this', min: 0, default: 5, special: '0 = off', onResume: 'fixed', placeholder: '<norm>' },
  clipValue: { type: 'number', help: 'clamp each gradient to ±v', min: 0, default: 0, special: '0 = off', onResume: 'fixed', placeholder: '<v>' },
  batch: { type: 'int', help: 'parallel streams per minibatch B', min: 1, max: 65536, default: 32, onResume: 'fixed', placeholder: '<n>' },
  seqLen: {
    type: 'int', help: 'time steps per window T (truncated BPTT; the state is carried between windows)', min: 1, max: 65536,
    defaultBy: { field: 'level', values: { char: 64, word: 32 } }, onResume: 'fixed', placeholder: '<n>',
  },
} as const satisfies OptionTable;

/**
 * Learning-rate decay on a validation plateau and early stopping. Measured on
 * the bundled dinosaur names (char GRU 256, 60 epochs allowed): validation loss
 * 1.558 with these against 1.657 for 10 epochs at a constant rate.
 */
export const SCHEDULE_OPTIONS = {
  lrDecay: { type: 'number', help: 'multiply the learning rate by f when validation stops improving', min: 0, minOpen: true, max: 1, default: 0.5, special: '1 = never', onResume: 'fixed', placeholder: '<f>' },
  patience: { type: 'int', help: 'validations without improvement before the learning rate decays', min: 1, default: 2, onResume: 'fixed', placeholder: '<n>' },
  earlyStop: { type: 'int', help: 'stop after n validations without improvement', min: 0, default: 6, special: '0 = never', onResume: 'fixed', placeholder: '<n>' },
  warmup: { type: 'int', help: 'linear learning-rate warm-up', unit: 'steps', min: 0, default: 0, onResume: 'fixed', placeholder: '<steps>' },
  anneal: choice(ANNEALS, {
    help: 'lower the learning rate to zero over the run, by a half cosine or linearly in the fraction done of its step, epoch or time limit (whichever ends it first); plateau decay still applies',
    default: 'none', onResume: 'fixed', placeholder: '<shape>',
  }),
} as const satisfies OptionTable;

export const LIMIT_OPTIONS = {
  epochs: {
    type: 'number', help: 'stop after n passes over the training text', min: 0, minOpen: true, optional: true,
    defaultText: `${DEFAULT_EPOCHS} when no other limit is given`, onResume: 'free', placeholder: '<n>',
  },
  steps: { type: 'int', help: 'stop after n optimizer steps', min: 1, optional: true, onResume: 'free', placeholder: '<n>' },
  time: { type: 'duration', help: 'stop after this much wall-clock time, e.g. 90s, 10m, 2h', unit: 'seconds', min: 0, minOpen: true, optional: true, onResume: 'free', placeholder: '<duration>' },
} as const satisfies OptionTable;

export const RUNTIME_OPTIONS = {
  seed: { type: 'int', help: 'random seed: the same seed gives the same model', min: 0, default: 1, onResume: 'fixed', placeholder: '<n>' },
  threads: {
    type: 'int', help: 'worker threads, each computing a slice of the batch (deterministic for a seed and thread count)', min: 1, max: 256, optional: true,
    defaultText: 'the available cores, keeping at least 8 streams per thread', onResume: 'free', placeholder: '<n>',
  },
  kernels: KERNELS_OPTION,
} as const satisfies OptionTable;

export const EVENT_OPTIONS = {
  evalEvery: {
    type: 'int', help: 'validate every n steps', min: 0, default: 0, special: `0 = once per epoch, or every ${EVAL_STEPS} steps when an epoch is longer`,
    onResume: 'fixed', placeholder: '<n>',
  },
  valTokens: {
    type: 'int', help: 'validate on at most n tokens: evenly spread pieces of a longer validation part', unit: 'tokens', min: 0, default: DEFAULT_VAL_TOKENS,
    special: '0 = all', onResume: 'fixed', placeholder: '<n>',
  },
  checkpointEvery: { type: 'int', help: 'write a checkpoint every n steps', min: 0, default: 0, special: '0 = only on the time interval', onResume: 'free', placeholder: '<n>' },
  checkpointInterval: {
    type: 'duration', help: 'write a checkpoint when this much time has passed since the last', unit: 'seconds', min: 0, default: 300,
    special: '0 = off', onResume: 'free', placeholder: '<duration>',
  },
} as const satisfies OptionTable;

/** The command line's own options: where files go and what is printed. */
export const FILE_OPTIONS = {
  output: { type: 'path', help: 'where to write the model (safetensors)', default: 'model.safetensors', short: '-o', onResume: 'free', cliOnly: true, placeholder: '<file>' },
  checkpoint: { type: 'path', help: 'where to write checkpoints', defaultText: 'the output path + .ckpt (on --resume: the checkpoint resumed from)', optional: true, onResume: 'free', cliOnly: true, placeholder: '<file>' },
  resume: { type: 'path', help: 'continue the run saved in a checkpoint (its corpus and options; the limits may be changed)', optional: true, onResume: 'free', cliOnly: true, placeholder: '<checkpoint>' },
  init: { type: 'path', help: 'start from this model\'s weights, architecture and vocabulary', optional: true, onResume: 'fixed', cliOnly: true, placeholder: '<model>' },
  val: { type: 'path', help: 'a separate validation file (replaces --val-frac)', optional: true, onResume: 'fixed', cliOnly: true, placeholder: '<file>' },
  report: { type: 'path', help: 'write an HTML report (loss curves, samples along the way, configuration) to this file', optional: true, onResume: 'free', cliOnly: true, placeholder: '<file>' },
  replaceInvalid: { ...REPLACE_INVALID_OPTION, cliOnly: true },
  force: { type: 'boolean', help: 'start over even where the checkpoint path holds an unfinished run', default: false, onResume: 'free', cliOnly: true },
} as const satisfies OptionTable;

export const PRINT_OPTIONS = {
  samples: { type: 'int', help: 'samples to print after training', min: 0, default: 3, onResume: 'free', cliOnly: true, placeholder: '<n>' },
  quiet: QUIET_OPTION,
  json: JSON_EVENTS_OPTION,
} as const satisfies OptionTable;

/** The library's options of a training run. */
export const TRAIN_OPTIONS = {
  data: DATA_OPTIONS,
  model: MODEL_OPTIONS,
  optimizer: OPTIMIZER_OPTIONS,
  schedule: SCHEDULE_OPTIONS,
  limits: LIMIT_OPTIONS,
  runtime: RUNTIME_OPTIONS,
  events: EVENT_OPTIONS,
} as const;

/** `recur train`'s options: the library's and the command line's own. */
export const TRAIN_COMMAND_OPTIONS = { ...TRAIN_OPTIONS, files: FILE_OPTIONS, printing: PRINT_OPTIONS } as const;

export type TrainOptions = FamilyValues<typeof TRAIN_OPTIONS>;
export type TrainOptionsGiven = FamilyGiven<typeof TRAIN_OPTIONS>;

/** The architecture and vocabulary fields an initial model decides (from the model's config). */
function fromModel(m: LanguageModel): TrainOptionsGiven {
  const c = m.config;
  return {
    data: { level: c.level, split: c.split, tokenize: c.tokenize, lowercase: c.lowercase },
    model: { cell: c.cell, embed: c.embed, hidden: c.hidden, layers: c.layers, softmax: c.softmax, cutoffs: c.softmax === 'adaptive' ? c.cutoffs : undefined, tie: c.tie, runningText: c.running_text },
  };
}

const merge = (a: TrainOptionsGiven, b: TrainOptionsGiven): TrainOptionsGiven => {
  const out: Record<string, Record<string, unknown>> = {};
  for (const o of [a, b]) for (const [part, v] of Object.entries(o)) out[part] = { ...out[part], ...v };
  return out as TrainOptionsGiven;
};

/** Each given field with its part, spec and value. */
function* givenFields(given: TrainOptionsGiven) {
  const fields = fieldsOf(TRAIN_OPTIONS);
  for (const [part, values] of Object.entries(given)) {
    for (const [name, value] of Object.entries(values ?? {})) {
      if (value === undefined) continue;
      const f = fields.get(name);
      if (f && f[0] === part) yield { part, name, value, spec: f[1] };
    }
  }
}

const show = (v: unknown): string => (Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * Resolve the options of a run: everything given checked, everything else
 * defaulted. With an initial model its architecture and vocabulary win, and
 * giving one of those is an error; resuming takes the run's own options, and
 * only the free ones (limits, runtime, checkpoint cadence) may change (the
 * limits given replace all three).
 */
export function resolveTrainOptions(given: TrainOptionsGiven, ctx: { init?: LanguageModel; resumed?: TrainOptions } = {}): TrainOptions {
  if (ctx.resumed) return resumedOptions(given, ctx.resumed);
  let g = given;
  if (ctx.init) {
    const model = fromModel(ctx.init);
    for (const f of givenFields(given)) {
      if (f.spec.withInit !== 'refused') continue;
      const had = (model as Record<string, Record<string, unknown> | undefined>)[f.part]?.[f.name];
      throw usageError(`${f.name} cannot be set when training from an initial model: its ${f.part === 'data' ? 'vocabulary and text configuration are' : 'architecture is'} kept${had !== undefined ? ` (${f.name} ${show(had)})` : ''}`, f.name);
    }
    g = merge(given, model);
  }
  const o = resolveFamily(TRAIN_OPTIONS, g);
  if (o.model.lockedDropout && o.model.dropout === 0) throw usageError('lockedDropout needs dropout above 0, whose masks it locks over time', 'lockedDropout');
  if (o.model.runningText && o.data.split === 'none') throw usageError('runningText reads lines or paragraphs as one running text; with split none the text is one sequence already', ['runningText', 'split']);
  if (o.limits.epochs === undefined && o.limits.steps === undefined && o.limits.time === undefined) o.limits.epochs = DEFAULT_EPOCHS;
  return o;
}

function resumedOptions(given: TrainOptionsGiven, had: TrainOptions): TrainOptions {
  const was = had as unknown as Record<string, Record<string, unknown>>;
  for (const f of givenFields(given)) {
    if (f.spec.onResume === 'free') continue;
    const before = was[f.part]?.[f.name];
    if (JSON.stringify(f.value) !== JSON.stringify(before)) {
      throw usageError(`${f.name} ${show(f.value)} disagrees with the checkpoint being resumed (it had ${before === undefined ? 'none' : show(before)}); leave it out to continue the run as it was, or start a new run`, f.name);
    }
  }
  const limitsGiven = Object.values(given.limits ?? {}).some((v) => v !== undefined);
  const free: TrainOptionsGiven = { runtime: given.runtime, events: { checkpointEvery: given.events?.checkpointEvery, checkpointInterval: given.events?.checkpointInterval } };
  const base = limitsGiven ? { ...had, limits: { epochs: undefined, steps: undefined, time: undefined } } : had;
  return resolveFamily(TRAIN_OPTIONS, merge(merge(base as TrainOptionsGiven, free), limitsGiven ? { limits: given.limits } : {}));
}
