/** recur score MODEL [sentence...] */
import { Command } from 'commander';
import chalk from 'chalk';
import type { CliIO } from '../io.js';
import { readModel, writeFileAtomic } from '../common.js';
import { addOptions, givenOptions } from '../options.js';
import { heatLegend, heatLine } from '../ui/heatmap.js';
import { colorOn } from '../ui/color.js';
import {
  InferenceSession, scoreSentences, readText, formatKenlm, formatSrilm, renderHeatmapPage, resolveFamily, choice, splitSequences, usageError, inputError,
  KERNELS_OPTION, REPLACE_INVALID_OPTION, SPLITS, type SplitMode,
} from '../../index.js';

/** recur score's options. */
const SCORE_OPTIONS = {
  score: {
    file: { type: 'path', help: 'score every line of this file', short: '-f', optional: true, onResume: 'free', placeholder: '<file>' },
    json: { type: 'boolean', help: 'one JSON object per sentence: {"text","tokens":[{"token","id","prob","logprob"}],"logprob","log10prob","perplexity","oov"}', default: false, onResume: 'free' },
    format: choice(['text', 'kenlm', 'srilm'], { help: 'text: a heat map and the numbers; kenlm: like KenLM query; srilm: like SRILM ngram -ppl', default: 'text', onResume: 'free', placeholder: '<format>' }),
    html: { type: 'path', help: 'also write the heat map of the sentences as an HTML page', optional: true, onResume: 'free', placeholder: '<file>' },
    split: choice(SPLITS, { help: 'how --file and standard input are cut into sentences', defaultText: 'as the model was trained', optional: true, onResume: 'free', placeholder: '<mode>' }),
    replaceInvalid: REPLACE_INVALID_OPTION,
    kernels: KERNELS_OPTION,
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
      const lines = sentences.length > 0 ? sentences : await sentencesOf(io, f, model.config.split);
      if (lines.length === 0) throw inputError(`there are no sentences to score: ${f.file ?? 'the standard input'} is empty or blank`);
      const session = await InferenceSession.create(model, { kernels: f.kernels, batch: 32, steps: 64 });
      const scores = scoreSentences(session, lines);
      if (f.html) {
        await writeFileAtomic(f.html, new TextEncoder().encode(renderHeatmapPage(scores, { title: f.file ?? path, level: model.config.level })));
      }
      if (!f.json && f.format === 'kenlm') {
        io.stdout.write(formatKenlm(scores));
        return;
      }
      if (!f.json && f.format === 'srilm') {
        io.stdout.write(formatSrilm(scores, f.file ?? '-'));
        return;
      }
      if (!f.json && colorOn() && scores.length > 0) io.stderr.write(heatLegend() + '\n');
      let oovWarned = false;
      for (const s of scores) {
        if (s.oov > 0 && !oovWarned && !f.json) {
          io.stderr.write(`${chalk.yellow('warning:')} some tokens are not in the model's vocabulary; they are scored as <unk>\n`);
          oovWarned = true;
        }
        if (f.json) {
          io.stdout.write(JSON.stringify({
            text: s.text,
            tokens: s.tokens.map((t) => ({ token: t.token, id: t.id, prob: t.prob, logprob: t.logprob, ...(t.oov ? { oov: true } : {}) })),
            logprob: s.logprob,
            log10prob: s.log10prob,
            perplexity: s.perplexity,
            oov: s.oov,
          }) + '\n');
          continue;
        }
        io.stdout.write(`${colorOn() ? heatLine(s, model.config.level) : s.text}\n`);
        io.stdout.write(s.tokens.map((t) => `  ${JSON.stringify(t.token)}${t.oov ? ' (oov→<unk>)' : ''} p=${t.prob.toPrecision(4)} logp=${t.logprob.toFixed(4)}`).join('\n') + '\n');
        io.stdout.write(`  logprob ${s.logprob.toFixed(4)} (log10 ${s.log10prob.toFixed(4)}), prob ${s.prob.toPrecision(4)}, perplexity ${s.perplexity.toFixed(3)}, oov ${s.oov}\n`);
      }
    });
}

/** The sentences of --file or standard input, cut as the model was trained (or as --split says); blank lines are no sentences. */
async function sentencesOf(io: CliIO, f: { file?: string; split?: SplitMode; replaceInvalid: boolean }, trained: SplitMode): Promise<string[]> {
  let text: string;
  if (f.file) text = readText(f.file, { role: 'file', replaceInvalid: f.replaceInvalid });
  else {
    if (io.stdinIsTTY) io.stderr.write('reading sentences from standard input, one per line (Ctrl-D to end)\n');
    text = await io.readStdin();
  }
  return splitSequences(text, f.split ?? trained);
}
