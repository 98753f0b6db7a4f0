/**
 * recur sample --interactive: type a beginning, see the most likely next
 * tokens with their probabilities, then a few continuations streamed as they
 * are drawn. An empty line samples from scratch; :q, :quit or Ctrl-D ends.
 */
import { createInterface } from 'node:readline';
import chalk from 'chalk';
import type { CliIO } from '../io.js';
import { type Rng, primeTokens, sampleWriter, type SampleOptions, type InferenceSession, nextTokens, sampleStream, type Candidate, EOS } from '../../index.js';

export interface InteractiveOptions {
  samples: number;
  top: number;
}

function shown(token: string, id: number): string {
  if (id === EOS) return '⏎';
  return JSON.stringify(token).slice(1, -1).replace(/^ $/, '␠');
}

export function formatCandidates(c: readonly Candidate[]): string {
  return c.map((x) => `${chalk.bold(shown(x.token, x.id))} ${chalk.dim(`${(x.prob * 100).toFixed(1)}%`)}`).join('  ');
}

export async function interactive(io: CliIO, session: InferenceSession, base: SampleOptions, rng: Rng, o: InteractiveOptions): Promise<void> {
  const input = io.stdin;
  if (!input) throw new Error('no standard input to read from');
  const out = io.stdout;
  const terminal = io.stdinIsTTY && Boolean(out.isTTY) && typeof (out as { on?: unknown }).on === 'function';
  const rl = createInterface({ input, output: terminal ? (out as NodeJS.WritableStream) : undefined, terminal, historySize: 100 });
  const prompt = chalk.cyan('› ');
  out.write(chalk.dim(`type a beginning and press Enter (empty: from scratch; :q or Ctrl-D to quit)\n`));
  const ask = (): void => {
    if (terminal) {
      rl.setPrompt(prompt);
      rl.prompt();
    } else {
      out.write(prompt);
    }
  };
  ask();
  for await (const raw of rl) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === ':q' || line.trim() === ':quit') break;
    if (!terminal) out.write(line + '\n');
    const unknown = primeTokens(session, line).unknown;
    if (unknown.length > 0) out.write(`${chalk.yellow('warning:')} never seen: ${unknown.map((u) => JSON.stringify(u)).join(', ')} (read as <unk>)\n`);
    out.write(`  ${chalk.dim('next:')} ${formatCandidates(nextTokens(session, line, o.top))}\n`);
    for (let i = 0; i < o.samples; i++) {
      out.write(`  ${chalk.bold(line)}`);
      const next = sampleWriter(session.model.tokenizer, line);
      for await (const t of sampleStream(session, { ...base, prime: line }, rng)) {
        if (t.id === EOS) break;
        out.write(next(t.token));
      }
      out.write('\n');
    }
    ask();
  }
  out.write('\n');
  rl.close();
}
