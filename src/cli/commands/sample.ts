/** recur sample MODEL */
import { Command } from 'commander';
import { interactive } from '../ui/interactive.js';
import chalk from 'chalk';
import type { CliIO } from '../io.js';
import { int, num } from '../parse.js';
import { kernelsOption, readModel } from '../common.js';
import { Rng, InferenceSession, SAMPLE_DEFAULTS, checkSampleOptions, joinSample, primeTokens, sampleTokens, sampleWriter, type SampleOptions, EOS, type KernelSetName } from '../../index.js';

interface SampleFlags {
  number: number;
  maxLength: number;
  temperature: number;
  topK: number;
  topP: number;
  greedy: boolean;
  prime: string;
  seed: number;
  allowUnk: boolean;
  json: boolean;
  kernels: KernelSetName;
  interactive: boolean;
  top: number;
}

export function sampleCommand(io: CliIO): Command {
  return new Command('sample')
    .description('draw new text from a model, token by token, until <eos> or the length cap')
    .argument('<model>', 'a model file written by recur train (or PyTorch, see README)')
    .option('-n, --number <n>', 'how many samples', int(1), 5)
    .option('--max-length <n>', 'stop a sample after n tokens', int(1), SAMPLE_DEFAULTS.maxLength)
    .option('-t, --temperature <t>', 'below 1: safer, above 1: wilder', num(0, Infinity, { minOpen: true }), 1)
    .option('--top-k <k>', 'draw only from the k most likely tokens (0 = off)', int(0), 0)
    .option('--top-p <p>', 'draw only from the most likely tokens that make up probability p (1 = off)', num(0, 1, { minOpen: true }), 1)
    .option('--greedy', 'always take the most likely token', false)
    .option('--prime <text>', 'continue this text', '')
    .option('--seed <n>', 'random seed: the same seed gives the same samples', int(0), 1)
    .option('--allow-unk', 'allow <unk> to be drawn', false)
    .option('--json', 'one JSON object per sample: {"text","tokens","logprob","ended"}', false)
    .option('-i, --interactive', 'a prompt: type a beginning, see the likeliest next tokens and a few continuations', false)
    .option('--top <k>', 'interactive: how many next-token candidates to show', int(1), 5)
    .addOption(kernelsOption())
    .addHelpText('after', '\nExample:\n  recur sample model.safetensors -n 10 --temperature 0.8 --prime "Th"\n  recur sample model.safetensors --interactive')
    .action(async (path: string, f: SampleFlags, cmd: Command) => {
      const model = readModel(path);
      const o: SampleOptions = {
        maxLength: f.maxLength,
        temperature: f.temperature,
        topK: f.topK,
        topP: f.topP,
        greedy: f.greedy,
        prime: f.prime,
        allowUnk: f.allowUnk,
      };
      checkSampleOptions(o);
      const session = await InferenceSession.create(model, { kernels: f.kernels });
      const unknown = primeTokens(session, f.prime).unknown;
      if (unknown.length > 0) {
        io.stderr.write(`${chalk.yellow('warning:')} the prime has ${unknown.length === 1 ? 'a token' : 'tokens'} the model has never seen (${unknown.map((u) => JSON.stringify(u)).join(', ')}); they are read as <unk>\n`);
      }
      const rng = new Rng(f.seed);
      if (f.interactive) {
        const samples = cmd.getOptionValueSource('number') === 'default' ? 3 : f.number;
        await interactive(io, session, o, rng, { samples, top: f.top });
        return;
      }
      for (let i = 0; i < f.number; i++) {
        const tokens: string[] = [];
        let logprob = 0, ended = false;
        if (!f.json) io.stdout.write(f.prime);
        const next = sampleWriter(model.tokenizer, f.prime);
        for (const t of sampleTokens(session, o, rng)) {
          logprob += t.logprob;
          if (t.id === EOS) {
            ended = true;
            break;
          }
          tokens.push(t.token);
          if (!f.json) io.stdout.write(next(t.token)); // stream the text as it is generated
        }
        if (f.json) io.stdout.write(JSON.stringify({ text: joinSample(session, f.prime, tokens), tokens, logprob, ended }) + '\n');
        else io.stdout.write('\n');
      }
    });
}
