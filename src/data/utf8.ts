/**
 * UTF-8 bytes → text, incrementally: a file read in chunks of any size (down
 * to one byte) decodes to exactly what decoding it whole gives, and no string
 * longer than SLICE code units is ever made, whatever the file's size.
 *
 * How: a chunk is decoded up to its last complete code point; the bytes of an
 * incomplete one wait for the next chunk. Cutting just before a byte that is
 * not a continuation byte (10xxxxxx) never changes what a decoder outputs, valid
 * or not (it is where a decoder is back in its initial state), so every slice
 * is decoded on its own, by the platform's TextDecoder.
 *
 * Strict (the default): the first ill-formed sequence is recorded as
 * { offset, byte }, the same offset and byte readText names
 * (core/utf8.ts firstInvalidUtf8), and nothing after it is decoded. With
 * `replaceInvalid` every ill-formed sequence becomes U+FFFD exactly as
 * TextDecoder replaces it in a whole file. A file's leading BOM is dropped (as
 * readText does: up to two U+FEFF), only when the decoder starts at byte 0.
 * Browser-safe.
 */
import { firstInvalidUtf8, isContinuationByte, utf8SequenceLength } from '../core/utf8.js';

export interface InvalidUtf8 {
  /** offset in the file of the first byte of the ill-formed sequence */
  offset: number;
  byte: number;
}

/** Decoded strings stay well below V8's large-object size (~128 KB), where making strings gets slow. */
export const SLICE = 32 * 1024;

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const replacing = new TextDecoder('utf-8', { ignoreBOM: true });

export class Utf8Decoder {
  /** the first ill-formed sequence (strict mode); decoding stops there */
  invalid: InvalidUtf8 | null = null;
  private readonly replace: boolean;
  /** file offset of the next byte pushed */
  private offset: number;
  /** bytes of an incomplete code point at the end of the last chunk, and a buffer to join them to the next */
  private carry = new Uint8Array(4);
  private carryLength = 0;
  private joined = new Uint8Array(0);
  /** U+FEFF still to drop at the start of the file (0 when not starting at byte 0) */
  private boms: number;
  private started = false;

  constructor(
    private readonly emit: (text: string) => void,
    o: { replaceInvalid: boolean; offset: number },
  ) {
    this.replace = o.replaceInvalid;
    this.offset = o.offset;
    this.boms = o.offset === 0 ? 2 : 0;
  }

  push(chunk: Uint8Array): void {
    if (this.invalid || chunk.length === 0) return;
    let b = chunk, base = this.offset;
    if (this.carryLength > 0) {
      const n = this.carryLength + chunk.length;
      if (this.joined.length < n) this.joined = new Uint8Array(Math.max(n, 2 * this.joined.length));
      this.joined.set(this.carry.subarray(0, this.carryLength));
      this.joined.set(chunk, this.carryLength);
      b = this.joined.subarray(0, n);
      base -= this.carryLength;
    }
    this.offset += chunk.length;
    const end = completeEnd(b);
    this.carryLength = b.length - end;
    this.carry.set(b.subarray(end));
    this.decode(b, base, end);
  }

  /** The end of the input: an incomplete code point left over is ill-formed. */
  end(): void {
    if (this.invalid || this.carryLength === 0) return;
    const rest = this.carry.slice(0, this.carryLength);
    this.carryLength = 0;
    this.decode(rest, this.offset - rest.length, rest.length);
  }

  /** Decode b[0, end) (whose file offset is `base`) in slices of at most SLICE bytes. */
  private decode(b: Uint8Array, base: number, end: number): void {
    for (let start = 0; start < end && !this.invalid; ) {
      let stop = Math.min(end, start + SLICE);
      if (stop < end) stop = sliceEnd(b, start, stop);
      this.decodeSlice(b.subarray(start, stop), base + start);
      start = stop;
    }
  }

  private decodeSlice(s: Uint8Array, base: number): void {
    let text: string;
    if (this.replace) text = replacing.decode(s);
    else {
      try {
        text = fatal.decode(s);
      } catch {
        const at = Math.max(0, firstInvalidUtf8(s));
        this.invalid = { offset: base + at, byte: s[at] };
        return;
      }
    }
    if (!this.started) text = this.dropBoms(text);
    if (text.length > 0) this.emit(text);
  }

  private dropBoms(text: string): string {
    let i = 0;
    while (this.boms > 0 && i < text.length && text.charCodeAt(i) === 0xfeff) {
      i++;
      this.boms--;
    }
    if (i < text.length) this.started = true;
    return i > 0 ? text.slice(i) : text;
  }
}

/** Where the complete code points of `b` end: before a trailing lead byte still waiting for continuation bytes. */
function completeEnd(b: Uint8Array): number {
  const n = b.length;
  for (let j = n - 1; j >= 0 && j >= n - 3; j--) {
    if (!isContinuationByte(b[j])) return utf8SequenceLength(b[j]) > n - j ? j : n;
  }
  return n;
}

/** A cut at or a little before `stop` where decoding can restart: before a byte that is not a continuation byte. */
function sliceEnd(b: Uint8Array, start: number, stop: number): number {
  for (let j = stop; j > stop - 4 && j > start; j--) if (!isContinuationByte(b[j])) return j;
  // four continuation bytes in a row: the last is a stray, decoded alone either way
  return stop;
}
