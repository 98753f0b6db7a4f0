/**
 * A corpus as the model sees it: text cut into sequences, each sequence's
 * tokens encoded and laid end to end with <eos> between them, in one Int32Array:
 *
 *   stream = <eos> x¹₁ … x¹ₙ <eos> x²₁ … x²ₘ <eos> …
 *
 * Position p is an input whose target is position p+1, so every sequence is
 * predicted from <eos> (step 1 predicts how a sequence starts) up to and
 * including its closing <eos>, and the state is reset at every <eos> input.
 */
import type { SplitMode } from '../nn/config.js';
import { EOS } from '../nn/network.js';
import { normalizeNewlines, tokenize, type TokenizerOptions } from './tokenize.js';
import type { Vocab } from './vocab.js';

/** Cut text into sequences: one per non-blank line, per blank-line-separated paragraph, or the whole text. */
export function splitSequences(text: string, split: SplitMode): string[] {
  const t = normalizeNewlines(text);
  if (split === 'none') return t.trim().length > 0 ? [t] : [];
  const parts = split === 'lines' ? t.split('\n') : t.split(/\n[^\S\n]*\n\s*/);
  const out: string[] = [];
  for (const p of parts) {
    const s = split === 'paragraphs' ? p.replace(/^\n+|\n+$/g, '') : p;
    if (s.trim().length > 0) out.push(s);
  }
  return out;
}

/** Sequences assigned to validation: an evenly spread fraction (frac = 0.1 → every 10th). */
export function isValidationIndex(i: number, frac: number): boolean {
  return frac > 0 && Math.floor((i + 1) * frac) > Math.floor(i * frac);
}

/** A growable Int32Array of token ids. */
export class IdBuffer {
  private buf = new Int32Array(1024);
  length = 0;
  push(id: number): void {
    if (this.length === this.buf.length) {
      const next = new Int32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = id;
  }
  finish(): Int32Array {
    return this.buf.slice(0, this.length);
  }
}

export interface EncodedCorpus {
  /** <eos> s1 <eos> s2 <eos> … */
  stream: Int32Array;
  sequences: number;
  /** predicted tokens (stream length − 1): each sequence's tokens plus its <eos> */
  tokens: number;
  /** tokens that were not in the vocabulary (mapped to <unk>) */
  oov: number;
  /** characters the predicted tokens stand for (code points, plus one per <eos>), for bits per character */
  chars: number;
}

export function encodeSequences(seqs: readonly string[], vocab: Vocab, tok: TokenizerOptions): EncodedCorpus {
  const ids = new IdBuffer();
  let oov = 0, chars = 0;
  ids.push(EOS);
  for (const s of seqs) {
    for (const t of tokenize(s, tok)) {
      const id = vocab.id(t);
      if (id === 1) oov++;
      ids.push(id);
    }
    ids.push(EOS);
    chars += countCodePoints(s) + 1;
  }
  const stream = ids.finish();
  return { stream, sequences: seqs.length, tokens: stream.length - 1, oov, chars };
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
export function sequenceStarts(stream: Int32Array): number[] {
  const starts: number[] = [];
  for (let p = 0; p < stream.length - 1; p++) if (stream[p] === EOS) starts.push(p);
  return starts;
}
