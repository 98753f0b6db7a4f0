/** Random text and bytes that hit the corners of decoding, cutting and tokenizing. */
import { Rng } from '../../src/core/rng.js';

/** Pieces of text: line breaks of every kind, Unicode white space, marks, astral characters, numbers, joiners, case. */
export const TRICKY = [
  'a', 'b', 'Z', 'the', 'cat', ' ', ' ', '  ', '\t', '\n', '\n', '\n\n', '\r', '\r\n', '\r\n\r\n', ' \n', '\n \n',
  '\u00a0', '\u2028', '\u3000', '\ufeff', '\v', '\f', 'é', 'e\u0301', '😀', '👍🏽', '東京', '3', '3.14', '1,000', '.', ',',
  "don't", '’', '-', '‐', 're-enter', 'Σ', 'ΟΔΟΣ', 'İ', 'Straße', '<eos>', '<unk>', 'abcdefghijklmnopq', '!', '(', ')',
];

export function randomText(rng: Rng, pieces: number, alphabet: readonly string[] = TRICKY): string {
  let s = '';
  for (let i = 0; i < pieces; i++) s += alphabet[rng.int(alphabet.length)];
  return s;
}

/** Bytes that are mostly UTF-8 text with now and then a byte that breaks it (or a BOM, or a NUL). */
export function randomBytes(rng: Rng, n: number, bad: number): Uint8Array {
  const enc = new TextEncoder();
  const out: number[] = rng.next() < 0.2 ? [0xef, 0xbb, 0xbf] : [];
  while (out.length < n) {
    if (rng.next() < bad) {
      const junk = [0x80, 0xbf, 0xc0, 0xc1, 0xc3, 0xe2, 0xe2, 0x82, 0xed, 0xa0, 0xf0, 0x9f, 0xf4, 0x90, 0xf5, 0xff, 0xe0, 0x80];
      out.push(junk[rng.int(junk.length)]);
    } else out.push(...enc.encode(TRICKY[rng.int(TRICKY.length)]));
  }
  return Uint8Array.from(out);
}

/** Cut bytes into chunks of the given sizes, cycling (sizes 1–7 reach every boundary of a 4-byte character). */
export function chunks(b: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, k = 0; at < b.length; k++) {
    const n = sizes[k % sizes.length];
    out.push(b.subarray(at, at + n));
    at += n;
  }
  return out;
}
