/**
 * The recur command line: parses options (commander), calls the library,
 * renders results. The only place that turns outcomes into exit codes (exit.ts).
 */
import { Command, CommanderError } from 'commander';
import type { CliIO } from './io.js';
import { trainCommand } from './commands/train.js';
import { sampleCommand } from './commands/sample.js';
import { scoreCommand } from './commands/score.js';
import { evalCommand } from './commands/eval.js';
import { infoCommand } from './commands/info.js';
import { reportCommand } from './commands/report.js';
import { prepareCommand } from './commands/prepare.js';
import { applyColor } from './ui/color.js';
import { EXIT, EXIT_CODES_HELP, ExitWith } from './exit.js';
import { cliMessage } from './options.js';
import { isRecurError } from '../index.js';

export function buildProgram(io: CliIO): Command {
  const program = new Command();
  program
    .name('recur')
    .description('Train recurrent language models (RNN, GRU, LSTM) on the CPU, sample text from them, score sentences.')
    .version('0.1.0', '-V, --version')
    .configureOutput(output(io, 'recur'))
    .addHelpText('after', `\nExample:\n  recur train corpora/dinos.txt -o dinos.safetensors && recur sample dinos.safetensors -n 5\n${EXIT_CODES_HELP}`)
    .exitOverride();
  for (const make of [trainCommand, prepareCommand, sampleCommand, scoreCommand, evalCommand, infoCommand, reportCommand]) {
    const cmd = make(io);
    cmd.exitOverride();
    // colour is decided before parsing (applyColor); the option is here so that it is accepted and listed
    cmd.option('--no-color', 'no colours (also: NO_COLOR=1; FORCE_COLOR=1 forces them)');
    cmd.configureOutput(output(io, `recur ${cmd.name()}`));
    cmd.addHelpText('after', EXIT_CODES_HELP);
    program.addCommand(cmd);
  }
  return program;
}

/** Commander's output, with its errors made into one line: "recur: <what> (see recur train --help)". */
function output(io: CliIO, name: string) {
  return {
    writeOut: (s: string) => void io.stdout.write(s),
    writeErr: (s: string) => void io.stderr.write(s),
    outputError: (s: string, write: (s: string) => void) => {
      const msg = s.trim().replace(/^error:\s*/, '').replace(/\.\s+/g, ': ').replace(/\s*\n\s*/g, ' ').replace(/[.:]$/, '');
      write(`recur: ${msg} (see ${name} --help)\n`);
    },
  };
}

/** Run the CLI on `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  applyColor(io, argv);
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    return exitCodeFor(e, io);
  }
}

function exitCodeFor(e: unknown, io: CliIO): number {
  if (e instanceof ExitWith) return e.code;
  if (e instanceof CommanderError) {
    // help and version end with code 0; everything else commander reports is a usage error
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return EXIT.ok;
    if (e.code === 'commander.help') return EXIT.ok;
    return EXIT.usage;
  }
  if (isRecurError(e)) {
    // every error is one line, whatever a message quotes
    io.stderr.write(`recur: ${cliMessage(e).replace(/\s*\n\s*/g, ' ')}\n`);
    return e.kind === 'usage' ? EXIT.usage : EXIT.failure;
  }
  const err = e as Error;
  io.stderr.write(`recur: internal error: ${err?.message ?? String(e)} (please report this; set RECUR_DEBUG=1 for details)\n`);
  if (io.env.RECUR_DEBUG) io.stderr.write(`${err?.stack ?? ''}\n`);
  return EXIT.failure;
}
