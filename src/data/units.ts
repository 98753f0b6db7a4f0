/**
 * One unit of corpus preparation: a few byte ranges ("pieces") of the inputs
 * run through decoding (utf8.ts), cutting into sequences (cutter.ts) and one of
 * three passes:
 *
 *   scan    count the sequences (so that every unit can be told the global
 *           index of its first one, which decides what goes to validation);
 *   count   count tokens, per part, and the tokens of the training sequences
 *           one by one (the vocabulary is made from them);
 *   encode  write token ids to the train and val sinks, <eos> after every
 *           sequence, and note where the shuffle blocks begin.
 *
 * A unit never sees the others: what it needs from the rest of the corpus (the
 * index of its first sequence, whether a `none` sequence that runs over several
 * units has any text) is in its task, and everything it found is in its result,
 * so that units can run in any order, on any thread, and the store is the same.
 * The in-memory preparation (prepare.ts) and the store (store/) both run
 * units. The caller reads the bytes and feeds them. Browser-safe.
 */
import { EOS } from '../core/ids.js';
import { isValidationIndex } from './corpus.js';
import { SequenceCutter, forEachLine, isBlank } from './cutter.js';
import { LineScanner } from './line-scan.js';
import { TokenCounts, TokenEncoder, codePoints, tokenCount, type CountsExport, type IdArrayType, type IdSink } from './scan.js';
import type { TextConfig } from './text.js';
import { Utf8Decoder, type InvalidUtf8 } from './utf8.js';

export type PartName = 'train' | 'val';
export type PassMode = 'scan' | 'count' | 'encode';

export interface PieceTask {
  /** index of the input (file or text) */
  source: number;
  /** its bytes [start, end) */
  start: number;
  end: number;
  /** where its sequences go; 'auto': each by its global index and the validation fraction */
  part: PartName | 'auto';
  /** none mode: this piece ends its part's sequence (the part of a file may run over several units) */
  closes: boolean;
  /** encode, none mode: the part has text, so it is a sequence (known from the count pass) */
  emit: boolean;
}

export interface UnitTask {
  index: number;
  pieces: PieceTask[];
  /** global index of the unit's first 'auto' sequence */
  autoOffset: number;
  /** encode: global index of the unit's first training sequence (for the shuffle blocks) */
  trainOffset: number;
  /** encode: stream positions of the unit's first training and validation ids (from the count pass) */
  trainAt: number;
  valAt: number;
}

export interface PassOptions {
  mode: PassMode;
  text: TextConfig;
  valFrac: number;
  replaceInvalid: boolean;
  /** count: count the tokens of training sequences one by one (false when the vocabulary is given) */
  collect: boolean;
  /** encode: sequences per shuffle block (0: no blocks) */
  blockSize: number;
}

export interface PartStats {
  sequences: number;
  /** ids written: each sequence's tokens and its <eos> (none mode: the piece's tokens; its <eos> is counted per part) */
  tokens: number;
  oov: number;
  /** code points of the original text, plus one per <eos> */
  chars: number;
}

export interface PieceResult {
  /** strict decoding found an ill-formed byte (nothing of the piece after it was read) */
  invalid: InvalidUtf8 | null;
  /** the piece has a character that is not white space */
  text: boolean;
  /** 'auto' sequences in the piece */
  autoSequences: number;
  train: PartStats;
  val: PartStats;
  /** count, none mode: the token counts of a blank piece, kept apart until its part is known to have text */
  blankCounts: CountsExport | null;
}

export interface UnitResult {
  index: number;
  /** per piece; null for a piece not read (its file looks binary) */
  pieces: (PieceResult | null)[];
  /** count: the training tokens' counts */
  counts: CountsExport | null;
  /** encode: starts of the shuffle blocks, as offsets in the unit's training ids (−1: the <eos> before them) */
  blocks: number[];
}

/** What a pass keeps from unit to unit: the counters and encoders (large tables, made once). */
export interface PassTools {
  counts: TokenCounts | null;
  encoders: { train: TokenEncoder; val: TokenEncoder } | null;
}

/** The counters or encoders of a pass; encoders hand their sinks ids in arrays of type `ids`. */
export function passTools(o: PassOptions, vocab: readonly string[] | null, sinks: { train: IdSink; val: IdSink } | null, ids?: IdArrayType): PassTools {
  const tok = { level: o.text.level, tokenize: o.text.tokenize, lowercase: o.text.lowercase };
  const train = o.mode === 'encode' ? new TokenEncoder(vocab!, tok, sinks!.train, ids) : null;
  return {
    counts: o.mode === 'count' && o.collect ? new TokenCounts(tok) : null,
    encoders: train ? { train, val: new TokenEncoder(vocab!, tok, sinks!.val, ids, train) } : null,
  };
}

