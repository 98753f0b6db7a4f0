/**
 * Counting the non-blank lines of UTF-8 bytes without decoding them: the scan
 * pass (units.ts) in lines mode needs only how many sequences each unit has,
 * and decoding every byte for that was a third of a preparation's work.
 *
 * A line is blank when all its code points are white space (/\s/, cutter.ts
 * isSpace). LF and CR are bytes that never sit inside a multi-byte sequence,
 * and the cutter reads CR and CRLF as LF; taking CR and LF each as a line end
 * adds at most an empty line between CR and LF, which is blank. Inside a line,
 * the bytes are read from its start as the encodings of white space code points
 * (U+0009–000D, U+0020, U+00A0, U+1680, U+2000–200A, U+2028, U+2029, U+202F,
 * U+205F, U+3000, U+FEFF); the first byte that does not continue that match is
 * where the decoder is in its initial state and makes a code point that is not
 * white space (another character, or U+FFFD for bytes that are not UTF-8), so
 * the line has text. A BOM is U+FEFF, white space, whether dropped or not.
 * (Strict decoding stops at bytes that are not UTF-8, with an error the count
 * pass raises; here they count as text.) Browser-safe.
 */

/** Length of the white-space encoding at b[p] (b[p] ≥ 0x80), 0 when there is none, −1 when b ends before it can tell. */
function wideSpaceAt(b: Uint8Array, p: number): number {
  const c = b[p], n = b.length;
  if (c === 0xc2) return p + 1 >= n ? -1 : b[p + 1] === 0xa0 ? 2 : 0;
  if (c !== 0xe1 && c !== 0xe2 && c !== 0xe3 && c !== 0xef) return 0;
  if (p + 1 >= n) return -1;
  const d = b[p + 1];
  const second = c === 0xe1 ? d === 0x9a : c === 0xe2 ? d === 0x80 || d === 0x81 : c === 0xe3 ? d === 0x80 : d === 0xbb;
  if (!second) return 0;
  if (p + 2 >= n) return -1;
  const e = b[p + 2];
  let ok: boolean;
  if (c === 0xe1) ok = e === 0x80;
  else if (c === 0xe3) ok = e === 0x80;
  else if (c === 0xef) ok = e === 0xbf;
  else if (d === 0x80) ok = (e >= 0x80 && e <= 0x8a) || e === 0xa8 || e === 0xa9 || e === 0xaf;
  else ok = e === 0x9f;
  return ok ? 3 : 0;
}

/** Counts the non-blank lines of bytes pushed in chunks of any size (a piece that starts at a line start). */
export class LineScanner {
  /** non-blank lines so far */
  lines = 0;
  /** the line being read has had white space only, so far */
  private blank = true;
  /** the start of a white-space encoding at the end of the last chunk */
  private carry: number[] = [];

  push(chunk: Uint8Array): void {
    let b = chunk;
    if (this.carry.length > 0) {
      b = new Uint8Array(this.carry.length + chunk.length);
      b.set(this.carry);
      b.set(chunk, this.carry.length);
      this.carry = [];
    }
    const n = b.length;
    let blank = this.blank, lines = this.lines;
    for (let p = 0; p < n; ) {
      const c = b[p];
      if (c === 10 || c === 13) {
        blank = true;
        p++;
      } else if (!blank) {
        // inside a line that has text: on to its end
        p++;
        while (p < n && b[p] !== 10 && b[p] !== 13) p++;
      } else if (c === 0x20 || (c >= 9 && c <= 12)) p++;
      else if (c < 0x80) {
        blank = false;
        lines++;
        p++;
      } else {
        const w = wideSpaceAt(b, p);
        if (w > 0) p += w;
        else if (w === 0) {
          blank = false;
          lines++;
          p++;
        } else {
          this.carry = Array.from(b.subarray(p));
          break;
        }
      }
    }
    this.blank = blank;
    this.lines = lines;
  }

  /** The end of the piece: an unfinished encoding left over is not white space. */
  end(): void {
    if (this.carry.length > 0 && this.blank) this.lines++;
    this.carry = [];
    this.blank = true;
  }
}
