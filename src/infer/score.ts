/**
 * The probability of a sentence: P(x₁…xₙ <eos>) = Π p(xᵢ | <eos> x₁…xᵢ₋₁),
 * every token (and the closing <eos>) predicted from the ones before it, the
 * state starting at zero. Out-of-vocabulary tokens are scored as <unk>
 * (KenLM's convention) and counted.
 *
 * Many sentences are scored together: they are laid end to end in one stream
 * (the state resets at every <eos>), which is cut at sentence boundaries into
 * parallel chunks, so the numbers are exactly those of scoring each alone.
 */
import { encodeSequences, splitSequences } from '../data/corpus.js';
import { tokenize } from '../data/tokenize.js';
import { inputError } from '../core/errors.js';
import { EOS, UNK } from '../core/ids.js';
import { planChunks, streamLogProbs } from '../model/evaluate.js';
import type { InferenceSession } from './session.js';

export interface TokenScore {
  token: string;
  id: number;
  prob: number;
  logprob: number;
  /** the text token was not in the vocabulary and was scored as <unk> */
  oov: boolean;
}

export interface SentenceScore {
  text: string;
  /** every predicted token, the final <eos> included */
  tokens: TokenScore[];
  /** natural log of the sentence probability */
  logprob: number;
  log10prob: number;
  prob: number;
  /** exp(−logprob / number of predicted tokens), <eos> counted */
  perplexity: number;
  oov: number;
}

const LN10 = Math.log(10);

export function scoreSentences(session: InferenceSession, sentences: readonly string[]): SentenceScore[] {
  const m = session.model, tok = m.tokenizer;
  const pieces = sentences.map((s) => {
    const tokens = tokenize(s.replace(/\r?\n$/, ''), tok);
    return { tokens, ids: tokens.map((t) => m.vocab.id(t)) };
  });
  // <eos> s1 <eos> s2 <eos> …, at its final length
  const ids = new Int32Array(1 + pieces.reduce((n, p) => n + p.ids.length + 1, 0));
  let at = 1; // ids[0] = <eos>
  for (const piece of pieces) {
    ids.set(piece.ids, at);
    at += piece.ids.length + 1; // the <eos> after it is already 0
  }
  const chunks = planChunks(ids, session.net.B);
  const logp = streamLogProbs(session.net, ids, chunks);
  const out: SentenceScore[] = [];
  let p = 0; // input position of this sentence's <eos>
  sentences.forEach((text, si) => {
    const piece = pieces[si];
    const tokens: TokenScore[] = [];
    let total = 0, oov = 0;
    for (let i = 0; i <= piece.ids.length; i++) {
      const id = i < piece.ids.length ? piece.ids[i] : EOS;
      const lp = logp[p + i];
      const isOov = id === UNK && piece.tokens[i] !== '<unk>';
      if (isOov) oov++;
      total += lp;
      tokens.push({ token: i < piece.ids.length ? piece.tokens[i] : '<eos>', id, prob: Math.exp(lp), logprob: lp, oov: isOov });
    }
    p += piece.ids.length + 1;
    out.push({ text, tokens, logprob: total, log10prob: total / LN10, prob: Math.exp(total), perplexity: Math.exp(-total / tokens.length), oov });
  });
  return out;
}

export interface Evaluation {
  /** predicted tokens, <eos> included */
  tokens: number;
  sequences: number;
  /** mean cross-entropy, nats per token */
  loss: number;
  perplexity: number;
  /** bits per character: total bits over the characters the tokens stand for (one per <eos>) */
  bpc: number;
  /** tokens not in the vocabulary */
  oov: number;
  oovRate: number;
  /** perplexity over the tokens that are in the vocabulary (KenLM's "excluding OOVs") */
  perplexityExclOov: number;
}

/** Held-out cross-entropy of a whole text, split into sequences as in training. */
export function evaluateText(session: InferenceSession, text: string): Evaluation {
  const m = session.model;
  const enc = encodeSequences(splitSequences(text, m.config.split), m.vocab, m.tokenizer);
  if (enc.sequences === 0) throw inputError('there is no text to evaluate: it is empty or white space only');
  const chunks = planChunks(enc.stream, session.net.B);
  const logp = streamLogProbs(session.net, enc.stream, chunks);
  let total = 0, totalKnown = 0, known = 0;
  for (let p = 0; p < logp.length; p++) {
    total -= logp[p];
    if (enc.stream[p + 1] !== UNK) {
      totalKnown -= logp[p];
      known++;
    }
  }
  const n = logp.length;
  const loss = total / n;
  return {
    tokens: n,
    sequences: enc.sequences,
    loss,
    perplexity: Math.exp(loss),
    bpc: total / Math.LN2 / enc.chars,
    oov: enc.oov,
    oovRate: n > 0 ? enc.oov / n : 0,
    perplexityExclOov: Math.exp(totalKnown / Math.max(1, known)),
  };
}

