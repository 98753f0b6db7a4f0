/**
 * The fast paths of preparation against the paths they stand in for: lines
 * handed on in batches against line by line, the scan pass's line count on the
 * bytes against decoding and cutting them, the word scanners' one-loop
 * token end and hash against the general scanners and hashOf, and char-level
 * lines counted and encoded in runs against one sequence at a time and against
 * the specification. Inputs are
 * random (every kind of line break and white space, multi-byte and astral
 * characters, a BOM, bytes that are not UTF-8) and cut into chunks of 1–7
 * bytes or code units, so that every boundary falls everywhere.
 */
import { describe, expect, it } from 'vitest';
import { EOS, UNK } from '../../src/core/ids.js';
import { Rng } from '../../src/core/rng.js';
import { isValidationIndex } from '../../src/data/corpus.js';
import { SequenceCutter, forEachLine, isSpace } from '../../src/data/cutter.js';
import { LineScanner } from '../../src/data/line-scan.js';
import type { IdArray } from '../../src/data/scan.js';
import { hashOf } from '../../src/data/token-table.js';
import { passTools, runUnit, type PassOptions, type UnitTask } from '../../src/data/units.js';
import { Utf8Decoder } from '../../src/data/utf8.js';
import { chunkEnd, classes, tokenEnd, tokenHash, wordEnd } from '../../src/data/word-scan.js';
import { TRICKY, chunks, randomBytes, randomText } from '../helpers/random-text.js';
import { referenceSequences } from '../helpers/reference-prepare.js';

function pieces(text: string, sizes: number[]): string[] {
  const out: string[] = [];
  for (let at = 0, k = 0; at < text.length; k++) {
    out.push(text.slice(at, at + sizes[k % sizes.length]));
    at += sizes[k % sizes.length];
  }
  return out;
}

function lines(text: string, sizes: number[], batches: boolean): string[] {
  const out: string[] = [];
  const keep = (s: string, a: number, b: number): void => void out.push(s.slice(a, b));
  const c = new SequenceCutter('lines', false, batches ? (s, a, b) => forEachLine(s, a, b, keep) : keep, batches);
  for (const p of pieces(text, sizes)) c.push(p);
  c.end();
  return out;
}

/** Non-blank lines of bytes, as the decoding passes see them (decoded, bad bytes replaced, cut into lines). */
function decodedLines(b: Uint8Array, sizes: number[]): number {
  let n = 0;
  const cutter = new SequenceCutter('lines', false, () => n++);
  const d = new Utf8Decoder((t) => cutter.push(t), { replaceInvalid: true, offset: 0 });
  for (const c of chunks(b, sizes)) d.push(c);
  d.end();
  cutter.end();
  return n;
}

function scannedLines(b: Uint8Array, sizes: number[]): number {
  const s = new LineScanner();
  for (const c of chunks(b, sizes)) s.push(c);
  s.end();
  return s.lines;
}

describe('lines in batches', () => {
  it('are the lines the cutter hands on one by one, whatever the pieces', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 400; trial++) {
      const text = randomText(rng, rng.int(80));
      const sizes = trial % 4 === 0 ? [1] : Array.from({ length: 4 }, () => 1 + rng.int(9));
      expect(lines(text, sizes, true), JSON.stringify([text, sizes])).toEqual(lines(text, sizes, false));
    }
  });

  it('are refused outside lines mode', () => {
    expect(() => new SequenceCutter('paragraphs', false, () => {}, true)).toThrow(RangeError);
  });
});

