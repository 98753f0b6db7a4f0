/**
 * The tokenizers of data/tokenize.ts, as scanners over s[start, end) that make
 * no string per token: corpus preparation counts and encodes hundreds of
 * millions of tokens, and a regular-expression match plus a Map lookup per
 * token (an array and a string each) is several times slower.
 *
 * tokenize.ts's regular expressions stay the specification: test/data/scan.test.ts
 * checks these scanners against them on random text. Word level, default (WORD_RE):
 *
 *   \p{N}+(?:[.,]\p{N}+)+ | [\p{L}\p{M}\p{N}]+(?:['’\-‐][\p{L}\p{M}\p{N}]+)* | \S
 *
 * tried in that order at each character that is not white space; every
 * quantifier is greedy and none needs to give anything back (a shorter run is
 * followed by a character of the same class, never by what comes next in the
 * pattern), so each alternative is one forward scan. Whitespace tokenizer: \S+.
 * Char level: one token per code point (a lone surrogate is one too).
 *
 * Tokens are looked up in TokenTable (token-table.ts), which compares a
 * candidate in place and copies a token only when it is new. Browser-safe.
 */
import { EOS, UNK } from '../core/ids.js';
import { forEachToken, type TokenizerOptions } from './tokenize.js';
import { TokenTable, hashOf } from './token-table.js';
import { SPACE, classes, tokenEnd, tokenHash } from './word-scan.js';


/** Token counts of a stretch of corpus: by code point (char level) or by token (word level). */
export type CountsExport = { codePoints: Int32Array; counts: Float64Array } | { tokens: string[]; counts: Float64Array };

/** word level: distinct tokens a TokenCounts keeps from one stretch to the next (beyond, it starts again empty) */
export const KEEP_TOKENS = 1 << 18;

/** code points below this are counted and looked up in typed arrays, the others in Maps */
const BMP = 0x10000;
const LF = 10;

/** How many word-level tokens s[start, end) has. Lowercasing is the caller's. */
function wordCount(s: string, start: number, end: number, ws: boolean): number {
  const t = classes();
  let n = 0;
  for (let i = start; i < end; ) {
    if (t[s.charCodeAt(i)] & SPACE) {
      i++;
      continue;
    }
    i = tokenEnd(s, i, end, t, ws);
    n++;
  }
  return n;
}

/** Code point of the token s[i, j) (char level: one code point). */
function codePoint(s: string, i: number, j: number): number {
  return j - i === 2 ? s.codePointAt(i)! : s.charCodeAt(i);
}

/**
 * The segment tokenizer's tokens of s[start, end) as strings: Intl.Segmenter
 * has no in-place form, and at its speed the copies do not matter. The text
 * arrives lowercased already.
 */
function forEachSegmentToken(s: string, start: number, end: number, fn: (token: string) => void): void {
  forEachToken(start === 0 && end === s.length ? s : s.slice(start, end), { level: 'word', tokenize: 'segment', lowercase: false }, fn);
}

/**
 * Counts tokens as they stream past; exported and reset per stretch. At word
 * level the tokens' strings stay from one stretch to the next (up to `keep`
 * distinct ones): a unit of preparation makes a string only for a token that
 * no earlier unit on its thread had, so the garbage it leaves does not grow
 * with the number of units.
 */
export class TokenCounts {
  private readonly word: boolean;
  private readonly ws: boolean;
  private readonly segment: boolean;
  private byCode: Float64Array | null = null;
  /** BMP code points counted since the last take(); counts of the others */
  private readonly seen: number[] = [];
  private readonly astral = new Map<number, number>();
  private table = new TokenTable();
  private tokens: string[] = [];
  private counts = new Float64Array(1024);
  /** LFs counted by addLines that are not tokens */
  private lfs = 0;

  constructor(tok: TokenizerOptions, private readonly keep = KEEP_TOKENS) {
    this.word = tok.level === 'word';
    this.ws = tok.tokenize === 'whitespace';
    this.segment = tok.tokenize === 'segment';
    if (!this.word) this.byCode = new Float64Array(BMP);
  }

