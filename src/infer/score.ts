/**
 * The probability of a sentence: P(x₁…xₙ <eos>) = Π p(xᵢ | <eos> x₁…xᵢ₋₁),
 * every token (and the closing <eos>) predicted from the ones before it, the
 * state starting at zero. Out-of-vocabulary tokens are scored as <unk>
 * (KenLM's convention) and counted.
 *
 * Many sentences are scored together: they are laid end to end in one stream
 * (the state resets at every <eos>), which is cut at sentence boundaries into
 * parallel chunks, so the numbers are exactly those of scoring each alone.
 * A running-text model can instead score them in order (ScoreOptions.inOrder),
 * each after the ones before it, as it read its training text.
 */
import { encodeSequences, splitSequences, type TokenIds } from '../data/corpus.js';
import { tokenize } from '../data/tokenize.js';
import { inputError, usageError } from '../core/errors.js';
import { EOS, UNK } from '../core/ids.js';
import { carriedLogProbs, planChunks, readRunningText, streamLogProbs } from '../model/evaluate.js';
import type { Network } from '../nn/network.js';
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

export interface ScoreOptions {
  /**
   * A running-text model: score every sentence after the ones before it, on one
   * state carried across their <eos> (as recur eval reads a text), on this
   * thread, instead of each alone from the zero state.
   */
  inOrder?: boolean;
}

export function scoreSentences(session: InferenceSession, sentences: readonly string[], o: ScoreOptions = {}): SentenceScore[] {
  const pieces = sentences.map((s) => sentencePiece(session, s));
  const ids = layOut(pieces);
  const logp = inOrder(session, o) ? runningLogProbs(session.net, ids) : streamLogProbs(session.net, ids, planChunks(ids, session.net.B));
  return sentenceScores(sentences, pieces, logp);
}

/** Whether to score in order (ScoreOptions.inOrder), which only a running-text model can. */
export function inOrder(session: InferenceSession, o: ScoreOptions): boolean {
  if (o.inOrder && !session.model.config.running_text) {
    throw usageError('the model was not trained on running text (recur train --running-text), so it scores every sentence alone: leave out inOrder, which needs a model trained on running text', 'inOrder');
  }
  return !!o.inOrder;
}

/** A sentence's tokens and their ids. */
export interface SentencePiece {
  tokens: string[];
  ids: number[];
}

export function sentencePiece(session: InferenceSession, s: string): SentencePiece {
  const m = session.model;
  const tokens = tokenize(s.replace(/\r?\n$/, ''), m.tokenizer);
  return { tokens, ids: tokens.map((t) => m.vocab.id(t)) };
}

/** <eos> s1 <eos> s2 <eos> …, at its final length */
export function layOut(pieces: readonly SentencePiece[]): Int32Array {
  const ids = new Int32Array(1 + pieces.reduce((n, p) => n + p.ids.length + 1, 0));
  let at = 1; // ids[0] = <eos>
  for (const piece of pieces) {
    ids.set(piece.ids, at);
    at += piece.ids.length + 1; // the <eos> after it is already 0
  }
  return ids;
}

/** The scores of sentences laid out by layOut, from the log-probabilities of its positions. */
export function sentenceScores(sentences: readonly string[], pieces: readonly SentencePiece[], logp: Float32Array): SentenceScore[] {
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

/** The sums of an evaluation, added position by position in stream order (in memory or streamed: the same sums). */
export class EvalTotals {
  private total = 0;
  private totalKnown = 0;
  private known = 0;
  private n = 0;
  sequences = 0;
  oov = 0;
  chars = 0;

  /** positions [from, to) of `targets`' stream: logp[p − shift] predicts targets[p + 1] */
  add(logp: Float32Array, targets: TokenIds, from: number, to: number, shift = 0): void {
    for (let p = from; p < to; p++) {
      const lp = logp[p - shift];
      this.total -= lp;
      if (targets[p + 1] !== UNK) {
        this.totalKnown -= lp;
        this.known++;
      }
    }
    this.n += to - from;
  }

  result(): Evaluation {
    if (this.sequences === 0) throw inputError('there is no text to evaluate: it is empty or white space only');
    const n = this.n, loss = this.total / n;
    return {
      tokens: n,
      sequences: this.sequences,
      loss,
      perplexity: Math.exp(loss),
      bpc: this.total / Math.LN2 / this.chars,
      oov: this.oov,
      oovRate: n > 0 ? this.oov / n : 0,
      perplexityExclOov: Math.exp(this.totalKnown / Math.max(1, this.known)),
    };
  }
}

/** Held-out cross-entropy of a whole text, split into sequences as in training. */
export function evaluateText(session: InferenceSession, text: string): Evaluation {
  const m = session.model;
  const enc = encodeSequences(splitSequences(text, m.config.split), m.vocab, m.tokenizer);
  const totals = new EvalTotals();
  Object.assign(totals, { sequences: enc.sequences, oov: enc.oov, chars: enc.chars });
  if (enc.sequences === 0) return totals.result();
  const logp = m.config.running_text ? runningLogProbs(session.net, enc.stream) : streamLogProbs(session.net, enc.stream, planChunks(enc.stream, session.net.B));
  totals.add(logp, enc.stream, 0, logp.length);
  return totals.result();
}

/** A running-text model's scores of a stream: read in order on one state, carried across <eos> as in training. */
export function runningLogProbs(net: Network, stream: TokenIds): Float32Array {
  const restore = readRunningText(net);
  try {
    return carriedLogProbs(net, stream);
  } finally {
    restore();
  }
}
