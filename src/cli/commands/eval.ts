/** recur eval MODEL FILE */
import { Command } from 'commander';
import type { CliIO } from '../io.js';
import { readModel } from '../common.js';
import { addOptions, givenOptions } from '../options.js';
import { ReadProgress, progressOn } from '../ui/read-progress.js';
import { openSession, evaluateStream, readTextPieces, resolveFamily, KERNELS_OPTION, REPLACE_INVALID_OPTION, THREADS_OPTION } from '../../index.js';

/** recur eval's and recur score's progress line. */
export const PROGRESS_OPTION = {
  type: 'boolean', help: 'a progress line on standard error while a long file is read', optional: true,
  defaultText: 'when both outputs are terminals and the output is not JSON', onResume: 'free',
} as const;

/** recur eval's options. */
const EVAL_OPTIONS = {
  eval: {
    json: { type: 'boolean', help: 'print {"tokens","loss","perplexity","bpc",…} as one JSON object', default: false, onResume: 'free' },
    replaceInvalid: REPLACE_INVALID_OPTION,
    progress: PROGRESS_OPTION,
    kernels: KERNELS_OPTION,
    threads: THREADS_OPTION,
  },
} as const;

export function evalCommand(io: CliIO): Command {
  const cmd = new Command('eval')
    .description('held-out cross-entropy, perplexity and bits per character of a whole file, split as in training (read as it streams, on every core)')
    .argument('<model>', 'a model file')
    .argument('<file>', 'held-out text');
  return addOptions(cmd, EVAL_OPTIONS)
    .addHelpText('after', '\nExample:\n  recur eval shakespeare.safetensors valid.txt')
    .action(async (path: string, file: string, _flags: unknown, c: Command) => {
      const f = resolveFamily(EVAL_OPTIONS, givenOptions(c, EVAL_OPTIONS)).eval;
      const model = readModel(path);
      const progress = new ReadProgress(io.stderr, file, progressOn(f.progress, f.json, io.stdout, io.stderr));
      const pieces = readTextPieces(file, { role: 'file', replaceInvalid: f.replaceInvalid, onProgress: progress.update });
      const first = await pieces.next(); // a file that cannot be read fails before the threads start
      const session = await openSession(model, { kernels: f.kernels, threads: f.threads, batch: 32, steps: 64 });
      let e;
      try {
        e = await evaluateStream(session, resume(first, pieces));
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