  private addSegmentWords(s: string, start: number, end: number): number {
    let n = 0;
    forEachSegmentToken(s, start, end, (w) => {
      const h = hashOf(w, 0, w.length);
      let k = this.table.find(w, 0, w.length, h);
      if (k < 0) k = this.newToken(w, 0, w.length, h);
      this.counts[k]++;
      n++;
    });
    return n;
  }

  /** Word level: each token's count, its own loop (a shared one with a callback per token is slower). */
  private addWords(s: string, start: number, end: number): number {
    if (this.segment) return this.addSegmentWords(s, start, end);
    const t = classes(), ws = this.ws, table = this.table;
    let n = 0;
    for (let i = start; i < end; ) {
      if (t[s.charCodeAt(i)] & SPACE) {
        i++;
        continue;
      }
      const j = tokenEnd(s, i, end, t, ws), h = tokenHash[0];
      let k = table.find(s, i, j, h);
      if (k < 0) k = this.newToken(s, i, j, h);
      this.counts[k]++;
      n++;
      i = j;
    }
    return n;
  }

  private newToken(s: string, i: number, j: number, h: number): number {
    const k = this.tokens.length;
    this.tokens.push(this.table.insert(s, i, j, h, k));
    if (k >= this.counts.length) {
      const c = new Float64Array(2 * this.counts.length);
      c.set(this.counts);
      this.counts = c;
    }
    return k;
  }

  /** Word level: the distinct tokens known (their strings kept for the next stretch). */
  get known(): number {
    return this.tokens.length;
  }

  /** Count the tokens of s[start, end); returns how many. */
  add(s: string, start: number, end: number): number {
    if (this.word) return this.addWords(s, start, end);
    // char level, the hot loop of counting: one code unit at a time, pairs of surrogates joined
    const c = this.byCode!, seen = this.seen;
    let n = 0;
    for (let i = start; i < end; i++, n++) {
      const u = s.charCodeAt(i);
      if (u >= 0xd800 && u <= 0xdbff && i + 1 < end) {
        const cp = codePoint(s, i, i + 2);
        if (cp > 0xffff) {
          this.astral.set(cp, (this.astral.get(cp) ?? 0) + 1);
          i++;
          continue;
        }
      }
      if (c[u]++ === 0) seen.push(u);
    }
    return n;
  }

  /**
   * Char level: count the code units of s[start, end), which has no surrogate and `lfs` LFs that are not tokens
   * (lines mode's runs of lines). The LFs are taken off when the counts are taken, so that a count
   * never drops back to zero meanwhile.
   */
  addLines(s: string, start: number, end: number, lfs: number): void {
    const c = this.byCode!, seen = this.seen;
    for (let i = start; i < end; i++) {
      const u = s.charCodeAt(i);
      if (c[u]++ === 0) seen.push(u);
    }
    this.lfs += lfs;
  }

  /** Add n to the count of one code point (char level). */
  addCodePoint(cp: number, n: number): void {
    if (cp >= BMP) this.astral.set(cp, (this.astral.get(cp) ?? 0) + n);
    else {
      if (this.byCode![cp] === 0) this.seen.push(cp);
      this.byCode![cp] += n;
    }
  }