describe('the scan pass\'s line count on bytes', () => {
  it('is the count of non-blank decoded lines, for text and bytes that are not UTF-8, in chunks of every size', () => {
    const rng = new Rng(12);
    for (let trial = 0; trial < 600; trial++) {
      const b = trial % 3 === 0 ? new TextEncoder().encode(randomText(rng, rng.int(60))) : randomBytes(rng, rng.int(200), trial % 3 === 1 ? 0 : 0.05);
      const sizes = trial % 4 === 0 ? [1] : Array.from({ length: 5 }, () => 1 + rng.int(7));
      expect(scannedLines(b, sizes), JSON.stringify([Array.from(b), sizes])).toBe(decodedLines(b, sizes));
    }
  });

  it('tells white space from text for every BMP code point, also cut inside its bytes and after a stray byte', () => {
    const enc = new TextEncoder();
    const bad: number[] = [];
    for (let c = 1; c < 0x10000; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const ch = String.fromCharCode(c);
      for (const b of [enc.encode(`\n${ch}\n`), Uint8Array.from([...enc.encode(`${ch} `), 0xe2, 0x80])]) {
        for (const sizes of [[b.length], [1], [2]]) if (scannedLines(b, sizes) !== decodedLines(b, sizes)) bad.push(c);
      }
      if (scannedLines(enc.encode(ch), [1]) !== (isSpace(c) ? 0 : 1)) bad.push(c);
    }
    expect(bad).toEqual([]);
  });
});

describe('the word scanners\' token end and hash in one loop', () => {
  const ALPHABET = [...TRICKY, 'x', 'Yz', '42', 'a1', '_', '#', "'", '-', 'o\'er', 'ab-', 'é', '\u0301', 'Ⅻ', '٣'];
  it('end each token where the general scanners do, with hashOf\'s hash', () => {
    const rng = new Rng(13), t = classes();
    for (let trial = 0; trial < 500; trial++) {
      const s = randomText(rng, 1 + rng.int(30), ALPHABET);
      for (const ws of [false, true]) {
        for (let i = 0; i < s.length; i++) {
          if (isSpace(s.charCodeAt(i))) continue;
          for (const end of [s.length, i + 1 + rng.int(s.length - i)]) {
            const want = ws ? chunkEnd(s, i, end, t) : wordEnd(s, i, end, t);
            const got = tokenEnd(s, i, end, t, ws);
            expect(got, JSON.stringify([s, i, end, ws])).toBe(want);
            expect(tokenHash[0]).toBe(hashOf(s, i, want));
          }
        }
      }
    }
  });
});

/** A char-level lines-mode unit over `b` read in chunks of `sizes`: its count and encode results, and the ids it wrote. */
function charUnit(b: Uint8Array, sizes: number[], o: { lowercase: boolean; replaceInvalid: boolean; vocab: string[] }) {
  const task: UnitTask = {
    index: 0, pieces: [{ source: 0, start: 0, end: b.length, part: 'auto', closes: false, emit: false }],
    autoOffset: 3, trainOffset: 2, trainAt: 0, valAt: 0,
  };
  let k = 0;
  const read = (_: number, at: number, buf: Uint8Array): number => {
    const n = Math.min(buf.length, sizes[k++ % sizes.length], b.length - at);
    buf.set(b.subarray(at, at + n));
    return n;
  };
  const base = { text: { level: 'char', split: 'lines', tokenize: 'default', lowercase: o.lowercase }, valFrac: 0.3, replaceInvalid: o.replaceInvalid, blockSize: 2 } as const;
  const counting: PassOptions = { ...base, mode: 'count', collect: true };
  const count = runUnit(task, counting, passTools(counting, null, null), read, 8);
  const ids = { train: [] as number[], val: [] as number[] };
  const sink = (to: number[]) => ({ write: (a: IdArray, n: number) => void to.push(...a.subarray(0, n)) });
  const encoding: PassOptions = { ...base, mode: 'encode', collect: false };
  k = 0;
  const encode = runUnit(task, encoding, passTools(encoding, o.vocab, { train: sink(ids.train), val: sink(ids.val) }, Uint32Array), read, 8);
  const counts = count.counts as { codePoints: Int32Array; counts: Float64Array } | null;
  return { count: { ...count, counts: counts && { codePoints: [...counts.codePoints], counts: [...counts.counts] } }, encode, ids };
}

