/**
 * The fast paths of preparation against the paths they stand in for: lines
 * handed on in batches against line by line, the scan pass's line count on the
 * bytes against decoding and cutting them, and the word scanners' one-loop
 * token end and hash against the general scanners and hashOf. Inputs are
 * random (every kind of line break and white space, multi-byte and astral
 * characters, a BOM, bytes that are not UTF-8) and cut into chunks of 1–7
 * bytes or code units, so that every boundary falls everywhere.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { SequenceCutter, forEachLine, isSpace } from '../../src/data/cutter.js';
import { LineScanner } from '../../src/data/line-scan.js';
import { hashOf } from '../../src/data/token-table.js';
import { Utf8Decoder } from '../../src/data/utf8.js';
import { chunkEnd, classes, tokenEnd, tokenHash, wordEnd } from '../../src/data/word-scan.js';
import { TRICKY, chunks, randomBytes, randomText } from '../helpers/random-text.js';

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