export function emptyStats(): PartStats {
  return { sequences: 0, tokens: 0, oov: 0, chars: 0 };
}

/** Feeds for one piece: push its bytes in order, then end(). */
export interface PieceFeed {
  push(bytes: Uint8Array): void;
  end(): void;
  /** decoding stopped at an ill-formed byte: the rest need not be read */
  readonly stopped: boolean;
}

export class UnitRun {
  private readonly result: UnitResult;
  private autoSeen = 0;
  private trainSeen = 0;
  /** training ids this unit has written (for block offsets) */
  private trainIds = 0;

  private readonly lower: boolean;
  /** char level in its own case: the code points of a sequence are its tokens */
  private readonly charsAreTokens: boolean;

  constructor(private readonly task: UnitTask, private readonly o: PassOptions, private readonly tools: PassTools) {
    this.result = { index: task.index, pieces: task.pieces.map(() => null), counts: null, blocks: [] };
    this.lower = o.text.lowercase;
    this.charsAreTokens = o.text.level === 'char' && !o.text.lowercase;
  }

  /** Start piece k (pieces are read in order; a piece never started stays null in the result). */
  piece(k: number): PieceFeed {
    const piece = this.task.pieces[k];
    const r: PieceResult = { invalid: null, text: false, autoSequences: 0, train: emptyStats(), val: emptyStats(), blankCounts: null };
    this.result.pieces[k] = r;
    const split = this.o.text.split;
    if (this.o.mode === 'scan' && split === 'lines') return scanFeed(piece, r);
    const handle = split === 'none' ? new NonePiece(this, piece, r) : null;
    // lines mode: the cutter hands on batches of lines (one call per decoded slice, not per line)
    const batches = split === 'lines';
    const cutter = new SequenceCutter(split, this.o.text.level === 'char' && !this.o.text.lowercase,
      handle ? (s, a, b) => handle.text(s, a, b) : batches ? (s, a, b) => this.batch(piece, r, s, a, b) : (s, a, b) => this.sequence(piece, r, s, a, b, false), batches);
    const decoder = new Utf8Decoder((t) => cutter.push(t), { replaceInvalid: this.o.replaceInvalid, offset: piece.start });
    return {
      push: (bytes) => decoder.push(bytes),
      end: () => {
        decoder.end();
        r.invalid = decoder.invalid;
        if (!r.invalid) cutter.end();
        handle?.end();
      },
      get stopped() {
        return decoder.invalid !== null;
      },
    };
  }

  finish(): UnitResult {
    if (this.tools.counts) this.result.counts = this.tools.counts.take();
    this.tools.encoders?.train.flush();
    this.tools.encoders?.val.flush();
    return this.result;
  }

  /** Lowercased when asked: the string and range to tokenize. */
  lowered(s: string, a: number, b: number): [string, number, number] {
    if (!this.o.text.lowercase) return [s, a, b];
    const t = s.slice(a, b).toLowerCase();
    return [t, 0, t.length];
  }

  get mode(): PassMode {
    return this.o.mode;
  }

  get options(): PassOptions {
    return this.o;
  }

  get passTools(): PassTools {
    return this.tools;
  }

  /** Lines mode: the non-blank lines of a batch, each a sequence. */
  private batch(piece: PieceTask, r: PieceResult, s: string, a: number, b: number): void {
    // without surrogates a line has as many code points as code units
    const plain = !hasSurrogate(s, a, b);
    if (plain && this.charsAreTokens && this.o.mode !== 'scan') this.plainLines(piece, r, s, a, b);
    else forEachLine(s, a, b, (t, i, j) => this.sequence(piece, r, t, i, j, plain));
  }

  /** Whether the next sequence of the piece goes to validation (and one more 'auto' sequence seen). */
  private toVal(piece: PieceTask, r: PieceResult): boolean {
    if (piece.part !== 'auto') return piece.part === 'val';
    r.autoSequences++;
    return isValidationIndex(this.task.autoOffset + this.autoSeen++, this.o.valFrac);
  }

