/** recur eval MODEL FILE */
import { Command } from 'commander';
import type { CliIO } from '../io.js';
import { readModel } from '../common.js';
import { addOptions, givenOptions } from '../options.js';
import { InferenceSession, evaluateText, readText, resolveFamily, KERNELS_OPTION, REPLACE_INVALID_OPTION } from '../../index.js';

/** recur eval's options. */
const EVAL_OPTIONS = {
  eval: {
    json: { type: 'boolean', help: 'print {"tokens","loss","perplexity","bpc",…} as one JSON object', default: false, onResume: 'free' },
    replaceInvalid: REPLACE_INVALID_OPTION,
    kernels: KERNELS_OPTION,
  },
} as const;

export function evalCommand(io: CliIO): Command {
  const cmd = new Command('eval')
    .description('held-out cross-entropy, perplexity and bits per character of a whole file, split as in training')
    .argument('<model>', 'a model file')
    .argument('<file>', 'held-out text');
  return addOptions(cmd, EVAL_OPTIONS)
    .addHelpText('after', '\nExample:\n  recur eval shakespeare.safetensors valid.txt')
    .action(async (path: string, file: string, _flags: unknown, c: Command) => {
      const f = resolveFamily(EVAL_OPTIONS, givenOptions(c, EVAL_OPTIONS)).eval;
      const model = readModel(path);
      const text = readText(file, { role: 'file', replaceInvalid: f.replaceInvalid });
      const session = await InferenceSession.create(model, { kernels: f.kernels, batch: 32, steps: 64 });
      const e = evaluateText(session, text);
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
