/**
 * From raw texts to what training needs: sequences split off for validation,
 * the vocabulary (built from the training sequences only, so held-out text
 * is honestly out-of-vocabulary where it should be), and the encoded streams.
 *
 * This is the token store's preparation (units.ts, plan.ts, assemble.ts; the
 * store runs the same units over files on several threads) done in memory on
 * one thread: the texts are read as their UTF-8 bytes, one unit per text,
 * a counting pass and then an encoding pass into streams allocated once at
 * their final length. So a corpus prepared here and the same files prepared
 * into a store give the same streams, vocabulary and counts
 * (test/store/equivalence.test.ts). The rules are docs/token-store.md's; in
 * `none` mode the validation part of a text begins at the first LF at or
 * after byte ⌊bytes·(1 − valFrac)⌋ of its UTF-8 encoding.
 */
import { inputError } from '../core/errors.js';
import { EOS } from '../core/ids.js';
import { addBlankCounts, addCounts, setOffsets, setPieces, summarize } from './assemble.js';
import { tokenIdArray, type EncodedCorpus, type TokenIds } from './corpus.js';
import { planUnits, type ReadAt } from './plan.js';
import type { IdArray, IdSink } from './scan.js';
import type { Level, SplitMode, TextConfig, Tokenize } from './text.js';
import { forgetLastMatch, type TokenizerOptions } from './tokenize.js';
import { passTools, runUnit, type PassOptions, type PartStats, type UnitResult } from './units.js';
import { TokenCounter, Vocab, buildVocab } from './vocab.js';

export interface CorpusOptions {
  level: Level;
  split: SplitMode;
  tokenize: Tokenize;
  lowercase: boolean;
  /** most frequent tokens kept (0 = all) */
  maxVocab: number;
  minCount: number;
  /** fraction of the sequences held out for validation (split none: the last fraction of each text) */
  valFrac: number;
  /** lines and paragraphs: hold the fraction out as the end of each text (a running text), not every n-th sequence */
  valTail?: boolean;
}

export interface PreparedCorpus {
  vocab: Vocab;
  train: EncodedCorpus;
  val: EncodedCorpus | null;
  /** where the validation part was to come from: a fraction of the sequences, the end of each text, or separate texts (which may have held nothing) */
  valFrom: ValFrom;
}

/** Where a validation part was to come from (see PreparedCorpus). */
export type ValFrom = 'fraction' | 'tail' | 'texts';

/** The ValFrom of a preparation with these options. */
export function valFromOf(o: { split: SplitMode; valTail?: boolean }, valTexts: boolean): ValFrom {
  return valTexts ? 'texts' : o.valTail && o.split !== 'none' ? 'tail' : 'fraction';
}

export function tokenizerOf(o: { level: Level; tokenize: Tokenize; lowercase: boolean }): TokenizerOptions {
  return { level: o.level, tokenize: o.tokenize, lowercase: o.lowercase };
}

export function textConfigOf(o: TextConfig): TextConfig {
  return { level: o.level, split: o.split, tokenize: o.tokenize, lowercase: o.lowercase };
}

/** Bytes the UTF-8 encoding of s has (a lone surrogate: the 3 of U+FFFD, as TextEncoder writes it). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; ) {
    const x = charAt(s, i);
    n += x >> 2;
    i += x & 3;
  }
  return n;
}

/** UTF-8 bytes and UTF-16 code units of the character at s[i]: (bytes << 2) | units. */
function charAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 0x80) return (1 << 2) | 1;
  if (c < 0x800) return (2 << 2) | 1;
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) return (4 << 2) | 2;
  return (3 << 2) | 1;
}

/**
 * The texts' UTF-8 bytes, encoded as they are read (no copy of a whole text):
 * a cursor (byte offset, code unit) moves forward; reading before it starts
 * again from the beginning of the text.
 */