  /**
   * Lines mode, char level in its own case, a batch without surrogates: every code unit of a line is one of its
   * tokens, so what sequence() does line by line is done here per run of consecutive lines of one part, in one
   * loop over the run's code units (its LFs read as the <eos> that ends each line), and the lines themselves only
   * found, sorted and counted: short lines cost little more than their characters.
   */
  private plainLines(piece: PieceTask, r: PieceResult, s: string, a: number, b: number): void {
    const encode = this.o.mode === 'encode', blockSize = this.o.blockSize;
    // the run being gathered: s[from, to), `lines` lines, all of one part
    let from = a, to = a, lines = 0, val = false;
    for (let i = a; i <= b; ) {
      let e = s.indexOf('\n', i);
      if (e < 0 || e > b) e = b;
      if (isBlank(s, i, e)) {
        // a blank line is no sequence: the run ends before it
        if (lines > 0) this.plainRun(r, s, from, to, lines, val);
        lines = 0;
        i = e + 1;
        continue;
      }
      r.text = true;
      const v = this.toVal(piece, r);
      if (lines > 0 && v !== val) {
        this.plainRun(r, s, from, to, lines, val);
        lines = 0;
      }
      if (lines++ === 0) {
        from = i;
        val = v;
      }
      to = e;
      const n = e - i + 1, stats = v ? r.val : r.train;
      stats.sequences++;
      stats.tokens += n;
      stats.chars += n;
      if (encode && !v) {
        const seq = this.task.trainOffset + this.trainSeen++;
        if (blockSize > 0 && seq % blockSize === 0) this.result.blocks.push(this.trainIds - 1);
        this.trainIds += n;
      }
      i = e + 1;
    }
    if (lines > 0) this.plainRun(r, s, from, to, lines, val);
  }

  /** The run of lines s[from, to) of one part (plainLines): counted (training ones) or encoded, each line's <eos> after it. */
  private plainRun(r: PieceResult, s: string, from: number, to: number, lines: number, val: boolean): void {
    if (this.o.mode === 'count') {
      if (!val) this.tools.counts?.addLines(s, from, to, lines - 1);
      return;
    }
    const enc = val ? this.tools.encoders!.val : this.tools.encoders!.train, oov = enc.oov;
    enc.encodeLines(s, from, to);
    enc.put(EOS);
    (val ? r.val : r.train).oov += enc.oov - oov;
  }

  /**
   * A whole sequence (lines and paragraphs mode): the hot path of a pass, once per line.
   * `plain`: s[a, b) has no surrogate (its code points are its code units).
   */
  private sequence(piece: PieceTask, r: PieceResult, s: string, a: number, b: number, plain: boolean): void {
    r.text = true;
    const val = this.toVal(piece, r);
    const mode = this.o.mode;
    if (mode === 'scan') return;
    const stats = val ? r.val : r.train;
    let t = s, i = a, j = b;
    if (this.lower) {
      t = s.slice(a, b).toLowerCase();
      i = 0;
      j = t.length;
    }
    let n: number;
    if (mode === 'count') {
      const counts = this.tools.counts;
      n = !val && counts ? counts.add(t, i, j) : tokenCount(t, i, j, this.o.text);
    } else {
      const enc = val ? this.tools.encoders!.val : this.tools.encoders!.train;
      if (!val) {
        const k = this.task.trainOffset + this.trainSeen++;
        if (this.o.blockSize > 0 && k % this.o.blockSize === 0) this.result.blocks.push(this.trainIds - 1);
      }
      const oov = enc.oov;
      n = enc.encode(t, i, j);
      enc.put(EOS);
      stats.oov += enc.oov - oov;
      if (!val) this.trainIds += n + 1;
    }
    stats.sequences++;
    stats.tokens += n + 1;
    stats.chars += (this.charsAreTokens ? n : plain ? b - a : codePoints(s, a, b)) + 1;
  }
}

/** The scan pass in lines mode: non-blank lines counted on the bytes, nothing decoded (line-scan.ts). */
function scanFeed(piece: PieceTask, r: PieceResult): PieceFeed {
  const scanner = new LineScanner();
  return {
    push: (bytes) => scanner.push(bytes),
    end: () => {
      scanner.end();
      r.text = scanner.lines > 0;
      if (piece.part === 'auto') r.autoSequences = scanner.lines;
    },
    stopped: false,
  };
}

const SURROGATE = /[\ud800-\udfff]/g;

/** s[a, b) has a UTF-16 surrogate code unit. */
function hasSurrogate(s: string, a: number, b: number): boolean {
  SURROGATE.lastIndex = a;
  const m = SURROGATE.exec(s);
  return m !== null && m.index < b;
}

