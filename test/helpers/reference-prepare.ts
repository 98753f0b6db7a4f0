/**
 * The specification of corpus preparation, written the plain way: whole
 * strings, the tokenizers' regular expressions, a Map of counts, arrays of
 * sequences. This is recur's preparation before it was streamed (and before
 * docs/token-store.md moved the `none` validation cut to a byte offset, which
 * it follows here). The streamed code (data/cutter.ts, scan.ts, units.ts) must
 * give exactly what these give.
 */
import { EOS, UNK } from '../../src/core/ids.js';
import { isValidationIndex } from '../../src/data/corpus.js';
import type { CorpusOptions } from '../../src/data/prepare.js';
import type { SplitMode } from '../../src/data/text.js';
import { tokenize, type TokenizerOptions } from '../../src/data/tokenize.js';
import { TokenCounter, buildVocab, type Vocab } from '../../src/data/vocab.js';

export function referenceNormalize(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** recur's original splitter: lines, paragraphs by a regular expression, or the whole text. */
export function referenceSequences(text: string, split: SplitMode): string[] {
  const t = referenceNormalize(text);
  const out: string[] = [];
  if (split === 'none') {
    if (/\S/.test(t)) out.push(t);
    return out;
  }
  if (split === 'lines') {
    for (const line of t.split('\n')) if (/\S/.test(line)) out.push(line);
    return out;
  }
  const sep = /\n[^\S\n]*\n\s*/g;
  let begin = 0;
  for (;;) {
    const m = sep.exec(t);
    const end = m ? m.index : t.length;
    const p = t.slice(begin, end).replace(/^\n+|\n+$/g, '');
    if (/\S/.test(p)) out.push(p);
    if (!m) break;
    begin = m.index + m[0].length;
  }
  return out;
}

/** The `none` validation cut of docs/token-store.md, on a text's UTF-8 bytes: [training text, validation text]. */
export function referenceNoneCut(text: string, valFrac: number): [string, string] {
  const bytes = new TextEncoder().encode(text);
  const x = Math.floor(bytes.length * (1 - valFrac));
  let cut = bytes.indexOf(10, x);
  if (cut >= 0) cut++;
  else for (cut = Math.min(x, bytes.length); cut < bytes.length && (bytes[cut] & 0xc0) === 0x80; cut++);
  const d = new TextDecoder();
  return [d.decode(bytes.subarray(0, cut)), d.decode(bytes.subarray(cut))];
}

/**
 * The held-out tail of a lines or paragraphs file (a running text, valTail):
 * just after the first LF at or after byte ⌊bytes·(1 − valFrac)⌋, or at the
 * end of the first paragraph separator that begins at a line break there (not
 * at the end of the text); without one, the whole text trains.
 */
export function referenceTailCut(text: string, valFrac: number, split: 'lines' | 'paragraphs'): [string, string] {
  const bytes = new TextEncoder().encode(text);
  let x = Math.floor(bytes.length * (1 - valFrac));
  while (x < bytes.length && (bytes[x] & 0xc0) === 0x80) x++;
  const from = new TextDecoder().decode(bytes.subarray(0, x)).length;
  let cut = -1;
  if (split === 'lines') {
    const lf = text.indexOf('\n', from);
    if (lf >= 0) cut = lf + 1;
  } else {
    const sep = /(?:\r\n|\r(?!\n)|\n)[^\S\r\n]*(?:\r\n|\r(?!\n)|\n)\s*/g;
    sep.lastIndex = from;
    const m = sep.exec(text);
    if (m && m.index + m[0].length < text.length) cut = m.index + m[0].length;
  }
  return cut < 0 ? [text, ''] : [text.slice(0, cut), text.slice(cut)];
}

export interface ReferenceCorpus {
  vocab: Vocab;
  train: number[];
  val: number[];
  trainSequences: string[];
  valSequences: string[];
}

/** Sequences with their part, in stream order. */
export function referenceSplit(texts: readonly string[], split: SplitMode, valFrac: number, valTexts?: readonly string[], valTail = false): { train: string[]; val: string[] } {
  const train: string[] = [], val: string[] = [];
  const f = valTexts ? 0 : valFrac;
  let i = 0;
  for (const t of texts) {
    if ((split === 'none' || valTail) && f > 0) {
      const [a, b] = split === 'none' ? referenceNoneCut(t, f) : referenceTailCut(t, f, split);
      train.push(...referenceSequences(a, split));
      val.push(...referenceSequences(b, split));
    } else {
      for (const s of referenceSequences(t, split)) (split !== 'none' && isValidationIndex(i++, f) ? val : train).push(s);
    }
  }
  for (const t of valTexts ?? []) val.push(...referenceSequences(t, split));
  return { train, val };
}

export function referenceEncode(seqs: readonly string[], vocab: Vocab, tok: TokenizerOptions): number[] {
  const ids = [EOS];
  for (const s of seqs) {
    for (const t of tokenize(s, tok)) ids.push(vocab.id(t));
    ids.push(EOS);
  }
  return ids;
}

export function referencePrepare(texts: readonly string[], o: CorpusOptions, vocab?: Vocab, valTexts?: readonly string[]): ReferenceCorpus {
  const tok = { level: o.level, tokenize: o.tokenize, lowercase: o.lowercase };
  const { train, val } = referenceSplit(texts, o.split, o.valFrac, valTexts, o.valTail);
  const c = new TokenCounter();
  for (const s of train) c.add(tokenize(s, tok));
  const v = vocab ?? buildVocab(c, { maxVocab: o.maxVocab, minCount: o.minCount });
  return { vocab: v, train: referenceEncode(train, v, tok), val: referenceEncode(val, v, tok), trainSequences: train, valSequences: val };
}

export function referenceOov(ids: readonly number[]): number {
  return ids.filter((id) => id === UNK).length;
}

export function referenceChars(seqs: readonly string[]): number {
  return seqs.reduce((n, s) => n + Array.from(s).length + 1, 0);
}
