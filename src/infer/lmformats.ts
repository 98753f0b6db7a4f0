/**
 * Scores in the formats of the two n-gram toolkits people already have scripts
 * for. Pure functions of SentenceScores (log-probabilities in base 10, as both
 * tools print them). Browser-safe.
 *
 * KenLM `query` (lm/ngram_query.hh): per sentence, for each word and the final
 * `</s>`, `word=id ngram_length log10p` TAB-separated, then `Total: T OOV: n`.
 * Totals include the OOVs' (<unk>) log-probabilities. Summary:
 *   Perplexity including OOVs = 10^(−Σtotal / tokens)                (tokens count </s>)
 *   Perplexity excluding OOVs = 10^(−(Σtotal − Σoov) / (tokens − oovs))
 * Ids follow KenLM's convention that 0 is the unknown word, so scripts that
 * test `=0` for OOVs keep working: an OOV (scored as <unk>) prints id 0,
 * recur's <eos> (id 0) prints as `</s>=1`, every other token its recur id.
 * The n-gram length is always 1 (an RNN has no back-off order).
 *
 * SRILM `ngram -ppl` (debug 0): `file F: S sentences, W words, O OOVs` /
 * `Z zeroprobs, logprob= L ppl= P ppl1= P1`, W counting words but not </s>,
 * OOVs left out of L, ppl = 10^(−L/(W−O−Z+S)) (</s> counted), ppl1 =
 * 10^(−L/(W−O−Z)).
 */
import { EOS, UNK } from '../core/ids.js';
import type { SentenceScore } from './score.js';

const LN10 = Math.log(10);

/** A number as C++'s default ostream prints it (%g with 6 significant digits). */
export function cppDouble(x: number): string {
  if (Number.isNaN(x)) return x < 0 ? '-nan' : 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const exp = Number(x.toExponential(5).split('e')[1]);
  if (exp < -4 || exp >= 6) {
    const [mant, e] = x.toExponential(5).split('e');
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const en = Number(e);
    return `${m}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  const s = x.toFixed(Math.max(0, 5 - exp));
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

export function kenlmId(id: number, oov: boolean): number {
  if (oov || id === UNK) return 0;
  if (id === EOS) return 1;
  return id;
}

export interface KenlmSummary {
  total: number;
  totalOovOnly: number;
  oov: number;
  tokens: number;
  pplIncludingOov: number;
  pplExcludingOov: number;
}

export function kenlmSummary(scores: readonly SentenceScore[]): KenlmSummary {
  let total = 0, oovOnly = 0, oov = 0, tokens = 0;
  for (const s of scores) {
    for (const t of s.tokens) {
      const l10 = t.logprob / LN10;
      total += l10;
      if (t.oov) {
        oovOnly += l10;
        oov++;
      }
      tokens++;
    }
  }
  return {
    total,
    totalOovOnly: oovOnly,
    oov,
    tokens,
    pplIncludingOov: 10 ** (-total / tokens),
    pplExcludingOov: 10 ** (-(total - oovOnly) / (tokens - oov)),
  };
}

/** One KenLM `query` line for a sentence (without the newline). */
export function kenlmLine(s: SentenceScore): string {
  let total = 0, oov = 0;
  const words = s.tokens.map((t) => {
    const l10 = t.logprob / LN10;
    total += l10;
    if (t.oov) oov++;
    const word = t.id === EOS && t.token === '<eos>' ? '</s>' : t.token;
    return `${word}=${kenlmId(t.id, t.oov)} 1 ${cppDouble(Math.fround(l10))}\t`;
  });
  return `${words.join('')}Total: ${cppDouble(Math.fround(total))} OOV: ${oov}`;
}

export function formatKenlm(scores: readonly SentenceScore[]): string {
  const lines = scores.map(kenlmLine);
  const k = kenlmSummary(scores);
  lines.push(
    `Perplexity including OOVs:\t${cppDouble(k.pplIncludingOov)}`,
    `Perplexity excluding OOVs:\t${cppDouble(k.pplExcludingOov)}`,
    `OOVs:\t${k.oov}`,
    `Tokens:\t${k.tokens}`,
  );
  return lines.join('\n') + '\n';
}

export interface SrilmSummary {
  sentences: number;
  words: number;
  oovs: number;
  zeroprobs: number;
  /** log10, OOVs left out */
  logprob: number;
  ppl: number;
  ppl1: number;
}

/** SRILM's perplexities from its counts. */
export function srilmPerplexity(logprob: number, words: number, oovs: number, zeroprobs: number, sentences: number): { ppl: number; ppl1: number } {
  const n1 = words - oovs - zeroprobs;
  return { ppl: 10 ** (-logprob / (n1 + sentences)), ppl1: n1 > 0 ? 10 ** (-logprob / n1) : NaN };
}

export function srilmSummary(scores: readonly SentenceScore[]): SrilmSummary {
  let words = 0, oovs = 0, logprob = 0, zeroprobs = 0;
  for (const s of scores) {
    for (const t of s.tokens.slice(0, -1)) {
      words++;
      if (t.oov) oovs++;
      else if (t.prob === 0) zeroprobs++;
      else logprob += t.logprob / LN10;
    }
    const eos = s.tokens[s.tokens.length - 1];
    if (eos.prob === 0) zeroprobs++;
    else logprob += eos.logprob / LN10;
  }
  const { ppl, ppl1 } = srilmPerplexity(logprob, words, oovs, zeroprobs, scores.length);
  return { sentences: scores.length, words, oovs, zeroprobs, logprob, ppl, ppl1 };
}

export function formatSrilm(scores: readonly SentenceScore[], file = '-'): string {
  const s = srilmSummary(scores);
  const p = (x: number): string => (Number.isFinite(x) ? cppDouble(x) : 'undefined');
  return `file ${file}: ${s.sentences} sentences, ${s.words} words, ${s.oovs} OOVs\n` +
    `${s.zeroprobs} zeroprobs, logprob= ${cppDouble(s.logprob)} ppl= ${p(s.ppl)} ppl1= ${p(s.ppl1)}\n`;
}
