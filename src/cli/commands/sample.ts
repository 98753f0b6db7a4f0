/** recur sample MODEL */
import { Command } from 'commander';
import chalk from 'chalk';
import { interactive } from '../ui/interactive.js';
import { Rng, openSession, usageError, joinSample, primeTokens, resolveSampleOptions, resolveFamily, sampleTokens, sampleWriter, EOS, SAMPLE_COMMAND_OPTIONS } from '../../index.js';
import type { CliIO } from '../io.js';
import { addOptions, givenOptions } from '../options.js';
import { readModel } from '../common.js';

export function sampleCommand(io: CliIO): Command {
  const cmd = new Command('sample')
    .description('draw new text from a model, token by token, until <eos> or the length cap')
    .argument('<model>', 'a model file written by recur train (or PyTorch, see README)');
  addOptions(cmd, SAMPLE_COMMAND_OPTIONS);
  return cmd
    .addHelpText('after', '\nExample:\n  recur sample model.safetensors -n 10 --temperature 0.8 --prime "Th"\n  recur sample model.safetensors --interactive')
    .action(async (path: string, _flags: unknown, c: Command) => {
      const given = givenOptions(c, SAMPLE_COMMAND_OPTIONS);
      const o = resolveSampleOptions(given.sampling);
      const run = resolveFamily({ run: SAMPLE_COMMAND_OPTIONS.run }, { run: given.run }).run;
      const model = readModel(path);
      if (run.decoder !== 'f32' && (run.threads ?? 1) > 1) throw usageError(`decoder ${run.decoder} is read on one thread, so threads must be 1; leave one of them out`, ['decoder', 'threads']);
      const session = await openSession(model, { kernels: run.kernels, threads: run.threads ?? 1, decoder: run.decoder });
      const unknown = primeTokens(session, o.prime).unknown;
      if (unknown.length > 0) {
        io.stderr.write(`${chalk.yellow('warning:')} the prime has ${unknown.length === 1 ? 'a token' : 'tokens'} the model has never seen (${unknown.map((u) => JSON.stringify(u)).join(', ')}); they are read as <unk>\n`);
      }
      const rng = new Rng(run.seed);
      if (run.interactive) {
        await interactive(io, session, o, rng, { samples: given.run?.number === undefined ? 3 : run.number, top: run.top });
        return;
      }
      for (let i = 0; i < run.number; i++) {
        const tokens: string[] = [];
        let logprob = 0, ended = false;
        if (!run.json) io.stdout.write(o.prime);
        const next = sampleWriter(model.tokenizer, o.prime);
        // a running-text model's samples go on from one another, as its text did (the others start afresh)
        for (const t of sampleTokens(session, o, rng, i > 0 ? 'continue' : 'fresh')) {
          logprob += t.logprob;
          if (t.id === EOS) {
            ended = true;
            break;
          }
          tokens.push(t.token);
          if (!run.json) io.stdout.write(next(t.token)); // stream the text as it is generated
        }
        if (run.json) io.stdout.write(JSON.stringify({ text: joinSample(session, o.prime, tokens), tokens, logprob, ended }) + '\n');
        else io.stdout.write('\n');
      }
    });
}
