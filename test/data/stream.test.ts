/**
 * The streamed pieces of corpus preparation against their specifications:
 * the decoder against decoding the whole file (readText's rules), the cutter
 * against recur's original whole-text splitter, the scanners against the
 * tokenizers' regular expressions. Inputs are random and cut into chunks of
 * 1–7 bytes (or code units), so that every boundary falls everywhere.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { firstInvalidUtf8 } from '../../src/core/utf8.js';
import { SequenceCutter, isSpace } from '../../src/data/cutter.js';
import { TokenCounts, TokenEncoder, codePoints, tokenCount } from '../../src/data/scan.js';
import type { SplitMode } from '../../src/data/text.js';
import { tokenize, type TokenizerOptions } from '../../src/data/tokenize.js';
import { Utf8Decoder } from '../../src/data/utf8.js';
import { Vocab } from '../../src/data/vocab.js';
import { TRICKY, chunks, randomBytes, randomText } from '../helpers/random-text.js';
import { referenceNormalize, referenceSequences } from '../helpers/reference-prepare.js';

/** What readText makes of a file's bytes: [text, null] or [null, first bad offset]. */
function wholeFile(b: Uint8Array, replace: boolean): [string | null, number] {
  if (!replace) {
    const bad = firstInvalidUtf8(b);
    if (bad >= 0) return [null, bad];
  }
  const t = new TextDecoder('utf-8').decode(b);
  return [t.charCodeAt(0) === 0xfeff ? t.slice(1) : t, -1];
}

function streamed(b: Uint8Array, sizes: number[], replace: boolean): [string | null, number] {
  let out = '';
  const d = new Utf8Decoder((t) => (out += t), { replaceInvalid: replace, offset: 0 });
  for (const c of chunks(b, sizes)) d.push(c);
  d.end();
  return d.invalid ? [null, d.invalid.offset] : [out, -1];
}

describe('streamed UTF-8 decoding', () => {
  it('gives what decoding the whole file gives, for chunks of every size, valid or not, strict or replacing', () => {
    const rng = new Rng(1);
    let invalid = 0;
    for (let trial = 0; trial < 400; trial++) {
      const b = randomBytes(rng, 20 + rng.int(200), trial % 2 === 0 ? 0 : 0.05);
      const sizes = trial % 3 === 0 ? [1] : Array.from({ length: 5 }, () => 1 + rng.int(7));
      for (const replace of [false, true]) {
        const [want, wantBad] = wholeFile(b, replace);
        const [got, gotBad] = streamed(b, sizes, replace);
        expect(gotBad).toBe(wantBad);
        expect(got).toBe(want);
        if (wantBad >= 0) invalid++;
      }
    }
    expect(invalid).toBeGreaterThan(50); // the invalid cases were exercised
  });

  it('names the byte at the offset, drops up to two leading BOMs only at offset 0, and emits nothing past an error', () => {
    const seen: string[] = [];
    const d = new Utf8Decoder((t) => seen.push(t), { replaceInvalid: false, offset: 1000 });
    d.push(Uint8Array.from([0xef, 0xbb, 0xbf, 0x41, 0xe2, 0x28, 0x41]));
    d.end();
    expect(d.invalid).toEqual({ offset: 1004, byte: 0xe2 });
    expect(seen.join('')).not.toContain('(');
    let t = '';
    const e = new Utf8Decoder((s) => (t += s), { replaceInvalid: false, offset: 0 });
    for (const c of chunks(Uint8Array.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x41]), [1])) e.push(c);
    e.end();
    expect(t).toBe('\ufeffA');
  });

  it('never makes a string longer than its slice size from a large chunk', () => {
    const lengths: number[] = [];
    const d = new Utf8Decoder((t) => lengths.push(t.length), { replaceInvalid: false, offset: 0 });
    d.push(new TextEncoder().encode('é'.repeat(100_000)));
    d.end();
    expect(Math.max(...lengths)).toBeLessThanOrEqual(32 * 1024);
    expect(lengths.reduce((a, b) => a + b)).toBe(100_000);
  });
});

