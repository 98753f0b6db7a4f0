/**
 * What a text file's bytes say about its encoding, for reading it and for
 * telling the user what to do when it is not UTF-8. Browser-safe: bytes in.
 *
 * recur reads UTF-8, and UTF-16 when a byte-order mark says so (FF FE little
 * endian, FE FF big endian: unambiguous, so it is simply read). Anything else
 * that is not valid UTF-8 is refused with a hint that names the likely
 * encoding instead of always guessing Latin-1: a single-byte Cyrillic or Greek
 * code page (cp1251, koi8-r, cp1253) puts most of a word's letters above 0x7F,
 * Western European text (Latin-1, cp1252) only its accented ones, and UTF-16
 * without a mark has a 0 byte in every other place.
 */

export type Utf16 = 'utf-16le' | 'utf-16be';

/** The UTF-16 byte order a leading BOM announces, or null. */
export function utf16Bom(b: Uint8Array): Utf16 | null {
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  return null;
}

/** True when every other byte of the first KB is 0 (ASCII text in UTF-16 without a BOM). */
export function looksUtf16(b: Uint8Array): boolean {
  const n = Math.min(b.length, 1024) & ~1;
  if (n < 8) return false;
  let even = 0, odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) even++;
    if (b[i + 1] === 0) odd++;
  }
  return Math.max(even, odd) > 0.4 * (n / 2) && Math.min(even, odd) < 0.05 * (n / 2);
}

/** How to convert a file that is not UTF-8: an iconv command for its likely encoding. */
export function conversionHint(b: Uint8Array): string {
  if (looksUtf16(b)) return 'it looks like UTF-16 without a byte-order mark; convert it (e.g. iconv -f utf-16le -t utf-8)';
  // of the bytes that belong to words (letters: ASCII letters or any byte above 0x7F), how many are high
  let letters = 0, high = 0;
  for (let i = 0; i < Math.min(b.length, 1 << 16); i++) {
    const c = b[i];
    if (c >= 0x80) {
      high++;
      letters++;
    } else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) letters++;
  }
  if (letters > 0 && high / letters > 0.5) {
    return 'most of its letters are outside ASCII, as in a single-byte Cyrillic or Greek code page; convert it (e.g. iconv -f cp1251 -t utf-8 for Russian Windows text, -f koi8-r, or -f cp1253 for Greek)';
  }
  return 'convert it (e.g. iconv -f cp1252 -t utf-8 for Western European text; name its real encoding after -f)';
}