/**
 * A piece of a `none` sequence (the part of a file before or after the
 * validation cut, which may run over several units). Its tokens are counted
 * or encoded as they come; a piece that is all white space keeps its counts
 * apart (blankCounts), since they count only if some other piece of the part
 * has text. The part's <eos> is written by the piece that closes it.
 */
class NonePiece {
  private readonly part: PartName;
  private blank: Map<number, number> | null = null;

  constructor(private readonly unit: UnitRun, private readonly piece: PieceTask, private readonly r: PieceResult) {
    this.part = piece.part === 'val' ? 'val' : 'train';
  }

  text(s: string, a: number, b: number): void {
    const o = this.unit.options, stats = this.r[this.part];
    const hasText = !this.r.text && !isBlank(s, a, b);
    if (hasText) this.r.text = true;
    if (o.mode === 'scan' || (o.mode === 'encode' && !this.piece.emit)) return;
    const [t, i, j] = this.unit.lowered(s, a, b);
    const tools = this.unit.passTools;
    let n: number;
    if (o.mode === 'count') {
      const counts = this.part === 'train' ? tools.counts : null;
      if (counts && !this.r.text) n = this.countBlank(t, i, j);
      else {
        if (counts && hasText) this.flushBlank(counts);
        n = counts ? counts.add(t, i, j) : tokenCount(t, i, j, o.text);
      }
    } else {
      const enc = tools.encoders![this.part], oov = enc.oov;
      n = enc.encode(t, i, j);
      stats.oov += enc.oov - oov;
    }
    stats.tokens += n;
    stats.chars += codePoints(s, a, b);
  }

  /** White space only: count its code points apart (char level; word level has no tokens in it). */
  private countBlank(t: string, i: number, j: number): number {
    if (this.unit.options.text.level === 'word') return 0;
    const m = (this.blank ??= new Map());
    let n = 0;
    for (const ch of t.slice(i, j)) {
      const cp = ch.codePointAt(0)!;
      m.set(cp, (m.get(cp) ?? 0) + 1);
      n++;
    }
    return n;
  }

  private flushBlank(counts: TokenCounts): void {
    for (const [cp, n] of this.blank ?? []) counts.addCodePoint(cp, n);
    this.blank = null;
  }

  end(): void {
    const o = this.unit.options;
    if (o.mode === 'count' && this.blank && !this.r.text) {
      const cps = [...this.blank.keys()].sort((x, y) => x - y);
      this.r.blankCounts = { codePoints: Int32Array.from(cps), counts: Float64Array.from(cps, (cp) => this.blank!.get(cp)!) };
    }
    if (o.mode === 'encode' && this.piece.emit && this.piece.closes && !this.r.invalid) {
      const stats = this.r[this.part];
      this.unit.passTools.encoders![this.part].put(EOS);
      stats.tokens++;
      stats.chars++;
      stats.sequences++;
    }
  }
}

/**
 * Run a unit, reading its pieces through `read` in chunks of `chunkBytes`;
 * yields the bytes of every chunk read (so that a caller on the main thread can
 * report progress and let other work in), returns the result. `skip(k)` says whether to leave piece
 * k unread (its input looks binary); `buffer`, if given, is read into. A short read means the input changed:
 * `read` throws.
 */
export function* unitSteps(
  task: UnitTask, o: PassOptions, tools: PassTools, read: (source: number, offset: number, buf: Uint8Array) => number,
  chunkBytes: number, skip: (k: number) => boolean = () => false, buffer?: Uint8Array,
): Generator<number, UnitResult> {
  const run = new UnitRun(task, o, tools);
  // a caller running many units passes its own buffer: a new one per unit is external memory only a full GC frees
  const buf = buffer && buffer.length >= chunkBytes ? buffer : new Uint8Array(chunkBytes);
  for (let k = 0; k < task.pieces.length; k++) {
    if (skip(k)) continue;
    const p = task.pieces[k], feed = run.piece(k);
    for (let at = p.start; at < p.end && !feed.stopped; ) {
      const n = read(p.source, at, buf.subarray(0, Math.min(chunkBytes, p.end - at)));
      if (n <= 0) throw new RangeError(`unitSteps: input ${p.source} ended at byte ${at}, before ${p.end}`);
      feed.push(buf.subarray(0, n));
      at += n;
      yield n;
    }
    feed.end();
  }
  return run.finish();
}

/** Run a unit to its end (no yielding). */
export function runUnit(...args: Parameters<typeof unitSteps>): UnitResult {
  const steps = unitSteps(...args);
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}