describe('white space', () => {
  it('isSpace is /\\s/ for every UTF-16 code unit', () => {
    const bad: number[] = [];
    for (let c = 0; c < 65536; c++) if (isSpace(c) !== /\s/.test(String.fromCharCode(c))) bad.push(c);
    expect(bad).toEqual([]);
  });
});

function cut(text: string, split: SplitMode, sizes: number[], anywhere = false): string[] {
  const out: string[] = [];
  const c = new SequenceCutter(split, anywhere, (s, a, b) => out.push(s.slice(a, b)));
  for (let at = 0, k = 0; at < text.length; k++) {
    const n = sizes[k % sizes.length];
    c.push(text.slice(at, at + n));
    at += n;
  }
  c.end();
  return out;
}

describe('streamed sequence cutting', () => {
  it('gives the sequences of the whole-text splitter for every split mode, whatever the pieces', () => {
    const rng = new Rng(2);
    for (let trial = 0; trial < 300; trial++) {
      const text = randomText(rng, 5 + rng.int(80));
      const sizes = trial % 4 === 0 ? [1] : Array.from({ length: 4 }, () => 1 + rng.int(9));
      for (const split of ['lines', 'paragraphs'] as const) {
        expect(cut(text, split, sizes), JSON.stringify([text, split, sizes])).toEqual(referenceSequences(text, split));
      }
      const whole = cut(text, 'none', [text.length || 1]);
      expect(whole.join('')).toBe(referenceNormalize(text));
      const pieces = cut(text, 'none', sizes);
      expect(pieces.join('')).toBe(referenceNormalize(text));
      // cut only just after white space (or at the end)
      for (const p of pieces.slice(0, -1)) expect(isSpace(p.charCodeAt(p.length - 1))).toBe(true);
    }
  });

  it('a CR and its LF in different pieces are one line break', () => {
    expect(cut('a\r\nb\r\rc\r', 'lines', [2, 1])).toEqual(['a', 'b', 'c']);
    expect(cut('a\r\n\r\nb', 'paragraphs', [2])).toEqual(['a', 'b']);
    expect(cut('x\r\ny\r', 'none', [2], true).join('')).toBe('x\ny\n');
  });
});

const TOKENIZERS: TokenizerOptions[] = [
  { level: 'char', tokenize: 'default', lowercase: false },
  { level: 'word', tokenize: 'default', lowercase: false },
  { level: 'word', tokenize: 'whitespace', lowercase: false },
];