function textReader(texts: readonly string[]): ReadAt {
  const encoder = new TextEncoder(), one = new Uint8Array(4);
  let source = -1, byte = 0, unit = 0;
  return (src, offset, buf) => {
    const t = texts[src];
    if (src !== source || offset < byte) [source, byte, unit] = [src, 0, 0];
    // move to the character that holds `offset`
    for (let x = charAt(t, unit); unit < t.length && byte + (x >> 2) <= offset; x = charAt(t, unit)) {
      byte += x >> 2;
      unit += x & 3;
    }
    let n = 0;
    if (byte < offset && unit < t.length) {
      // `offset` falls inside a character: its last bytes first
      const x = charAt(t, unit), w = encoder.encodeInto(t.slice(unit, unit + (x & 3)), one).written;
      n = Math.min(buf.length, byte + w - offset);
      buf.set(one.subarray(offset - byte, offset - byte + n));
      byte += w;
      unit += x & 3;
    }
    const r = encoder.encodeInto(t.slice(unit, unit + buf.length - n), buf.subarray(n));
    byte += r.written;
    unit += r.read;
    return n + r.written;
  };
}

/** An encoded stream being filled in memory: <eos> first, then what the encoders write. */
class StreamSink implements IdSink {
  readonly ids: TokenIds;
  p = 1;
  constructor(length: number, vocabSize: number) {
    this.ids = tokenIdArray(length, vocabSize);
    this.ids[0] = EOS;
  }
  write(ids: IdArray, n: number): void {
    if (this.p + n > this.ids.length) throw new RangeError('prepareCorpus: more tokens than counted');
    this.ids.set(ids.subarray(0, n), this.p);
    this.p += n;
  }
  done(s: PartStats): EncodedCorpus {
    if (this.p !== this.ids.length) throw new RangeError(`prepareCorpus: ${this.p} ids written, ${this.ids.length} counted`);
    return { stream: this.ids, sequences: s.sequences, tokens: s.tokens, oov: s.oov, chars: s.chars };
  }
}

const NONE = new Set<number>();
const CHUNK = 64 * 1024;

/**
 * Prepare a corpus. With `vocab` given (training from an existing model) it is
 * used as is; `valTexts` (separate validation texts) replace valFrac.
 */
export function prepareCorpus(texts: readonly string[], o: CorpusOptions, vocab?: Vocab, valTexts?: readonly string[]): PreparedCorpus {
  const all = [...texts, ...(valTexts ?? [])];
  const read = textReader(all);
  const valFrac = valTexts ? 0 : o.valFrac;
  const text = textConfigOf(o);
  const inputs = all.map((t, i) => ({ size: utf8Length(t), role: i < texts.length ? 'train' as const : 'val' as const }));
  const units = planUnits(inputs, { split: o.split, valFrac, valTail: o.valTail, rangeBytes: Infinity, anywhere: o.level === 'char' && !o.lowercase }, read);

  // count: the units in order, each told the index of its first sequence by the ones before it
  const count: PassOptions = { mode: 'count', text, valFrac, replaceInvalid: true, collect: !vocab, blockSize: 0 };
  const tools = passTools(count, null, null);
  const counter = new TokenCounter();
  const results: UnitResult[] = [];
  let auto = 0;
  for (const task of units) {
    task.autoOffset = auto;
    const r = runUnit(task, count, tools, read, CHUNK);
    results.push(r);
    for (const p of r.pieces) auto += p?.autoSequences ?? 0;
    addCounts(counter, task, r, NONE);
    r.counts = null;
  }
  const sum = summarize(units, results, NONE, o.split);
  addBlankCounts(counter, sum);
  if (sum.train.sequences === 0) {
    throw inputError('the corpus has no text to train on (it is empty or white space only); give a file with some text in it');
  }
  setOffsets(units, sum);
  setPieces(units, sum, NONE);
  const v = vocab ?? buildVocab(counter, { maxVocab: o.maxVocab, minCount: o.minCount });

  const train = new StreamSink(sum.train.tokens + 1, v.size);
  const val = sum.val.sequences > 0 ? new StreamSink(sum.val.tokens + 1, v.size) : null;
  const encode: PassOptions = { ...count, mode: 'encode' };
  const none: IdSink = { write: () => { throw new RangeError('prepareCorpus: no validation stream'); } };
  const encoders = passTools(encode, v.tokens, { train, val: val ?? none }, v.size <= 65536 ? Uint16Array : Int32Array);
  const encoded = units.map((task) => runUnit(task, encode, encoders, read, CHUNK));
  const out = summarize(units, encoded, NONE, o.split);
  forgetLastMatch();
  return { vocab: v, train: train.done(out.train), val: val ? val.done(out.val) : null, valFrom: valFromOf(o, !!valTexts) };
}
