/** recur score MODEL [sentence...] */
import { Command } from 'commander';
import chalk from 'chalk';
import type { CliIO } from '../io.js';
import { ONE_THREAD_MAX_BYTES, inputBytes, readModel, threadsFor, writeFileAtomic } from '../common.js';
import { addOptions, givenOptions } from '../options.js';
import { heatLegend, heatLine } from '../ui/heatmap.js';
import { colorOn } from '../ui/color.js';
import { ReadProgress, progressOn } from '../ui/read-progress.js';
import { PROGRESS_OPTION, resume } from './eval.js';
import {
  openSession, scoreSentences, scoreStream, readTextPieces, formatKenlm, formatSrilm, renderHeatmapPage, resolveFamily, choice, usageError, inputError,
  KERNELS_OPTION, REPLACE_INVALID_OPTION, SPLITS, THREADS_OPTION, type SentenceScore, type TextPieces, type InferenceSession,
} from '../../index.js';

/** recur score's options. */
const SCORE_OPTIONS = {
  score: {
    file: { type: 'path', help: 'score every line of this file', short: '-f', optional: true, onResume: 'free', placeholder: '<file>' },
    json: { type: 'boolean', help: 'one JSON object per sentence: {"text","tokens":[{"token","id","prob","logprob"}],"logprob","log10prob","perplexity","oov"}', default: false, onResume: 'free' },
    format: choice(['text', 'kenlm', 'srilm'], { help: 'text: a heat map and the numbers; kenlm: like KenLM query; srilm: like SRILM ngram -ppl', default: 'text', onResume: 'free', placeholder: '<format>' }),
    html: { type: 'path', help: 'also write the heat map of the sentences as an HTML page', optional: true, onResume: 'free', placeholder: '<file>' },
    split: choice(SPLITS, { help: 'how --file and standard input are cut into sentences', defaultText: 'as the model was trained', optional: true, onResume: 'free', placeholder: '<mode>' }),
    inOrder: {
      type: 'boolean', help: 'a model trained with --running-text: score each sentence after the ones before it (the state carried across their <eos>, as recur eval reads a file), on one thread, instead of each alone',
      default: false, onResume: 'free',
    },
    replaceInvalid: REPLACE_INVALID_OPTION,
    progress: PROGRESS_OPTION,
    kernels: KERNELS_OPTION,
    threads: { ...THREADS_OPTION, defaultText: `the available cores; 1 for an input of at most ${ONE_THREAD_MAX_BYTES} bytes` },
  },
} as const;

export function scoreCommand(io: CliIO): Command {
  const cmd = new Command('score')
    .description('the probability of each sentence, token by token (sentences as arguments, from --file, or on stdin, one per line)')
    .argument('<model>', 'a model file')
    .argument('[sentence...]', 'sentences to score');
  return addOptions(cmd, SCORE_OPTIONS)
    .addHelpText('after', '\nExample:\n  recur score names.safetensors emma xqzzy\n  recur score names.safetensors --file test.txt --format srilm\n  cat candidates.txt | recur score model.safetensors --json')
    .action(async (path: string, sentences: string[], _flags: unknown, c: Command) => {
      const f = resolveFamily(SCORE_OPTIONS, givenOptions(c, SCORE_OPTIONS)).score;
      if (sentences.length > 0 && f.file) throw usageError('give the sentences as arguments or with file, not both', ['file']);
      if (f.json && f.format !== 'text') throw usageError(`json and format ${f.format} are two ways to print the scores; choose one`, ['json', 'format']);
      const model = readModel(path);
      const progress = new ReadProgress(io.stderr, f.file ?? 'input', progressOn(f.progress, f.json, io.stdout, io.stderr));
      const input = sentences.length > 0 ? null : await textOf(io, f, progress);
      const bytes = input === null ? Buffer.byteLength(sentences.join('\n')) : input.bytes;
      // in order, the sentences are read one after another on this thread: no worker to start
      const session = await openSession(model, { kernels: f.kernels, threads: f.inOrder ? 1 : threadsFor(f.threads, bytes), batch: 32, steps: 64 });
      try {
        const order = { inOrder: f.inOrder };
        const scores = input === null ? scoreSentences(session, sentences, order) : scoreStream(session, input.text, { split: f.split, ...order });
        const n = await printScores(io, f, session, scores, path, progress);
        if (n === 0) throw inputError(`there are no sentences to score: ${f.file ?? 'the standard input'} is empty or blank`);
      } finally {
        progress.done();
        await session.close();
      }
    });
}

