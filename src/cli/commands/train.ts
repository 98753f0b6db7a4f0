/** recur train [corpus...] -o model.safetensors */
import { Command, Option } from 'commander';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import chalk from 'chalk';
import ora from 'ora';
import type { CliIO } from '../io.js';
import { EXIT, ExitWith } from '../exit.js';
import { cutoffList, duration, int, num } from '../parse.js';
import { compact, fmt, kernelsOption, readModel, writeFileAtomic } from '../common.js';
import { StatusLine } from '../ui/status.js';
import { formatSummary } from '../ui/summary.js';
import { SnapshotSampler } from '../ui/snapshots.js';
import { DEFAULT_CHECKPOINT_INTERVAL_MS, checkCorpusUnchanged, checkpointWriter, makeRunRecord, readCheckpoint, resumeFlags } from '../resume.js';
import { usageError, Rng, saveModel, InferenceSession, SAMPLE_DEFAULTS, sampleOne, CELLS, SOFTMAXES, type CellType, type SoftmaxKind, LEVELS, SPLITS, TOKENIZERS, type Level, type SplitMode, type Tokenize, type LanguageModel, OPTIMIZERS, DEFAULT_LR, type OptimizerName, DEFAULT_EPOCHS, LEVEL_DEFAULTS, SCHEDULE_DEFAULTS, prepareTraining, train, TrainingDiverged, type TrainOptions, type TrainResult, type KernelSetName, readText, attachHistory, recordFromTrainResult, renderReport } from '../../index.js';

/** The corpus `recur train` uses when given none. */
export const DEFAULT_CORPUS = fileURLToPath(new URL('../../../corpora/dinos.txt', import.meta.url));


interface TrainFlags {
  output: string;
  level: Level;
  split: SplitMode;
  tokenize: Tokenize;
  lowercase: boolean;
  maxVocab?: number;
  minCount: number;
  cell: CellType;
  softmax?: SoftmaxKind;
  cutoffs?: number[];
  tie: boolean;
  layers: number;
  hidden?: number;
  embed?: number;
  batch: number;
  seqLen?: number;
  optimizer: OptimizerName;
  lr?: number;
  lrDecay?: number;
  patience?: number;
  earlyStop?: number;
  warmup?: number;
  clip: number;
  clipValue: number;
  dropout: number;
  weightDecay: number;
  valFrac: number;
  val?: string;
  evalEvery: number;
  epochs?: number;
  steps?: number;
  time?: number;
  seed: number;
  init?: string;
  kernels: KernelSetName;
  threads?: number;
  samples: number;
  replaceInvalid: boolean;
  quiet: boolean;
  json: boolean;
  report?: string;
  checkpoint?: string;
  checkpointEvery: number;
  checkpointInterval: number;
  resume?: string;
}