  /** The counts so far (as compact arrays), and start again from zero. */
  take(): CountsExport {
    if (this.byCode) {
      const c = this.byCode;
      c[LF] -= this.lfs;
      this.lfs = 0;
      // a code point seen only as the LFs of addLines has no count left
      const seen = this.seen.filter((cp) => c[cp] > 0).sort((x, y) => x - y), astral = [...this.astral].sort((x, y) => x[0] - y[0]);
      const codePoints = Int32Array.from([...seen, ...astral.map(([cp]) => cp)]);
      const counts = Float64Array.from([...seen.map((cp) => c[cp]), ...astral.map(([, n]) => n)]);
      for (const cp of this.seen) c[cp] = 0;
      this.seen.length = 0;
      this.astral.clear();
      return { codePoints, counts };
    }
    // the tokens counted in this stretch; the table and its strings stay for the next one: new strings per
    // stretch would live until its end, be promoted, and pile up in the old generation with every stretch
    const all = this.tokens, c = this.counts, tokens: string[] = [];
    let n = 0;
    for (let k = 0; k < all.length; k++) if (c[k] > 0) n++;
    const counts = new Float64Array(n);
    for (let k = 0, q = 0; k < all.length; k++) {
      if (c[k] === 0) continue;
      tokens.push(all[k]);
      counts[q++] = c[k];
      c[k] = 0;
    }
    if (all.length > this.keep) {
      // cleared, not replaced: a new table is memory only a full GC gives back
      this.table.clear();
      this.tokens = [];
    }
    return { tokens, counts };
  }
}

/** How many tokens s[start, end) has. */
export function tokenCount(s: string, start: number, end: number, tok: TokenizerOptions): number {
  if (tok.level === 'char') return codePoints(s, start, end);
  if (tok.tokenize === 'segment') {
    let n = 0;
    forEachSegmentToken(s, start, end, () => n++);
    return n;
  }
  return wordCount(s, start, end, tok.tokenize === 'whitespace');
}

/** An array of token ids of one of the types streams are kept in. */
export type IdArray = Uint16Array | Uint32Array | Int32Array;
export type IdArrayType = typeof Uint16Array | typeof Uint32Array | typeof Int32Array;

/** Token ids out, in chunks: where encoded streams go (an array, a shard file, a message to the main thread). */
export interface IdSink {
  /** ids[0, n) are the next ids of the stream, in the array type the encoder was made with; the array is reused after the call */
  write(ids: IdArray, n: number): void;
}

/** Token → id with the vocabulary's rule (Vocab.id): the first entry of a token wins, a literal <eos> is <unk>. */
export class TokenEncoder {
  private readonly word: boolean;
  private readonly ws: boolean;
  private readonly segment: boolean;
  private readonly byCode: Int32Array | null = null;
  private readonly table: TokenTable | null = null;
  private readonly astralIds: Map<number, number> = new Map();
  /** ids waiting to be written, in the type of the stream they go to (so sinks copy, never convert) */
  private readonly buf: IdArray;
  private n = 0;
  oov = 0;

  /** `like`: an encoder of the same vocabulary and tokenizer whose lookup tables this one shares (one copy in the cache, not two). */
  constructor(tokens: readonly string[], tok: TokenizerOptions, private sink: IdSink, ids: IdArrayType = Uint32Array, like?: TokenEncoder) {
    // a flush is a write to the shards: large ones cost fewer system calls
    this.buf = new ids(1 << 17);
    this.word = tok.level === 'word';
    this.ws = tok.tokenize === 'whitespace';
    this.segment = tok.tokenize === 'segment';
    if (like) {
      this.byCode = like.byCode;
      this.table = like.table;
      this.astralIds = like.astralIds;
    } else if (!this.word) {
      const c = (this.byCode = new Int32Array(BMP).fill(UNK)), astral = this.astralIds;
      // backwards, so that the first entry of a token wins (index 0 is <eos>, never a code point)
      for (let id = tokens.length - 1; id > 0; id--) {
        const cp = tokens[id].codePointAt(0)!;
        if (tokens[id].length !== (cp >= BMP ? 2 : 1)) continue;
        if (cp < BMP) c[cp] = id;
        else astral.set(cp, id);
      }
    } else {
      const table = (this.table = new TokenTable(tokens.length));
      tokens.forEach((t, id) => {
        const h = hashOf(t, 0, t.length);
        if (id > 0 && table.find(t, 0, t.length, h) < 0) table.insert(t, 0, t.length, h, id);
      });
    }
  }

