/**
 * A corpus as the model sees it: text cut into sequences, each sequence's
 * tokens encoded and laid end to end with <eos> between them, in one typed array
 * (Uint16Array when the vocabulary fits, else Int32Array):
 *
 *   stream = <eos> x¹₁ … x¹ₙ <eos> x²₁ … x²ₘ <eos> …
 *
 * Position p is an input whose target is position p+1, so every sequence is
 * predicted from <eos> (step 1 predicts how a sequence starts) up to and
 * including its closing <eos>, and the state is reset at every <eos> input.
 */
import type { SplitMode } from './text.js';
import { EOS, UNK } from '../core/ids.js';
import { forEachToken, type TokenizerOptions } from './tokenize.js';
import { SequenceCutter, isBlank } from './cutter.js';
import type { Vocab } from './vocab.js';

/**
 * Call `fn` with each sequence of the text: each non-blank line, each
 * blank-line-separated paragraph, or the whole text (cutter.ts, the one
 * implementation corpus preparation streams through). No array of sequences
 * is built.
 */
export function forEachSequence(text: string, split: SplitMode, fn: (sequence: string) => void): void {
  if (split === 'none') {
    const pieces: string[] = [];
    const c = new SequenceCutter('none', true, (s, a, b) => pieces.push(s.slice(a, b)));
    c.push(text);
    c.end();
    const t = pieces.join('');
    if (!isBlank(t, 0, t.length)) fn(t);
    return;
  }
  const c = new SequenceCutter(split, false, (s, a, b) => fn(a === 0 && b === s.length ? s : s.slice(a, b)));
  c.push(text);
  c.end();
}

/** Cut text into sequences: one per non-blank line, per blank-line-separated paragraph, or the whole text. */
export function splitSequences(text: string, split: SplitMode): string[] {
  const out: string[] = [];
  forEachSequence(text, split, (s) => out.push(s));
  return out;
}

/** Sequences assigned to validation: an evenly spread fraction (frac = 0.1 → every 10th). */
export function isValidationIndex(i: number, frac: number): boolean {
  return frac > 0 && Math.floor((i + 1) * frac) > Math.floor(i * frac);
}

/** Token ids: 16 bits when the vocabulary fits (half the memory of a large corpus), else 32. */
export type TokenIds = Uint16Array | Int32Array;

export function tokenIdArray(length: number, vocabSize: number): TokenIds {
  return vocabSize <= 65536 ? new Uint16Array(length) : new Int32Array(length);
}

export interface EncodedCorpus {
  /** <eos> s1 <eos> s2 <eos> … */
  stream: TokenIds;
  sequences: number;
  /** predicted tokens (stream length − 1): each sequence's tokens plus its <eos> */
  tokens: number;
  /** tokens that were not in the vocabulary (mapped to <unk>) */
  oov: number;
  /** characters the predicted tokens stand for (code points, plus one per <eos>), for bits per character */
  chars: number;
}

/** Tokens in a sequence, counted without keeping them. */
export function countTokens(s: string, tok: TokenizerOptions): number {
  let n = 0;
  forEachToken(s, tok, () => n++);
  return n;
}

/**
 * Encodes sequences into a stream allocated once, at its final length (known
 * from a counting pass: `1 + Σ (tokens + 1)`), so a large corpus never needs
 * a growing buffer and its copies.
 */
export class StreamEncoder {
  private readonly ids: TokenIds;
  private p = 0;
  private oov = 0;
  private chars = 0;
  private sequences = 0;

  constructor(length: number, private readonly vocab: Vocab, private readonly tok: TokenizerOptions) {
    this.ids = tokenIdArray(length, vocab.size);
    this.ids[this.p++] = EOS;
  }

  add(s: string): void {
    const ids = this.ids, vocab = this.vocab;
    let p = this.p, oov = 0;
    forEachToken(s, this.tok, (t) => {
      const id = vocab.id(t);
      if (id === UNK) oov++;
      ids[p++] = id;
    });
    ids[p++] = EOS;
    if (p > ids.length) throw new RangeError('StreamEncoder: more tokens than counted');
    this.p = p;
    this.oov += oov;
    this.chars += countCodePoints(s) + 1;
    this.sequences++;
  }

  finish(): EncodedCorpus {
    if (this.p !== this.ids.length) throw new RangeError(`StreamEncoder: ${this.p} ids written, ${this.ids.length} counted`);
    return { stream: this.ids, sequences: this.sequences, tokens: this.ids.length - 1, oov: this.oov, chars: this.chars };
  }
}

export function encodeSequences(seqs: readonly string[], vocab: Vocab, tok: TokenizerOptions): EncodedCorpus {
  let length = 1;
  for (const s of seqs) length += countTokens(s, tok) + 1;
  const enc = new StreamEncoder(length, vocab, tok);
  for (const s of seqs) enc.add(s);
  return enc.finish();
}

export function countCodePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) n++;
    else {
      const d = s.charCodeAt(i + 1);
      n++;
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

/** Start offsets of the sequences in a stream (each at an <eos> input), and the stream end. */
export function sequenceStarts(stream: TokenIds): Uint32Array {
  let n = 0;
  for (let p = 0; p < stream.length - 1; p++) if (stream[p] === EOS) n++;
  const starts = new Uint32Array(n);
  n = 0;
  for (let p = 0; p < stream.length - 1; p++) if (stream[p] === EOS) starts[n++] = p;
  return starts;
}
