/** recur eval MODEL FILE */
import { Command } from 'commander';
import type { CliIO } from '../io.js';
import { ONE_THREAD_MAX_BYTES, inputBytes, readModel, threadsFor } from '../common.js';
import { addOptions, givenOptions } from '../options.js';
import { ReadProgress, progressOn } from '../ui/read-progress.js';
import { openSession, evaluateStream, readTextPieces, resolveFamily, DYNAMIC_SEGMENT, KERNELS_OPTION, usageError, REPLACE_INVALID_OPTION, THREADS_OPTION } from '../../index.js';

/** recur eval's and recur score's progress line. */
export const PROGRESS_OPTION = {
  type: 'boolean', help: 'a progress line on standard error while a long file is read', optional: true,
  defaultText: 'when both outputs are terminals and the output is not JSON', onResume: 'free',
} as const;

/** recur eval's options. */
const EVAL_OPTIONS = {
  eval: {
    json: { type: 'boolean', help: 'print {"tokens","loss","perplexity","bpc",…} as one JSON object', default: false, onResume: 'free' },
    dynamic: {
      type: 'number', min: 0, default: 0, special: '0 = off', onResume: 'free', placeholder: '<rate>',
      help: 'dynamic evaluation: after scoring each segment, one SGD step of this learning rate on it, so the model adapts to the text as it reads it (RNNLM\'s dynamic models; Krause et al. 2018); in order, on one thread',
    },
    dynamicDecay: {
      type: 'number', min: 0, max: 1, default: 0, onResume: 'free', placeholder: '<λ>',
      help: 'dynamic evaluation: after each step, move the weights this fraction of the way back to the trained ones',
    },
    dynamicSegment: {
      type: 'int', min: 1, max: 65536, default: DYNAMIC_SEGMENT, onResume: 'free', placeholder: '<n>',
      help: 'dynamic evaluation: tokens per segment (one step per segment)',
    },
    replaceInvalid: REPLACE_INVALID_OPTION,
    progress: PROGRESS_OPTION,
    kernels: KERNELS_OPTION,
    threads: { ...THREADS_OPTION, defaultText: `the available cores; 1 for a file of at most ${ONE_THREAD_MAX_BYTES} bytes` },
  },
} as const;

export function evalCommand(io: CliIO): Command {
  const cmd = new Command('eval')
    .description('held-out cross-entropy, perplexity and bits per character of a whole file, split as in training (read as it streams, on every core)')
    .argument('<model>', 'a model file')
    .argument('<file>', 'held-out text');
  return addOptions(cmd, EVAL_OPTIONS)
    .addHelpText('after', '\nExamples:\n  recur eval shakespeare.safetensors valid.txt\n  recur eval brown.safetensors test.txt --dynamic 0.5')
    .action(async (path: string, file: string, _flags: unknown, c: Command) => {
      const given = givenOptions(c, EVAL_OPTIONS);
      const f = resolveFamily(EVAL_OPTIONS, given).eval;
      for (const name of ['dynamicDecay', 'dynamicSegment']) {
        if (f.dynamic === 0 && given.eval?.[name] !== undefined) throw usageError(`${name} needs dynamic, the learning rate of dynamic evaluation (a rate > 0)`, [name, 'dynamic']);
      }
      const model = readModel(path);
      const progress = new ReadProgress(io.stderr, file, progressOn(f.progress, f.json, io.stdout, io.stderr));
      const pieces = readTextPieces(file, { role: 'file', replaceInvalid: f.replaceInvalid, onProgress: progress.update });
      const first = await pieces.next(); // a file that cannot be read fails before the threads start
      const dynamic = f.dynamic > 0 ? { lr: f.dynamic, decay: f.dynamicDecay, segment: f.dynamicSegment } : undefined;
      // dynamic evaluation reads the text in order on one thread
      const session = await openSession(model, { kernels: f.kernels, threads: dynamic ? 1 : threadsFor(f.threads, inputBytes(file)), batch: 32, steps: 64 });
      let e;
      try {
        e = await evaluateStream(session, resume(first, pieces), { dynamic });
      } finally {
        progress.done();
        await session.close();
      }
      if (f.json) {
        io.stdout.write(JSON.stringify({
          tokens: e.tokens,
          sequences: e.sequences,
          loss: e.loss,
          perplexity: e.perplexity,
          bpc: e.bpc,
          oov: e.oov,
          oov_rate: e.oovRate,
          perplexity_excl_oov: e.perplexityExclOov,
        }) + '\n');
        return;
      }
      io.stdout.write(
        `${file}: ${e.tokens} tokens (${e.sequences} sequences, <eos> counted)\n` +
          `  loss        ${e.loss.toFixed(4)} nats/token\n` +
          `  perplexity  ${e.perplexity.toFixed(3)}  (excluding OOV tokens: ${e.perplexityExclOov.toFixed(3)})\n` +
          `  bits/char   ${e.bpc.toFixed(4)}\n` +
          `  OOV         ${e.oov} (${(100 * e.oovRate).toFixed(2)}%)\n`,
      );
    });
}

/** A generator whose first result was already taken, as one iterable again. */
export async function* resume<T>(first: IteratorResult<T, unknown>, rest: AsyncIterator<T, unknown>): AsyncGenerator<T> {
  for (let r = first; !r.done; r = await rest.next()) yield r.value;
}