type ScoreFlags = ReturnType<typeof resolveFamily<typeof SCORE_OPTIONS>>['score'];

/** Print the scores as they come (text, JSON), or all at once (KenLM, SRILM, and the HTML page, which need them all); returns how many. */
async function printScores(
  io: CliIO, f: ScoreFlags, session: InferenceSession, scores: Iterable<SentenceScore> | AsyncIterable<SentenceScore>, path: string, progress: ReadProgress,
): Promise<number> {
  const level = session.model.config.level;
  const all: SentenceScore[] | null = f.html || (!f.json && f.format !== 'text') ? [] : null;
  let n = 0, oovWarned = false;
  for await (const s of scores) {
    n++;
    if (all) all.push(s);
    if (f.json || f.format === 'text') {
      progress.done();
      if (n === 1 && !f.json && colorOn()) io.stderr.write(heatLegend() + '\n');
      if (s.oov > 0 && !oovWarned && !f.json) {
        io.stderr.write(`${chalk.yellow('warning:')} some tokens are not in the model's vocabulary; they are scored as <unk>\n`);
        oovWarned = true;
      }
      io.stdout.write(f.json ? jsonLine(s) : textLines(s, level));
    }
  }
  if (all && n > 0) {
    if (f.html) await writeFileAtomic(f.html, new TextEncoder().encode(renderHeatmapPage(all, { title: f.file ?? path, level })));
    if (!f.json && f.format === 'kenlm') io.stdout.write(formatKenlm(all));
    if (!f.json && f.format === 'srilm') io.stdout.write(formatSrilm(all, f.file ?? '-'));
  }
  return n;
}

function jsonLine(s: SentenceScore): string {
  return JSON.stringify({
    text: s.text,
    tokens: s.tokens.map((t) => ({ token: t.token, id: t.id, prob: t.prob, logprob: t.logprob, ...(t.oov ? { oov: true } : {}) })),
    logprob: s.logprob,
    log10prob: s.log10prob,
    perplexity: s.perplexity,
    oov: s.oov,
  }) + '\n';
}

function textLines(s: SentenceScore, level: 'char' | 'word'): string {
  return `${colorOn() ? heatLine(s, level) : s.text}\n` +
    s.tokens.map((t) => `  ${JSON.stringify(t.token)}${t.oov ? ' (oov→<unk>)' : ''} p=${t.prob.toPrecision(4)} logp=${t.logprob.toFixed(4)}`).join('\n') + '\n' +
    `  logprob ${s.logprob.toFixed(4)} (log10 ${s.log10prob.toFixed(4)}), prob ${s.prob.toPrecision(4)}, perplexity ${s.perplexity.toFixed(3)}, oov ${s.oov}\n`;
}

/** The text of --file (read as it streams) or of standard input, cut into sentences by scoreStream, and its size in bytes. */
async function textOf(io: CliIO, f: ScoreFlags, progress: ReadProgress): Promise<{ text: TextPieces; bytes: number }> {
  if (!f.file) {
    if (io.stdinIsTTY) io.stderr.write('reading sentences from standard input, one per line (Ctrl-D to end)\n');
    const all = await io.readStdin();
    return { text: [all], bytes: Buffer.byteLength(all) };
  }
  const pieces = readTextPieces(f.file, { role: 'file', replaceInvalid: f.replaceInvalid, onProgress: progress.update });
  const first = await pieces.next(); // a file that cannot be read fails here, before the threads start
  return { text: resume(first, pieces), bytes: inputBytes(f.file) };
}
