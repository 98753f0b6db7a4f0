/**
 * The word scanners' character classes and token ends (scan.ts has the
 * specification): the default tokenizer's token, the whitespace tokenizer's
 * \S+, and tokenEnd, which finds a token's end and its hash (hashOf's) in one
 * loop over the code units when the token is ASCII letters and digits, or one
 * ASCII character, and otherwise falls back on the general scanners.
 * Browser-safe.
 */
import { FNV_BASIS, FNV_PRIME, hashOf } from './token-table.js';

export const SPACE = 1, LMN = 2, NUM = 4;

let bmp: Uint8Array | null = null;
const astral = new Map<number, number>();

function classOf(ch: string): number {
  return (/\s/u.test(ch) ? SPACE : 0) | (/[\p{L}\p{M}\p{N}]/u.test(ch) ? LMN : 0) | (/\p{N}/u.test(ch) ? NUM : 0);
}

/** Class bits of every BMP code unit (surrogates: none), made on first use (~10 ms). */
export function classes(): Uint8Array {
  if (bmp) return bmp;
  const t = new Uint8Array(65536);
  for (let c = 0; c < 65536; c++) if (c < 0xd800 || c > 0xdfff) t[c] = classOf(String.fromCharCode(c));
  return (bmp = t);
}

function astralClass(cp: number): number {
  let k = astral.get(cp);
  if (k === undefined) astral.set(cp, (k = classOf(String.fromCodePoint(cp))));
  return k;
}

/** Class bits of the code point at i (< end), and its length in code units, packed as bits << 2 | length. */
function at(s: string, i: number, end: number, t: Uint8Array): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return (astralClass(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000) << 2) | 2;
  }
  return (t[c] << 2) | 1;
}

/** Class bits of the code point at i, BMP code units read straight from the table. */
function classAt(s: string, i: number, end: number, t: Uint8Array): number {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff ? at(s, i, end, t) >> 2 : t[c];
}

/** End of the run of code points of class `mask` starting at i. */
function runEnd(s: string, i: number, end: number, mask: number, t: Uint8Array): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const x = at(s, i, end, t);
      if (((x >> 2) & mask) === 0) break;
      i += x & 3;
    } else if ((t[c] & mask) === 0) break;
    else i++;
  }
  return i;
}

function isJoiner(c: number): boolean {
  return c === 0x27 || c === 0x2d || c === 0x2019 || c === 0x2010; // ' - ’ ‐
}

/** End of the default tokenizer's token that starts at i (s[i] is not white space). */
export function wordEnd(s: string, i: number, end: number, t: Uint8Array): number {
  const k = classAt(s, i, end, t);
  if (k & NUM) {
    let j = runEnd(s, i, end, NUM, t), groups = 0;
    for (let c = s.charCodeAt(j); j + 1 < end && (c === 0x2e || c === 0x2c) && classAt(s, j + 1, end, t) & NUM; c = s.charCodeAt(j)) {
      j = runEnd(s, j + 1, end, NUM, t);
      groups++;
    }
    if (groups > 0) return j;
  }
  if (k & LMN) {
    let j = runEnd(s, i, end, LMN, t);
    while (j + 1 < end && isJoiner(s.charCodeAt(j)) && classAt(s, j + 1, end, t) & LMN) j = runEnd(s, j + 1, end, LMN, t);
    return j;
  }
  return i + (at(s, i, end, t) & 3);
}

/** End of the whitespace tokenizer's token (\S+) that starts at i. */
export function chunkEnd(s: string, i: number, end: number, t: Uint8Array): number {
  while (i < end && (t[s.charCodeAt(i)] & SPACE) === 0) i++;
  return i;
}

/** ASCII letters and digits (1), and white space (2). */
const ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII[c] = /[A-Za-z0-9]/.test(String.fromCharCode(c)) ? 1 : /\s/.test(String.fromCharCode(c)) ? 2 : 0;

/** The hash of the token tokenEnd found last. */
export const tokenHash = new Int32Array(1);

/**
 * End of the token that starts at i (s[i] is not white space; `ws`: the
 * whitespace tokenizer), its hash left in tokenHash[0]. A token of ASCII
 * letters and digits that starts with a letter (never a number, so no [.,]
 * groups) ends at the first code unit that is neither: when that is ASCII and
 * no joiner, it is the end; else (' - or anything past ASCII) the general scanner
 * decides.
 */
export function tokenEnd(s: string, i: number, end: number, t: Uint8Array, ws: boolean): number {
  const c = s.charCodeAt(i);
  if (c < 128) {
    const k = ASCII[c];
    if (k === 0 && !ws) {
      // ASCII punctuation: a token of its own
      tokenHash[0] = Math.imul(FNV_BASIS ^ c, FNV_PRIME);
      return i + 1;
    }
    if (ws || c > 0x39) {
      let h = Math.imul(FNV_BASIS ^ c, FNV_PRIME), j = i + 1;
      for (; j < end; j++) {
        const d = s.charCodeAt(j);
        if (d >= 128 || (ws ? ASCII[d] === 2 : ASCII[d] !== 1)) {
          if (d >= 128 || (!ws && (d === 0x27 || d === 0x2d))) j = -1;
          break;
        }
        h = Math.imul(h ^ d, FNV_PRIME);
      }
      if (j >= 0) {
        tokenHash[0] = h;
        return j;
      }
    }
  }
  const j = ws ? chunkEnd(s, i, end, t) : wordEnd(s, i, end, t);
  tokenHash[0] = hashOf(s, i, j);
  return j;
}