export function trainCommand(io: CliIO): Command {
  return new Command('train')
    .description('train a language model on text files (one sequence per line by default)')
    .argument('[corpus...]', 'UTF-8 text files (default: the dinosaur names that ship with recur)')
    .option('-o, --output <file>', 'where to write the model (safetensors)', 'model.safetensors')
    .addOption(new Option('--level <level>', 'tokens are characters or words').choices([...LEVELS]).default('char'))
    .addOption(new Option('--split <mode>', 'a sequence is a line, a blank-line-separated paragraph, or the whole text').choices([...SPLITS]).default('lines'))
    .addOption(new Option('--tokenize <how>', 'word level: Unicode-aware words and punctuation, or split on white space only').choices([...TOKENIZERS]).default('default'))
    .option('--lowercase', 'lowercase the text first', false)
    .option('--max-vocab <n>', 'keep the n most frequent tokens, the rest become <unk> (default: word 10000, char all; 0 = all)', int(0))
    .option('--min-count <k>', 'keep only tokens seen at least k times', int(1), 1)
    .addOption(new Option('--cell <cell>', 'recurrent cell').choices([...CELLS]).default('gru'))
    .option('--layers <n>', 'stacked recurrent layers', int(1, 64), 1)
    .option('--hidden <n>', `hidden size H (default ${LEVEL_DEFAULTS.char.hidden})`, int(1, 65536))
    .option('--embed <n>', `embedding size E (default: char ${LEVEL_DEFAULTS.char.embed}, word ${LEVEL_DEFAULTS.word.embed})`, int(1, 65536))
    .addOption(new Option('--softmax <kind>', 'output layer: full softmax, or the adaptive softmax (default: adaptive for vocabularies of 5,000 tokens or more, full below)').choices([...SOFTMAXES]))
    .option('--cutoffs <list>', 'adaptive softmax cluster boundaries, e.g. 2000,10000 (default: 2000, then ×5 while below the vocabulary size)', cutoffList)
    .option('--tie', 'tie the decoder to the embedding (needs --embed equal to --hidden; full softmax)', false)
    .option('--batch <n>', 'parallel streams per minibatch B', int(1, 65536), 32)
    .option('--seq-len <n>', `time steps per window T (default: char ${LEVEL_DEFAULTS.char.seqLen}, word ${LEVEL_DEFAULTS.word.seqLen})`, int(1, 65536))
    .addOption(new Option('--optimizer <name>', 'optimizer').choices([...OPTIMIZERS]).default('adam'))
    .option('--lr <rate>', `learning rate (default: adam ${DEFAULT_LR.adam}, sgd ${DEFAULT_LR.sgd}, adagrad ${DEFAULT_LR.adagrad}, rmsprop ${DEFAULT_LR.rmsprop})`, num(0, Infinity, { minOpen: true }))
    .option('--lr-decay <f>', 'multiply the learning rate by f when validation stops improving (1 = never)', num(0, 1, { minOpen: true }), SCHEDULE_DEFAULTS.lrDecay)
    .option('--patience <n>', 'validations without improvement before the learning rate decays', int(1), SCHEDULE_DEFAULTS.patience)
    .option('--early-stop <n>', 'stop after n validations without improvement (0 = never)', int(0), SCHEDULE_DEFAULTS.earlyStop)
    .option('--warmup <steps>', 'linear learning-rate warm-up over this many steps', int(0))
    .option('--clip <norm>', 'clip the global gradient norm to this (0 = off)', num(0, Infinity), 5)
    .option('--clip-value <v>', 'clamp each gradient to ±v (0 = off)', num(0, Infinity), 0)
    .option('--dropout <p>', 'dropout on the embeddings, between layers and before the decoder', num(0, 1, { maxOpen: true }), 0)
    .option('--weight-decay <λ>', 'L2 weight decay', num(0, Infinity), 0)
    .option('--val-frac <f>', 'fraction of the sequences held out for validation (split none: the end of the text)', num(0, 1, { maxOpen: true }), 0.1)
    .option('--val <file>', 'a separate validation file (replaces --val-frac)')
    .option('--eval-every <n>', 'validate every n steps (0 = once per epoch)', int(0), 0)
    .option('--epochs <n>', `stop after n passes over the training text (default ${DEFAULT_EPOCHS} when no other limit is given)`, num(0, Infinity, { minOpen: true }))
    .option('--steps <n>', 'stop after n optimizer steps', int(1))
    .option('--time <duration>', 'stop after this much wall-clock time, e.g. 90s, 10m, 2h', duration)
    .option('--seed <n>', 'random seed: the same seed gives the same model', int(0), 1)
    .option('--init <model>', 'start from this model\'s weights and vocabulary')
    .addOption(kernelsOption())
    .option('--threads <n>', `worker threads computing slices of each batch (default: the available cores, ${availableParallelism()} here, keeping at least 8 streams per thread)`, int(1, 256))
    .option('--samples <n>', 'samples to print after training', int(0), 3)
    .option('--checkpoint <file>', 'where to write checkpoints (default: the output path + .ckpt)')
    .option('--checkpoint-every <n>', 'write a checkpoint every n steps (0 = only on the time interval)', int(0), 0)
    .option('--checkpoint-interval <duration>', 'write a checkpoint when this much time has passed since the last (0 = off)', (v: string) => (v.trim() === '0' ? 0 : duration(v)), DEFAULT_CHECKPOINT_INTERVAL_MS)
    .option('--resume <checkpoint>', 'continue the run saved in a checkpoint (its corpus and options; --steps, --epochs, --time may be raised)')
    .option('--replace-invalid', 'replace bytes that are not UTF-8 with U+FFFD instead of failing', false)
    .option('-q, --quiet', 'print nothing but errors', false)
    .option('--json', 'print one JSON object per event on stdout', false)
    .option('--report <file>', 'write an HTML report (loss curves, samples along the way, configuration) to this file')
    .addHelpText('after', '\nExample:\n  recur train names.txt --cell lstm --hidden 128 --time 2m -o names.safetensors')
    .action(async (corpus: string[], flags: TrainFlags, cmd: Command) => runTrain(io, corpus, flags, cmd));
}