describe('token scanners', () => {
  it('find the tokens of the regular expressions, in ranges of a larger string', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 500; trial++) {
      const text = randomText(rng, 1 + rng.int(40)) + (trial % 5 === 0 ? '\ud83d' : '');
      const pad = randomText(rng, 3);
      const s = pad + text + pad;
      for (const tok of TOKENIZERS) {
        const want = tokenize(text, tok);
        expect(tokenCount(s, pad.length, pad.length + text.length, tok), JSON.stringify([text, tok])).toBe(want.length);
        const vocab = new Vocab(['<eos>', '<unk>', ...new Set(want.filter((_, i) => i % 3 !== 0))]);
        const ids: number[] = [];
        const enc = new TokenEncoder(vocab.tokens, tok, { write: (a, n) => ids.push(...a.subarray(0, n)) });
        enc.encode(s, pad.length, pad.length + text.length);
        enc.flush();
        expect(ids).toEqual(want.map((t) => vocab.id(t)));
        expect(enc.oov).toBe(ids.filter((id) => id === 1).length);
      }
    }
  });

  it('count tokens as a Map of the regular expressions\' tokens would', () => {
    const rng = new Rng(4);
    for (const tok of TOKENIZERS) {
      const counts = new TokenCounts(tok), want = new Map<string, number>();
      for (let trial = 0; trial < 200; trial++) {
        const text = randomText(rng, 1 + rng.int(30));
        counts.add(text, 0, text.length);
        for (const t of tokenize(text, tok)) want.set(t, (want.get(t) ?? 0) + 1);
      }
      const got = new Map<string, number>();
      const c = counts.take();
      if ('tokens' in c) c.tokens.forEach((t, i) => got.set(t, c.counts[i]));
      else c.codePoints.forEach((cp, i) => got.set(String.fromCodePoint(cp), c.counts[i]));
      expect(got).toEqual(want);
      const again = counts.take();
      expect(again.counts.length).toBe(0); // take() starts again from zero
    }
  });

  it('word counts stretch by stretch: each take() has only its stretch; the tokens are kept for the next while at most `keep`', () => {
    const rng = new Rng(5);
    for (const keep of [3, 1 << 18]) {
      for (const tok of TOKENIZERS.filter((t) => t.level === 'word')) {
        const counts = new TokenCounts(tok, keep), seen = new Set<string>();
        for (let stretch = 0; stretch < 12; stretch++) {
          const text = randomText(rng, 1 + rng.int(20)), want = new Map<string, number>();
          counts.add(text, 0, text.length);
          for (const t of tokenize(text, tok)) want.set(t, (want.get(t) ?? 0) + 1);
          const c = counts.take();
          if (!('tokens' in c)) throw new Error('word counts expected');
          expect(new Map(c.tokens.map((t, i) => [t, c.counts[i]])), JSON.stringify([text, tok, keep])).toEqual(want);
          want.forEach((_, t) => seen.add(t));
          // every token so far is still known (no new string for it in the next stretch), unless that is more than `keep`
          expect(counts.known).toBe(seen.size > keep ? 0 : seen.size);
          if (seen.size > keep) seen.clear();
        }
        expect(counts.take().counts.length).toBe(0);
      }
    }
  });

  it('the first vocabulary entry of a token wins, and a literal <eos> is <unk>', () => {
    const v = new Vocab(['<eos>', '<unk>', 'a', 'b', 'a', '<eos>']);
    for (const tok of TOKENIZERS.slice(0, 2)) {
      const ids: number[] = [];
      const enc = new TokenEncoder(v.tokens, tok, { write: (a, n) => ids.push(...a.subarray(0, n)) });
      const s = tok.level === 'char' ? 'ab' : 'a b <eos>';
      enc.encode(s, 0, s.length);
      enc.flush();
      expect(ids).toEqual(tokenize(s, tok).map((t) => v.id(t)));
    }
  });

  it('every id reaches the sink wherever the encoder\'s buffer fills (after a token or an <eos>)', () => {
    for (const tok of TOKENIZERS) {
      const words = tok.level === 'char' ? ['a', 'b', '😀'] : ['a', 'bb', 'c'];
      const v = new Vocab(['<eos>', '<unk>', ...words]);
      for (const len of [1, 2, 3, 7]) {
        const got: number[] = [], want: number[] = [];
        const enc = new TokenEncoder(v.tokens, tok, { write: (a, n) => got.push(...a.subarray(0, n)) });
        const seq = Array.from({ length: len }, (_, i) => words[i % words.length]).join(tok.level === 'char' ? '' : ' ');
        for (let k = 0; k < 40_000 / len; k++) {
          enc.encode(seq, 0, seq.length);
          enc.put(0);
          want.push(...tokenize(seq, tok).map((t) => v.id(t)), 0);
        }
        enc.flush();
        expect(got.length).toBe(want.length);
        expect(got.every((id, i) => id === want[i])).toBe(true);
      }
    }
  });

  it('counts code points in a range', () => {
    for (const t of TRICKY) expect(codePoints('x' + t + '\ud800', 1, 1 + t.length)).toBe(Array.from(t).length);
  });
});
