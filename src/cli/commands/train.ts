/** recur train [corpus...] -o model.safetensors */
import { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import chalk from 'chalk';
import {
  Rng, InferenceSession, sampleOne, saveModel, inputError, trainOptions, train, TrainingDiverged, usageError,
  attachHistory, recordFromModel, renderReport, TRAIN_COMMAND_OPTIONS, isStoreFolder, storeDataOptions,
  type LanguageModel, type TrainInput, type TrainOptions, type TrainResult, type PreparedCorpus, type TrainEvent, type TrainingData, RecurError,
} from '../../index.js';
import type { CliIO } from '../io.js';
import { EXIT, ExitWith } from '../exit.js';
import { addOptions, cliMessage, givenOptions } from '../options.js';
import { compact, fmt, readModel, writeFileAtomic } from '../common.js';
import { StatusLine } from '../ui/status.js';
import { withUsableWidth } from '../ui/width.js';
import { formatSummary } from '../ui/summary.js';
import { SnapshotSampler } from '../ui/snapshots.js';
import { checkCorpusUnchanged, checkpointWriter, cliSettings, makeRunRecord, readCheckpoint, type CliSettings, type RunRecord } from '../resume.js';
import { RECUR, besidePath, checkOutputs, guardCheckpoint } from '../outputs.js';
import { SignalStop } from '../signals.js';
import { chooseData, openData, prepareTemporary, removeOnExit, type DataChoice } from '../train-data.js';

/** The corpus `recur train` uses when given none. */
export const DEFAULT_CORPUS = fileURLToPath(new URL('../../../corpora/dinos.txt', import.meta.url));

export function trainCommand(io: CliIO): Command {
  const cmd = new Command('train')
    .description('train a language model on text files (one sequence per line by default) or a token store (recur prepare)')
    .argument('[corpus...]', 'UTF-8 text files, or one token store NAME.recur (default: the dinosaur names that ship with recur)');
  addOptions(cmd, TRAIN_COMMAND_OPTIONS);
  return cmd
    .addHelpText('after', `\nThreads: ${availableParallelism()} cores here.\n\nExample:\n  recur train names.txt --cell lstm --hidden 128 --time 2m -o names.safetensors`)
    .action(async (corpus: string[], _flags: unknown, c: Command) => runTrain(io, corpus, c));
}

/** Everything a run needs before it starts: its options (checked), its files, its model to start from. */
interface Plan {
  options: TrainOptions;
  cli: CliSettings;
  paths: string[];
  input: TrainInput;
  ckptPath: string;
  /** what the checkpoints record about the run (made once the corpus has been read) */
  record?: RunRecord;
  /** a model file was at -o before this run (a new one) started: a run that ends badly must not replace it */
  modelExisted: boolean;
  /** notes to print once the run starts (a finished run's checkpoint being replaced) */
  notes: string[];
  /** the token store to read (given, the resumed run's, or a temporary one for a large text) */
  data: DataChoice;
}

async function runTrain(io: CliIO, corpus: string[], cmd: Command): Promise<void> {
  const plan = planRun(corpus, cmd, Number(io.env.RECUR_IN_MEMORY_MAX_BYTES) || undefined);
  const removeTemporary = plan.data.temporary ? removeOnExit(plan.data.temporary) : null;
  try {
    const prepared = await prepareData(io, plan);
    try {
      const outcome = await trainWithSignals(io, plan, prepared);
      if (outcome.diverged) return await onDiverged(io, plan, outcome.diverged);
      await finish(io, plan, outcome);
    } finally {
      if ('close' in prepared) prepared.close();
    }
  } finally {
    removeTemporary?.();
  }
}

/** The token store among the corpus arguments (it must be the only one), or the resumed run's. */
function storeOf(corpus: string[], recorded: RunRecord | undefined): string | undefined {
  if (recorded?.store) {
    if (corpus.length > 0 && (corpus.length > 1 || resolve(corpus[0]) !== recorded.store.path)) {
      throw usageError(`the corpus ${corpus.join(' ')} disagrees with the checkpoint (the run trained on the token store ${recorded.store.path}); leave it out to continue the run`);
    }
    return recorded.store.path;
  }
  const stores = corpus.filter((p) => isStoreFolder(p));
  if (stores.length === 0) return undefined;
  if (corpus.length > 1) throw usageError(`${stores[0]} is a token store: train on it alone (prepare the other files into it with recur prepare)`);
  return stores[0];
}

/**
 * Resolve the options (a bad one fails here, before any file is read), from a
 * checkpoint when resuming; check every output path and that no unfinished run
 * would be replaced.
 */
function planRun(corpus: string[], cmd: Command, inMemoryMax?: number): Plan {
  const given = givenOptions(cmd, TRAIN_COMMAND_OPTIONS);
  const resumePath = given.files?.resume as string | undefined;
  const resumed = resumePath ? readCheckpoint(resumePath) : undefined;
  const store = storeOf(corpus, resumed?.record);
  if (resumed && corpus.length > 0 && !store) {
    const had = resumed.record.corpus.map((c) => c.path);
    if (JSON.stringify(corpus.map((p) => resolve(p))) !== JSON.stringify(had)) {
      throw usageError(`the corpus ${corpus.join(' ')} disagrees with the checkpoint ${resumePath} (the run trained on ${had.join(' ')}); leave it out to continue the run`);
    }
  }
  const cli = cliSettings(given, resumed?.record.cli);
  if (store && cli.files.val && !resumed) throw usageError('--val does not go with a token store: the store has its own validation part (prepare it with --val)', 'val');
  const init = cli.files.init && !resumed ? readModel(cli.files.init) : undefined;
  if (init && corpus.length === 0) throw usageError('--init needs a corpus to continue training on');
  // a store decides the text configuration (and a given option must agree with it)
  if (store && !resumed && !init) given.data = storeDataOptions(store, given.data);
  const input: TrainInput = { ...given, init, resume: resumed };
  const options = trainOptions(input);
  const paths = store ? [] : resumed ? resumed.record.corpus.map((c) => c.path) : corpus.length > 0 ? corpus : [DEFAULT_CORPUS];
  const out = cli.files.output;
  const ckptPath = cli.files.checkpoint ?? (resumed && given.files?.output === undefined ? resumePath! : out + '.ckpt');
  checkOutputs({ model: out, checkpoint: ckptPath, report: cli.files.report });
  const notes: string[] = [];
  if (!resumed) {
    const note = guardCheckpoint(ckptPath, cli.files.force);
    if (note) notes.push(note);
  }
  if (resumed) checkCorpusUnchanged(resumed.record);
  const data = store ? { store } : chooseData(paths, cli.files.val, out, inMemoryMax);
  return { options, cli, paths, input, ckptPath, record: resumed?.record, modelExisted: !resumed && existsSync(out), notes, data };
}

/**
 * The run's data: a large text prepared into its temporary store first (with a
 * progress line), then the store opened or the text read and encoded (with a
 * spinner on a terminal), and a summary line.
 */
async function prepareData(io: CliIO, plan: Plan): Promise<PreparedCorpus | TrainingData> {
  const { cli, paths, data: choice } = plan;
  const quiet = cli.printing.quiet || cli.printing.json;
  const tty = Boolean(io.stderr.isTTY) && !quiet;
  const files = { val: cli.files.val, replaceInvalid: cli.files.replaceInvalid };
  if (choice.temporary) {
    const json = cli.printing.json ? (x: object): void => void io.stdout.write(JSON.stringify(x) + '\n') : null;
    await prepareTemporary(io, paths, plan.options, plan.input, { ...files, output: choice.temporary }, quiet ? 'quiet' : tty ? 'tty' : 'plain', json);
  }
  // imported here, not at the top: loading ora is a visible part of every other command's start
  const { default: ora } = await import('ora');
  const spinner = ora({ text: `reading ${choice.store && !choice.temporary ? choice.store : paths.join(', ')}`, stream: withUsableWidth(io.stderr) as NodeJS.WritableStream, isEnabled: tty, isSilent: quiet || !tty });
  spinner.start();
  let prepared: PreparedCorpus | TrainingData;
  try {
    prepared = openData({ ...plan.input, sameStore: plan.record?.store }, plan.options, paths, files, choice.store);
  } finally {
    spinner.stop();
  }
  const what = choice.store && !choice.temporary ? `${choice.store} (token store)` : paths.length === 1 ? paths[0] : `${paths.length} files`;
  const summary =
    `${what}: ${compact(prepared.train.tokens)} training tokens in ${compact(prepared.train.sequences)} sequences, ` +
    `${compact(prepared.val?.tokens ?? 0)} validation tokens, vocabulary ${prepared.vocab.size}`;
  plan.record ??= makeRunRecord(paths, cli, choice.temporary || !('store' in prepared) ? null : prepared.store);
  if (tty) spinner.succeed(summary);
  else if (!quiet) io.stderr.write(summary + '\n');
  if (plan.input.resume && !quiet) io.stderr.write(`resuming ${plan.cli.files.resume} at step ${plan.input.resume.state.step}; checkpoints go to ${plan.ckptPath}\n`);
  for (const note of plan.notes) if (!quiet) io.stderr.write(`${chalk.yellow('note:')} ${note}\n`);
  return prepared;
}

interface Outcome {
  result: TrainResult;
  diverged?: TrainingDiverged;
  signal: 'SIGINT' | 'SIGTERM' | null;
  snapshots: SnapshotSampler;
}

/** Train with the status line; Ctrl-C / SIGTERM stop after the current step and keep what was learned. */
async function trainWithSignals(io: CliIO, plan: Plan, prepared: PreparedCorpus | TrainingData): Promise<Outcome> {
  const { cli, options } = plan;
  // a second signal while the first is being handled stops at once (files are replaced atomically,
  // so the last checkpoint on disk stays whole)
  const stop = new SignalStop(io);
  const quiet = cli.printing.quiet || cli.printing.json;
  const mode = quiet ? 'quiet' : io.stderr.isTTY ? 'tty' : 'plain';
  const status = new StatusLine(io.stderr, mode, { steps: options.limits.steps, epochs: options.limits.epochs, timeMs: options.limits.time !== undefined ? options.limits.time * 1000 : undefined });
  const snapshots = new SnapshotSampler();
  const jsonOut = (o: object): void => void io.stdout.write(JSON.stringify(o) + '\n');
  try {
    const result = await train(
      { ...plan.input, checkpoint: checkpointWriter(plan.ckptPath, plan.record!), signal: stop.signal, onEvent: (e) => (cli.printing.json ? jsonOut(e) : status.event(cliEvent(e))), onValidate: snapshots.onValidate },
      prepared,
    );
    return { result, signal: stop.caught, snapshots };
  } catch (e) {
    if (e instanceof TrainingDiverged) return { result: e.result, diverged: e, signal: stop.caught, snapshots };
    throw e;
  } finally {
    status.clear();
    stop.dispose();
  }
}

/** A warning names options by their flags on the command line. */
function cliEvent(e: TrainEvent): TrainEvent {
  return e.type === 'warning' && e.fields ? { ...e, message: cliMessage(new RecurError('usage', e.message, e.fields)) } : e;
}

/** Where this run's model goes: -o, unless the run ended badly and -o held a model from before it. */
function modelPath(plan: Plan, ending: 'finished' | 'interrupted' | 'diverged'): string {
  return ending !== 'finished' && plan.modelExisted ? besidePath(plan.cli.files.output, ending) : plan.cli.files.output;
}

async function onDiverged(io: CliIO, plan: Plan, e: TrainingDiverged): Promise<never> {
  const out = modelPath(plan, 'diverged');
  if (e.state) await checkpointWriter(plan.ckptPath, plan.record!)({ state: e.state, options: plan.options }, 'diverged');
  await writeFileAtomic(out, saveModel(e.result.model));
  const what = e.result.bestValLoss !== null ? `the best model before that (validation loss ${fmt(e.result.bestValLoss)})` : 'the model before that';
  io.stderr.write(`recur: ${cliMessage(e)}\n` +
    (e.state ? `recur: the last good checkpoint (step ${e.state.step}) is in ${plan.ckptPath}\n` : '') +
    `recur: ${what} is in ${out}${out !== plan.cli.files.output ? ` (${plan.cli.files.output}, which was there before, is untouched)` : ''}\n`);
  throw new ExitWith(EXIT.failure);
}

/** Write the checkpoint, the model and the report; print the summary and samples. */
async function finish(io: CliIO, plan: Plan, { result, signal, snapshots }: Outcome): Promise<void> {
  const { cli, ckptPath } = plan;
  const ending = signal ? 'interrupted' : 'finished';
  const out = modelPath(plan, ending);
  result.model.info.corpus = (plan.data.store && !plan.data.temporary ? [plan.data.store.replace(/[\\/]+$/, '')] : plan.paths).map((p) => p.replace(/^.*[\\/]/, ''));
  const along = signal ? [] : await snapshots.sample(result.model, 3, plan.options.runtime.seed, plan.options.runtime.kernels);
  attachHistory(result.model, result, along);
  // the run's last state, so that it can be continued (after an interruption, or with higher limits)
  await checkpointWriter(ckptPath, plan.record!)({ state: result.state, options: result.options }, ending);
  await writeFileAtomic(out, saveModel(result.model));
  const saved = `the model is in ${out} and the checkpoint in ${ckptPath}`;
  if (cli.files.report) {
    await writeFileAtomic(cli.files.report, new TextEncoder().encode(renderReport(recordFromModel(result.model, out)))).catch((e: unknown) => {
      throw inputError(`${(e as Error).message}; ${saved}`);
    });
  }
  const quiet = cli.printing.quiet || cli.printing.json;
  const samples = cli.printing.samples > 0 && !signal;
  if (cli.printing.json) {
    // the samples as events, then the closing event
    if (samples) await printSamples(io, result.model, cli.printing.samples, plan.options, cli.printing);
    io.stdout.write(JSON.stringify({
      type: 'done', output: out, checkpoint: ckptPath, steps: result.steps, epochs: result.epochs, elapsed_s: result.elapsedMs / 1000,
      tokens_per_s: result.tokensPerSec, train_loss: result.lastTrainLoss, val_loss: result.bestValLoss, stop: result.stopReason,
    }) + '\n');
  } else if (!quiet) {
    io.stderr.write(formatSummary(result, out, { report: cli.files.report, interrupted: signal !== null }));
  }
  if (samples && !cli.printing.json) await printSamples(io, result.model, cli.printing.samples, plan.options, cli.printing);
  if (signal) {
    io.stderr.write(`recur: interrupted at step ${result.steps}; checkpoint written to ${ckptPath} (continue with: ${RECUR} train --resume ${ckptPath})\n`);
    io.stderr.write(`recur: the best model so far is in ${out}${out !== cli.files.output ? ` (${cli.files.output}, which was there before, is untouched)` : ''}\n`);
    throw new ExitWith(signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
  }
}

/**
 * A few samples: text on stdout (with --split none a sample is a stretch of
 * running text, so a line marks where one ends), or `sample` events with --json.
 */
async function printSamples(io: CliIO, model: LanguageModel, n: number, o: TrainOptions, printing: CliSettings['printing']): Promise<void> {
  if (printing.quiet && !printing.json) return;
  const session = await InferenceSession.create(model, { kernels: o.runtime.kernels });
  const rng = new Rng(o.runtime.seed);
  if (!printing.json) io.stderr.write(chalk.dim(`samples:\n`));
  for (let i = 0; i < n; i++) {
    const s = sampleOne(session, { maxLength: 200 }, rng, i > 0 ? 'continue' : 'fresh'); // as recur sample draws them
    if (printing.json) io.stdout.write(JSON.stringify({ type: 'sample', text: s.text, tokens: s.tokens.length, logprob: s.logprob, ended: s.ended }) + '\n');
    else io.stdout.write(s.text + (model.config.split === 'none' && i < n - 1 ? `\n${chalk.dim('⁂')}\n` : '\n'));
  }
}