async function runTrain(io: CliIO, corpus: string[], flags: TrainFlags, cmd: Command): Promise<void> {
  const resumed = flags.resume ? readCheckpoint(flags.resume) : undefined;
  if (resumed) {
    flags = resumeFlags(resumed.record, flags, cmd, corpus, flags.resume!);
    corpus = resumed.record.corpus.map((c) => c.path);
    checkCorpusUnchanged(resumed.record);
  }
  const paths = corpus.length > 0 ? corpus : [DEFAULT_CORPUS];
  const quiet = flags.quiet || flags.json;
  const err = io.stderr;
  const tty = Boolean(err.isTTY) && !quiet;
  const jsonOut = (o: object): void => void io.stdout.write(JSON.stringify(o) + '\n');

  const init = flags.init && !resumed ? readModel(flags.init) : undefined;
  if (init && corpus.length === 0) throw usageError('--init needs a corpus to continue training on');
  const level = resumed?.state.config.level ?? init?.config.level ?? flags.level;
  const d = LEVEL_DEFAULTS[level];
  const limited = flags.epochs !== undefined || flags.steps !== undefined || flags.time !== undefined;

  const opts: TrainOptions = {
    // read here and dropped once encoded (see below): a large corpus is not kept as text while training
    texts: paths.map((p) => readText(p, { role: 'corpus', replaceInvalid: flags.replaceInvalid })),
    valTexts: flags.val ? [readText(flags.val, { role: 'validation file', replaceInvalid: flags.replaceInvalid })] : undefined,
    init,
    level,
    split: flags.split,
    tokenize: flags.tokenize,
    lowercase: flags.lowercase,
    maxVocab: flags.maxVocab ?? d.maxVocab,
    minCount: flags.minCount,
    valFrac: flags.valFrac,
    cell: flags.cell,
    softmax: flags.softmax,
    cutoffs: flags.cutoffs,
    tie: flags.tie,
    embed: flags.embed ?? d.embed,
    hidden: flags.hidden ?? d.hidden,
    layers: flags.layers,
    batch: flags.batch,
    seqLen: flags.seqLen ?? d.seqLen,
    optimizer: flags.optimizer,
    lr: flags.lr,
    lrDecay: flags.lrDecay,
    patience: flags.patience,
    earlyStop: flags.earlyStop,
    warmup: flags.warmup,
    clip: flags.clip,
    clipValue: flags.clipValue,
    dropout: flags.dropout,
    weightDecay: flags.weightDecay,
    evalEvery: flags.evalEvery,
    epochs: limited ? flags.epochs : DEFAULT_EPOCHS,
    steps: flags.steps,
    timeMs: flags.time,
    seed: flags.seed,
    kernels: flags.kernels,
    // slices of fewer than 8 streams make the per-step products too small to pay for a thread
    threads: flags.threads ?? Math.max(1, Math.min(availableParallelism(), Math.floor(flags.batch / 8))),
    resume: resumed?.state,
  };
  const ckptPath = flags.checkpoint ?? (resumed && cmd.getOptionValueSource('output') !== 'cli' ? flags.resume! : flags.output + '.ckpt');
  const record = makeRunRecord(paths, { ...flags, epochs: opts.epochs });
  const checkpoint = checkpointWriter(ckptPath, record, flags.checkpointEvery, flags.checkpointInterval);

  // a spinner on a terminal; plain lines otherwise
  const spinner = ora({ text: `reading ${paths.join(', ')}`, stream: err as NodeJS.WritableStream, isEnabled: tty, isSilent: quiet || !tty });
  spinner.start();
  let prepared;
  try {
    prepared = prepareTraining(opts);
    opts.texts = [];
    opts.valTexts = undefined;
  } catch (e) {
    spinner.stop();
    throw e;
  }
  const summary =
    `${paths.length === 1 ? paths[0] : `${paths.length} files`}: ${compact(prepared.train.tokens)} training tokens in ${compact(prepared.train.sequences)} sequences, ` +
    `${compact(prepared.val?.tokens ?? 0)} validation tokens, vocabulary ${prepared.vocab.size}`;
  if (tty) spinner.succeed(summary);
  else if (!quiet) err.write(summary + '\n');
  if (resumed && !quiet) err.write(`resuming ${flags.resume} at step ${resumed.state.step}; checkpoints go to ${ckptPath}\n`);

  // Ctrl-C / SIGTERM: stop after the current step and keep what was learned
  const abort = new AbortController();
  let signal: 'SIGINT' | 'SIGTERM' | null = null;
  const onSignal = (s: 'SIGINT' | 'SIGTERM') => () => {
    // a second signal while the first is being handled: stop at once (files are replaced atomically,
    // so the last checkpoint on disk stays whole)
    if (signal) io.exit(s === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
    signal = s;
    abort.abort();
  };
  const onInt = onSignal('SIGINT'), onTerm = onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);

  const status = new StatusLine(err, quiet ? 'quiet' : tty ? 'tty' : 'plain', { steps: opts.steps, epochs: opts.epochs, timeMs: opts.timeMs });
  const snapshots = new SnapshotSampler();
  let result: TrainResult;
  try {
    result = await train({ ...opts, checkpoint, signal: abort.signal, onEvent: (e) => (flags.json ? jsonOut(e) : status.event(e)), onValidate: snapshots.onValidate }, prepared);
  } catch (e) {
    status.clear();
    if (e instanceof TrainingDiverged) {
      if (e.state) await checkpoint.write(e.state);
      await writeFileAtomic(flags.output, saveModel(e.result.model));
      const what = e.result.bestValLoss !== null ? `the best model before that (validation loss ${fmt(e.result.bestValLoss)})` : 'the model before that';
      err.write(`recur: ${e.message}\n` +
        (e.state ? `recur: the last good checkpoint (step ${e.state.step}) is in ${ckptPath}\n` : '') +
        `recur: ${what} is in ${flags.output}\n`);
      throw new ExitWith(EXIT.failure);
    }
    throw e;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
  status.clear();
  result.model.info.corpus = paths.map((p) => p.replace(/^.*[\\/]/, ''));
  const along = await snapshots.sample(result.model, 3, flags.seed, flags.kernels);
  attachHistory(result.model, result, along);
  // the run's last state, so that it can be continued (after an interruption, or with higher limits)
  await checkpoint.write(result.state);
  await writeFileAtomic(flags.output, saveModel(result.model));
  if (flags.report) {
    const options = { optimizer: flags.optimizer, lr: result.model.info.lr, batch: result.model.info.batch, seq_len: result.model.info.seq_len, clip: flags.clip, dropout: flags.dropout, weight_decay: flags.weightDecay, seed: flags.seed, corpus: paths.join(', ') };
    await writeFileAtomic(flags.report, new TextEncoder().encode(renderReport(recordFromTrainResult(result, { title: flags.output, options, samples: along }))));
  }

  if (flags.json) {
    jsonOut({
      type: 'done',
      output: flags.output,
      checkpoint: ckptPath,
      steps: result.steps,
      epochs: result.epochs,
      elapsed_s: result.elapsedMs / 1000,
      tokens_per_s: result.tokensPerSec,
      train_loss: result.lastTrainLoss,
      val_loss: result.bestValLoss,
      stop: result.stopReason,
    });
  } else if (!quiet) {
    err.write(formatSummary(result, flags.output, { report: flags.report }));
  }
  if (flags.samples > 0 && !flags.json && !signal) await printSamples(io, result.model, flags.samples, flags.seed, flags.kernels, quiet);
  if (signal) {
    err.write(`recur: interrupted at step ${result.steps}; checkpoint written to ${ckptPath} (continue with: recur train --resume ${ckptPath})\n`);
    err.write(`recur: the best model so far is in ${flags.output}\n`);
    throw new ExitWith(signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
  }
}

async function printSamples(io: CliIO, model: LanguageModel, n: number, seed: number, kernels: KernelSetName, quiet: boolean): Promise<void> {
  if (quiet) return;
  const session = await InferenceSession.create(model, { kernels });
  const rng = new Rng(seed);
  io.stderr.write(chalk.dim(`samples:\n`));
  for (let i = 0; i < n; i++) io.stdout.write(sampleOne(session, { ...SAMPLE_DEFAULTS, maxLength: 200 }, rng).text + '\n');
}
