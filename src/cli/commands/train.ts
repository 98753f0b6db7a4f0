/** recur train [corpus...] -o model.safetensors */
import { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import chalk from 'chalk';
import ora from 'ora';
import {
  Rng, InferenceSession, SAMPLE_DEFAULTS, sampleOne, saveModel, trainOptions, prepareTraining, train, TrainingDiverged, usageError,
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
}

async function runTrain(io: CliIO, corpus: string[], cmd: Command): Promise<void> {
  const plan = planRun(corpus, cmd);
  const prepared = prepareWithSpinner(io, plan);
  const outcome = await trainWithSignals(io, plan, prepared);
  if (outcome.diverged) return onDiverged(io, plan, outcome.diverged);
  await finish(io, plan, outcome);
}

/** Resolve the options (a bad one fails here, before any file is read), from a checkpoint when resuming. */
function planRun(corpus: string[], cmd: Command): Plan {
  const given = givenOptions(cmd, TRAIN_COMMAND_OPTIONS);
  const resumePath = given.files?.resume as string | undefined;
  const resumed = resumePath ? readCheckpoint(resumePath) : undefined;
  if (resumed && corpus.length > 0) {
    const had = resumed.record.corpus.map((c) => c.path);
    const now = corpus.map((p) => resolve(p));
    if (JSON.stringify(now) !== JSON.stringify(had)) {
      throw usageError(`the corpus ${corpus.join(' ')} disagrees with the checkpoint ${resumePath} (the run trained on ${had.join(' ')}); leave it out to continue the run`);
    }
  }
  const cli = cliSettings(given, resumed?.record.cli);
  const init = cli.files.init && !resumed ? readModel(cli.files.init) : undefined;
  if (init && corpus.length === 0) throw usageError('--init needs a corpus to continue training on');
  const input: TrainInput = { ...given, init, resume: resumed };
  const options = trainOptions(input);
  const paths = resumed ? resumed.record.corpus.map((c) => c.path) : corpus.length > 0 ? corpus : [DEFAULT_CORPUS];
  if (resumed) checkCorpusUnchanged(resumed.record);
  const ckptPath = cli.files.checkpoint ?? (resumed && given.files?.output === undefined ? resumePath! : cli.files.output + '.ckpt');
  return { options, cli, paths, input, ckptPath, record: resumed?.record };
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

async function onDiverged(io: CliIO, plan: Plan, e: TrainingDiverged): Promise<never> {
  const out = plan.cli.files.output;
  if (e.state) await checkpointWriter(plan.ckptPath, plan.record!)({ state: e.state, options: plan.options });
  await writeFileAtomic(out, saveModel(e.result.model));
  const what = e.result.bestValLoss !== null ? `the best model before that (validation loss ${fmt(e.result.bestValLoss)})` : 'the model before that';
  io.stderr.write(`recur: ${cliMessage(e)}\n` +
    (e.state ? `recur: the last good checkpoint (step ${e.state.step}) is in ${plan.ckptPath}\n` : '') +
    `recur: ${what} is in ${out}\n`);
  throw new ExitWith(EXIT.failure);
}

/** Write the checkpoint, the model and the report; print the summary and samples. */
async function finish(io: CliIO, plan: Plan, { result, signal, snapshots }: Outcome): Promise<void> {
  const { cli, ckptPath } = plan, out = cli.files.output;
  result.model.info.corpus = plan.paths.map((p) => p.replace(/^.*[\\/]/, ''));
  const along = await snapshots.sample(result.model, 3, plan.options.runtime.seed, plan.options.runtime.kernels);
  attachHistory(result.model, result, along);
  // the run's last state, so that it can be continued (after an interruption, or with higher limits)
  await checkpointWriter(ckptPath, plan.record!)({ state: result.state, options: result.options });
  await writeFileAtomic(out, saveModel(result.model));
  if (cli.files.report) {
    await writeFileAtomic(cli.files.report, new TextEncoder().encode(renderReport({ ...recordFromModel(result.model, out), status: result.stopReason === 'aborted' ? 'interrupted' : 'finished' })));
  }
  const quiet = cli.printing.quiet || cli.printing.json;
  if (cli.printing.json) {
    io.stdout.write(JSON.stringify({
      type: 'done', output: out, checkpoint: ckptPath, steps: result.steps, epochs: result.epochs, elapsed_s: result.elapsedMs / 1000,
      tokens_per_s: result.tokensPerSec, train_loss: result.lastTrainLoss, val_loss: result.bestValLoss, stop: result.stopReason,
    }) + '\n');
  } else if (!quiet) {
    io.stderr.write(formatSummary(result, out, { report: cli.files.report }));
  }
  if (cli.printing.samples > 0 && !cli.printing.json && !signal) await printSamples(io, result.model, cli.printing.samples, plan.options.runtime.seed, plan.options.runtime.kernels, quiet);
  if (signal) {
    io.stderr.write(`recur: interrupted at step ${result.steps}; checkpoint written to ${ckptPath} (continue with: recur train --resume ${ckptPath})\n`);
    io.stderr.write(`recur: the best model so far is in ${out}\n`);
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
