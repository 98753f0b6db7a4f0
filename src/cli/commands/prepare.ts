/** recur prepare <files or folders…> -o NAME.recur */
import { Command } from 'commander';
import { availableParallelism } from 'node:os';
import type { CliIO } from '../io.js';
import { ExitWith } from '../exit.js';
import { SignalStop } from '../signals.js';
import { compact, formatDuration, readModel } from '../common.js';
import { ProgressLine, mb } from '../ui/progress.js';
import { addOptions, givenOptions } from '../options.js';
import {
  prepareStore, usageError, isRecurError, resolveFamily, PREPARE_OPTIONS,
  type PrepareCommandOptions, type PrepareOptions, type StoreManifest, type TextConfig,
} from '../../index.js';

export function prepareCommand(io: CliIO): Command {
  const cmd = new Command('prepare')
    .description('read text files and folders once into a token store that training reads from disk')
    .argument('<inputs...>', 'UTF-8 text files, or folders (read recursively)');
  return addOptions(cmd, PREPARE_OPTIONS)
    .addHelpText('after', '\nExample:\n  recur prepare books/ --level word -o books.recur && recur info books.recur')
    .action(async (inputs: string[], _flags: unknown, c: Command) => {
      const given = givenOptions(c, PREPARE_OPTIONS);
      const o = resolveFamily(PREPARE_OPTIONS, given);
      if (!o.store.output) throw usageError('give the store to write with -o NAME.recur');
      await runPrepare(io, inputs, o, o.store.output, Object.keys(given.data ?? {}));
    });
}

/** The options for the library: the text configuration and vocabulary from the flags or from --vocab-from's model. */
function prepareOptions(o: PrepareCommandOptions, given: readonly string[]): PrepareOptions {
  const d = o.data, text: TextConfig = { level: d.level, split: d.split, tokenize: d.tokenize, lowercase: d.lowercase };
  let vocab: PrepareOptions['vocab'];
  if (o.store.vocabFrom) {
    for (const name of ['maxVocab', 'minCount'] as const) {
      if (given.includes(name)) throw usageError(`${name} does not go with vocabFrom: the model's vocabulary is used as it is`, [name, 'vocabFrom']);
    }
    const m = readModel(o.store.vocabFrom), c = m.config;
    for (const k of ['level', 'split', 'tokenize', 'lowercase'] as const) if (!given.includes(k)) (text as unknown as Record<string, unknown>)[k] = c[k];
    vocab = { tokens: m.vocab.tokens, text: { level: c.level, split: c.split, tokenize: c.tokenize, lowercase: c.lowercase }, from: o.store.vocabFrom };
  }
  return { ...text, maxVocab: d.maxVocab, minCount: d.minCount, valFrac: d.valFrac, valTail: o.store.runningText, val: o.store.val, vocab, replaceInvalid: o.store.replaceInvalid };
}

async function runPrepare(io: CliIO, inputs: string[], opts: PrepareCommandOptions, output: string, given: readonly string[]): Promise<void> {
  const o = prepareOptions(opts, given), flags = { ...opts.store, ...opts.printing, output };
  const err = io.stderr, quiet = flags.quiet || flags.json;
  const json = (x: object): void => void io.stdout.write(JSON.stringify(x) + '\n');
  const line = new ProgressLine(err, `preparing ${flags.output}`, quiet ? 'quiet' : err.isTTY ? 'tty' : 'plain', flags.json ? json : null);

  // Ctrl-C / SIGTERM: stop, remove what was written, exit 130 / 143; a second signal exits at once
  const stop = new SignalStop(io);
  let m: StoreManifest;
  try {
    m = await prepareStore(inputs, o, {
      output: flags.output, threads: flags.threads ?? availableParallelism(), force: flags.force, shardTokens: flags.shardTokens, signal: stop.signal,
      onProgress: (p) => line.progress(p),
      onSkip: (s) => (flags.json ? json({ type: 'skipped', ...s }) : quiet ? undefined : line.note(`recur: skipped ${s.path}: ${s.reason}`)),
    });
  } catch (e) {
    line.clear();
    if (isRecurError(e) && e.kind === 'aborted') {
      err.write(`recur: ${e.message}\n`);
      throw new ExitWith(stop.exitCode);
    }
    throw e;
  } finally {
    stop.dispose();
  }
  line.clear();
  if (flags.json) json({ type: 'done', output: flags.output, ...summaryOf(m), elapsed_s: line.elapsedMs / 1000 });
  else if (!quiet) err.write(summaryLine(flags.output, m, line.elapsedMs) + '\n');
}

function summaryOf(m: StoreManifest): Record<string, unknown> {
  const bytes = m.sources.reduce((n, s) => n + s.bytes, 0);
  return {
    files: m.sources.length, skipped: m.skipped.length, bytes, vocab_size: m.vocab.length, dtype: m.dtype,
    train: { tokens: m.parts.train.tokens, sequences: m.parts.train.sequences, shards: m.parts.train.shards.length },
    val: m.parts.val ? { tokens: m.parts.val.tokens, sequences: m.parts.val.sequences, shards: m.parts.val.shards.length } : null,
  };
}

function summaryLine(output: string, m: StoreManifest, ms: number): string {
  const bytes = m.sources.reduce((n, s) => n + s.bytes, 0);
  const files = `${m.sources.length} file${m.sources.length === 1 ? '' : 's'} read, ${m.skipped.length} skipped`;
  const val = m.parts.val ? `${compact(m.parts.val.tokens)} validation tokens` : 'no validation part';
  return `✔ ${output}: ${files}; ${compact(m.parts.train.tokens)} training tokens in ${compact(m.parts.train.sequences)} sequences, ${val}; ` +
    `vocabulary ${m.vocab.length}; ${mb(bytes)} in ${formatDuration(ms)} (${(bytes / 1e6 / Math.max(1e-3, ms / 1000)).toFixed(1)} MB/s)`;
}