  /** Send the ids from here on to another sink (after flushing the ones waiting). */
  redirect(sink: IdSink): void {
    this.flush();
    this.sink = sink;
  }

  put(id: number): void {
    if (id === UNK) this.oov++;
    // the buffer may have been filled to its end by encode()
    if (this.n === this.buf.length) this.flush();
    this.buf[this.n++] = id;
  }

  /** Encode the tokens of s[start, end); returns how many. */
  encode(s: string, start: number, end: number): number {
    if (this.word) return this.encodeWords(s, start, end);
    // char level, the hot loop of encoding: ids straight into the buffer
    const c = this.byCode!, buf = this.buf, size = buf.length;
    let n = 0, p = this.n, oov = 0;
    for (let i = start; i < end; i++, n++) {
      if (p === size) {
        this.n = p;
        this.flush();
        p = 0;
      }
      const u = s.charCodeAt(i);
      let id: number;
      if (u >= 0xd800 && u <= 0xdbff && i + 1 < end && codePoint(s, i, i + 2) > 0xffff) {
        id = this.astralIds.get(codePoint(s, i, i + 2)) ?? UNK;
        i++;
      } else id = c[u];
      if (id === UNK) oov++;
      buf[p++] = id;
    }
    this.n = p;
    this.oov += oov;
    return n;
  }

  /**
   * Char level, lines mode: the ids of s[start, end), which has no surrogate, each LF an <eos> (the end of a line;
   * a run of lines is encoded in one call, not one per line).
   */
  encodeLines(s: string, start: number, end: number): void {
    // LF is <eos> for the length of the call (lines have no LF otherwise: no copy of the table is needed)
    const c = this.byCode!, lf = c[LF], buf = this.buf, size = buf.length;
    c[LF] = EOS;
    try {
      let p = this.n, oov = 0;
      for (let i = start; i < end; ) {
        if (p === size) {
          this.n = p;
          this.flush();
          p = 0;
        }
        // as many as the buffer has room for, with no check for its end (nor a branch for <unk>) in the loop
        const stop = Math.min(end, i + size - p), d = p - i;
        for (; i < stop; i++) {
          const id = c[s.charCodeAt(i)];
          oov += +(id === UNK);
          buf[i + d] = id;
        }
        p = stop + d;
      }
      this.n = p;
      this.oov += oov;
    } finally {
      // also when a flush fails: the table is shared
      c[LF] = lf;
    }
  }

  /** Word level: each token's id, its own loop. */
  private encodeSegmentWords(s: string, start: number, end: number): number {
    const table = this.table!;
    let n = 0;
    forEachSegmentToken(s, start, end, (w) => {
      const id = table.find(w, 0, w.length, hashOf(w, 0, w.length));
      this.put(id < 0 ? UNK : id);
      n++;
    });
    return n;
  }

  private encodeWords(s: string, start: number, end: number): number {
    if (this.segment) return this.encodeSegmentWords(s, start, end);
    const t = classes(), ws = this.ws, table = this.table!, buf = this.buf, size = buf.length;
    let n = 0, p = this.n, oov = 0;
    for (let i = start; i < end; ) {
      if (t[s.charCodeAt(i)] & SPACE) {
        i++;
        continue;
      }
      const j = tokenEnd(s, i, end, t, ws);
      let id = table.find(s, i, j, tokenHash[0]);
      if (id < 0) {
        id = UNK;
        oov++;
      } else if (id === UNK) oov++;
      if (p === size) {
        this.n = p;
        this.flush();
        p = 0;
      }
      buf[p++] = id;
      n++;
      i = j;
    }
    this.n = p;
    this.oov += oov;
    return n;
  }

  flush(): void {
    if (this.n > 0) this.sink.write(this.buf, this.n);
    this.n = 0;
  }
}

/** Code points in s[start, end) (a surrogate pair is one, a lone surrogate one). */
export function codePoints(s: string, start: number, end: number): number {
  let n = end - start;
  for (let i = start; i < end - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}
