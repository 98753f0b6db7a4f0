/** recur train [corpus...] -o model.safetensors */
import { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import chalk from 'chalk';
import ora from 'ora';
import {
  Rng, InferenceSession, sampleOne, saveModel, inputError, trainOptions, prepareTraining, train, TrainingDiverged, usageError,
  readText, attachHistory, recordFromModel, renderReport, TRAIN_COMMAND_OPTIONS,
  type LanguageModel, type TrainInput, type TrainOptions, type TrainResult, type KernelSetName, type PreparedCorpus, type TrainEvent, RecurError,
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

/** The corpus `recur train` uses when given none. */
export const DEFAULT_CORPUS = fileURLToPath(new URL('../../../corpora/dinos.txt', import.meta.url));

export function trainCommand(io: CliIO): Command {
  const cmd = new Command('train')
    .description('train a language model on text files (one sequence per line by default)')
    .argument('[corpus...]', 'UTF-8 text files (default: the dinosaur names that ship with recur)');
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
}

async function runTrain(io: CliIO, corpus: string[], cmd: Command): Promise<void> {
  const plan = planRun(corpus, cmd);
  const prepared = prepareWithSpinner(io, plan);
  const outcome = await trainWithSignals(io, plan, prepared);
  if (outcome.diverged) return onDiverged(io, plan, outcome.diverged);
  await finish(io, plan, outcome);
}

/**
 * Resolve the options (a bad one fails here, before any file is read), from a
 * checkpoint when resuming; check every output path and that no unfinished run
 * would be replaced.
 */
function planRun(corpus: string[], cmd: Command): Plan {
  const given = givenOptions(cmd, TRAIN_COMMAND_OPTIONS);
  const resumePath = given.files?.resume as string | undefined;
  const resumed = resumePath ? readCheckpoint(resumePath) : undefined;
  if (resumed && corpus.length > 0) {
    const had = resumed.record.corpus.map((c) => c.path);
    if (JSON.stringify(corpus.map((p) => resolve(p))) !== JSON.stringify(had)) {
      throw usageError(`the corpus ${corpus.join(' ')} disagrees with the checkpoint ${resumePath} (the run trained on ${had.join(' ')}); leave it out to continue the run`);
    }
  }
  const cli = cliSettings(given, resumed?.record.cli);
  const init = cli.files.init && !resumed ? readModel(cli.files.init) : undefined;
  if (init && corpus.length === 0) throw usageError('--init needs a corpus to continue training on');
  const input: TrainInput = { ...given, init, resume: resumed };
  const options = trainOptions(input);
  const paths = resumed ? resumed.record.corpus.map((c) => c.path) : corpus.length > 0 ? corpus : [DEFAULT_CORPUS];
  const out = cli.files.output;
  const ckptPath = cli.files.checkpoint ?? (resumed && given.files?.output === undefined ? resumePath! : out + '.ckpt');
  checkOutputs({ model: out, checkpoint: ckptPath, report: cli.files.report });
  const notes: string[] = [];
  if (!resumed) {
    const note = guardCheckpoint(ckptPath, cli.files.force);
    if (note) notes.push(note);
  }
  if (resumed) checkCorpusUnchanged(resumed.record);
  return { options, cli, paths, input, ckptPath, record: resumed?.record, modelExisted: !resumed && existsSync(out), notes };
}

/** Read and encode the corpus, with a spinner on a terminal and a summary line. */
function prepareWithSpinner(io: CliIO, plan: Plan): PreparedCorpus {
  const { cli, paths } = plan;
  const quiet = cli.printing.quiet || cli.printing.json;
  const tty = Boolean(io.stderr.isTTY) && !quiet;
  const spinner = ora({ text: `reading ${paths.join(', ')}`, stream: withUsableWidth(io.stderr) as NodeJS.WritableStream, isEnabled: tty, isSilent: quiet || !tty });
  spinner.start();
  let prepared: PreparedCorpus;
  try {
    const read = (p: string, role: string): string => readText(p, { role, replaceInvalid: cli.files.replaceInvalid });
    // the texts are dropped once encoded: a large corpus is not kept as text while training
    prepared = prepareTraining({ ...plan.input, texts: paths.map((p) => read(p, 'corpus')), valTexts: cli.files.val ? [read(cli.files.val, 'validation file')] : undefined }, plan.options);
  } finally {
    spinner.stop();
  }
  const summary =
    `${paths.length === 1 ? paths[0] : `${paths.length} files`}: ${compact(prepared.train.tokens)} training tokens in ${compact(prepared.train.sequences)} sequences, ` +
    `${compact(prepared.val?.tokens ?? 0)} validation tokens, vocabulary ${prepared.vocab.size}`;
  plan.record ??= makeRunRecord(paths, cli);
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
async function trainWithSignals(io: CliIO, plan: Plan, prepared: PreparedCorpus): Promise<Outcome> {
  const { cli, options } = plan;
  const abort = new AbortController();
  let signal: Outcome['signal'] = null;
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
  const quiet = cli.printing.quiet || cli.printing.json;
  const mode = quiet ? 'quiet' : io.stderr.isTTY ? 'tty' : 'plain';
  const status = new StatusLine(io.stderr, mode, { steps: options.limits.steps, epochs: options.limits.epochs, timeMs: options.limits.time !== undefined ? options.limits.time * 1000 : undefined });
  const snapshots = new SnapshotSampler();
  const jsonOut = (o: object): void => void io.stdout.write(JSON.stringify(o) + '\n');
  try {
    const result = await train(
      { ...plan.input, checkpoint: checkpointWriter(plan.ckptPath, plan.record!), signal: abort.signal, onEvent: (e) => (cli.printing.json ? jsonOut(e) : status.event(cliEvent(e))), onValidate: snapshots.onValidate },
      prepared,
    );
    return { result, signal, snapshots };
  } catch (e) {
    if (e instanceof TrainingDiverged) return { result: e.result, diverged: e, signal, snapshots };
    throw e;
  } finally {
    status.clear();
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
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
  result.model.info.corpus = plan.paths.map((p) => p.replace(/^.*[\\/]/, ''));
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
    const s = sampleOne(session, { maxLength: 200 }, rng);
    if (printing.json) io.stdout.write(JSON.stringify({ type: 'sample', text: s.text, tokens: s.tokens.length, logprob: s.logprob, ended: s.ended }) + '\n');
    else io.stdout.write(s.text + (model.config.split === 'none' && i < n - 1 ? `\n${chalk.dim('⁂')}\n` : '\n'));
  }
}
