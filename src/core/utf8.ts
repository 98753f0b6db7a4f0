/**
 * Where UTF-8 goes wrong: the one rule for the byte offset that a "not valid
 * UTF-8" message names (readText in node/, the streamed decoder in data/).
 * Browser-safe.
 */

/**
 * Offset of the first byte that starts an ill-formed sequence (a stray
 * continuation byte, a lead byte that cannot start one, a sequence cut short,
 * overlong, a surrogate or beyond U+10FFFF), or −1 when all of `b` is valid.
 */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) { i++; continue; }
    let need: number, min: number;
    if (c >= 0xc2 && c <= 0xdf) { need = 1; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { need = 2; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 3; min = 0x10000; }
    else return i;
    if (i + need >= n) return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** The bytes a sequence that starts with `lead` has (1 for ASCII and for bytes that cannot start one). */
export function utf8SequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

/** A continuation byte (10xxxxxx): never the first byte of a code point. */
export function isContinuationByte(b: number): boolean {
  return (b & 0xc0) === 0x80;
}