/** What the specification makes of a unit's text (charUnit's task: 'auto' sequences from index 3, training ones from 2, blocks of 2). */
function charReference(text: string, vocab: string[]) {
  const piece = { train: { sequences: 0, tokens: 0, oov: 0, chars: 0 }, val: { sequences: 0, tokens: 0, oov: 0, chars: 0 } };
  const counts = new Map<number, number>(), ids = { train: [] as number[], val: [] as number[] }, blocks: number[] = [];
  const seqs = referenceSequences(text, 'lines');
  let trainSeen = 0;
  seqs.forEach((s, i) => {
    const val = isValidationIndex(3 + i, 0.3), cps = Array.from(s);
    if (!val) {
      if ((2 + trainSeen++) % 2 === 0) blocks.push(ids.train.length - 1);
      for (const ch of cps) counts.set(ch.codePointAt(0)!, (counts.get(ch.codePointAt(0)!) ?? 0) + 1);
    }
    const part = val ? piece.val : piece.train, out = val ? ids.val : ids.train;
    for (const ch of cps) out.push(vocab.indexOf(ch) > 1 ? vocab.indexOf(ch) : UNK);
    out.push(EOS);
    part.sequences++;
    part.tokens += cps.length + 1;
    part.chars += cps.length + 1;
    part.oov += cps.filter((ch) => !(vocab.indexOf(ch) > 1)).length;
  });
  const cps = [...counts.keys()].sort((x, y) => x - y);
  return { piece, autoSequences: seqs.length, counts: { codePoints: cps, counts: cps.map((cp) => counts.get(cp)!) }, ids, blocks };
}

describe('char-level lines counted and encoded in runs', () => {
  // a vocabulary that leaves some characters out, so that <unk> comes up
  const VOCAB = ['<eos>', '<unk>', ...' \tabcdehtZ.,3é東😀\u00a0\u3000-'];

  it('give what the specification gives, with bytes that are not UTF-8 replaced, in chunks of every size', () => {
    const rng = new Rng(14);
    for (let trial = 0; trial < 300; trial++) {
      const b = randomBytes(rng, rng.int(160), trial % 2 === 0 ? 0 : 0.05);
      const sizes = trial % 4 === 0 ? [1] : Array.from({ length: 5 }, () => 1 + rng.int(7));
      const got = charUnit(b, sizes, { lowercase: false, replaceInvalid: true, vocab: VOCAB });
      let text = new TextDecoder('utf-8').decode(b);
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const want = charReference(text, VOCAB), what = JSON.stringify([Array.from(b), sizes]);
      for (const r of [got.count, got.encode]) {
        // the count pass counts no <unk>s (it has no vocabulary yet)
        const unk = r === got.count ? { oov: 0 } : {};
        expect(r.pieces[0]!.train, what).toEqual({ ...want.piece.train, ...unk });
        expect(r.pieces[0]!.val, what).toEqual({ ...want.piece.val, ...unk });
        expect(r.pieces[0]!.autoSequences, what).toBe(want.autoSequences);
      }
      expect(got.count.counts, what).toEqual(want.counts);
      expect(got.ids, what).toEqual(want.ids);
      expect(got.encode.blocks, what).toEqual(want.blocks);
    }
  });

  it('give what one line at a time gives, also when strict decoding stops at a bad byte', () => {
    // text that lowercasing leaves as it is goes through the line-by-line path with --lowercase, and through runs without
    const CASELESS = TRICKY.filter((t) => t.toLowerCase() === t);
    const rng = new Rng(15);
    for (let trial = 0; trial < 300; trial++) {
      const text = randomText(rng, rng.int(60), CASELESS);
      const b = new TextEncoder().encode(text);
      if (trial % 2 === 1) for (let j = 0; j < 2; j++) b[rng.int(b.length + 1)] = 0xff;
      const sizes = trial % 4 === 0 ? [1] : Array.from({ length: 5 }, () => 1 + rng.int(7));
      for (const replaceInvalid of [false, true]) {
        const runs = charUnit(b, sizes, { lowercase: false, replaceInvalid, vocab: VOCAB });
        const lines = charUnit(b, sizes, { lowercase: true, replaceInvalid, vocab: VOCAB });
        expect(runs, JSON.stringify([Array.from(b), sizes, replaceInvalid])).toEqual(lines);
      }
    }
  });
});
