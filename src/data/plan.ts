/**
 * Planning a preparation: the inputs become pieces (byte ranges) and pieces
 * become units (units.ts), so that the passes can run over threads and the
 * result never depends on how the work was cut.
 *
 * A large part of a file is cut into ranges of about `rangeBytes`, each cut
 * moved forward to a place no sequence spans (the two halves then decode and
 * cut into exactly the sequences of the whole):
 *
 *   lines       just after an LF;
 *   paragraphs  at the first character after a blank-line separator and the
 *               white space that follows it (where the separator match ends);
 *   none        just after an ASCII white space byte other than CR (no token and
 *               no lowercasing context crosses white space) or, for char-level
 *               text kept in case, before any byte that starts a code point,
 *               but never between a CR and its LF.
 *
 * Cut positions are never inside a multi-byte character, so decoding each
 * range on its own gives the text of the whole. In `none` mode with a
 * validation fraction f, each file is first cut in two (docs/token-store.md):
 * at the first LF at or after byte ⌊size·(1 − f)⌋, the LF staying in the
 * training part, or, without one, at the first code point boundary after it.
 * Lines and paragraphs held out as a tail (`valTail`, for a running text) are
 * cut the same way at a place no sequence spans: just after the first LF at or
 * after that byte, or at the end of the first paragraph separator that begins
 * there; a file with no such place trains whole.
 * Browser-safe: bytes come from a `ReadAt` function.
 */
import { isContinuationByte } from '../core/utf8.js';
import type { SplitMode } from './text.js';
import type { PartName, PieceTask, UnitTask } from './units.js';

/** Read bytes of input `source` at `offset` into buf; returns how many (0 at the end). */
export type ReadAt = (source: number, offset: number, buf: Uint8Array) => number;

export interface PlanInput {
  size: number;
  /** a training input, or a separate validation file */
  role: PartName;
}

export interface PlanOptions {
  split: SplitMode;
  /** held-out fraction (0 when there are separate validation files) */
  valFrac: number;
  /** lines and paragraphs: hold out the end of each file (a running text), not every n-th sequence */
  valTail?: boolean;
  /** ranges of about this many bytes (Infinity: a file is never cut) */
  rangeBytes: number;
  /** none mode: a sequence may be cut at any code point (char level, case kept) */
  anywhere: boolean;
}

const WINDOW = 64 * 1024;

/** Random access to one input's bytes through a cached window. */
class Bytes {
  private buf = new Uint8Array(WINDOW);
  private base = 0;
  private n = 0;
  constructor(private readonly read: ReadAt, private readonly source: number, readonly end: number) {}

  /** The byte at p, or −1 at or after the end. */
  at(p: number): number {
    if (p >= this.end) return -1;
    if (p < this.base || p >= this.base + this.n) {
      this.base = p;
      this.n = this.read(this.source, p, this.buf.subarray(0, Math.min(WINDOW, this.end - p)));
      if (this.n === 0) return -1;
    }
    return this.buf[p - this.base];
  }

  /** The first LF at or after p, or −1. */
  lf(p: number): number {
    for (let q = p; q < this.end; q += this.n) {
      if (this.at(q) < 0) return -1;
      const i = this.buf.subarray(q - this.base, this.n).indexOf(10);
      if (i >= 0) return q + i;
      q = this.base;
    }
    return -1;
  }
}

/** Where the validation part of a `none` file begins (docs/token-store.md). */
export function noneValidationCut(read: ReadAt, source: number, size: number, valFrac: number): number {
  const x = Math.floor(size * (1 - valFrac));
  if (x >= size) return size;
  const b = new Bytes(read, source, size);
  const lf = b.lf(x);
  if (lf >= 0) return lf + 1;
  let p = x;
  while (p < size && isContinuationByte(b.at(p))) p++;
  return p;
}

/** Where the held-out tail of a lines or paragraphs file begins (its size: none). */
export function tailValidationCut(read: ReadAt, source: number, size: number, valFrac: number, split: 'lines' | 'paragraphs'): number {
  const x = Math.floor(size * (1 - valFrac));
  if (x >= size) return size;
  const b = new Bytes(read, source, size);
  const cut = split === 'lines' ? b.lf(x) + 1 : paragraphCut(b, x);
  return cut > 0 ? cut : size;
}

/** Length of the white-space code point (/\s/) at p, or 0. */
function spaceAt(b: Bytes, p: number): number {
  const c = b.at(p);
  if (c === 0x20 || (c >= 9 && c <= 13)) return 1;
  if (c === 0xc2) return b.at(p + 1) === 0xa0 ? 2 : 0;
  if (c === 0xe1) return b.at(p + 1) === 0x9a && b.at(p + 2) === 0x80 ? 3 : 0;
  if (c === 0xe2) {
    const d = b.at(p + 1), e = b.at(p + 2);
    if (d === 0x80) return (e >= 0x80 && e <= 0x8a) || e === 0xa8 || e === 0xa9 || e === 0xaf ? 3 : 0;
    return d === 0x81 && e === 0x9f ? 3 : 0;
  }
  if (c === 0xe3) return b.at(p + 1) === 0x80 && b.at(p + 2) === 0x80 ? 3 : 0;
  if (c === 0xef) return b.at(p + 1) === 0xbb && b.at(p + 2) === 0xbf ? 3 : 0;
  return 0;
}

/** Length of the line break at p (LF, CR, CRLF), or 0. */
function breakAt(b: Bytes, p: number): number {
  const c = b.at(p);
  if (c === 10) return 1;
  if (c === 13) return b.at(p + 1) === 10 ? 2 : 1;
  return 0;
}

/** Paragraphs: the end of the first separator match that begins at a line break at or after p, or −1. */
function paragraphCut(b: Bytes, p: number): number {
  for (let i = p; i < b.end; i++) {
    const first = breakAt(b, i);
    if (first === 0) continue;
    let j = i + first;
    for (let w = spaceAt(b, j); w > 0 && breakAt(b, j) === 0; w = spaceAt(b, j)) j += w;
    const second = breakAt(b, j);
    if (second === 0) continue;
    j += second;
    for (let w = spaceAt(b, j); w > 0; w = spaceAt(b, j)) j += w;
    return j < b.end ? j : -1;
  }
  return -1;
}

/** A cut at or after p where no sequence spans (see the module comment), or −1 before `end`. */
function safeCut(b: Bytes, p: number, split: SplitMode, anywhere: boolean): number {
  if (split === 'lines') {
    const lf = b.lf(p);
    return lf >= 0 && lf + 1 < b.end ? lf + 1 : -1;
  }
  if (split === 'paragraphs') return paragraphCut(b, p);
  for (let q = p; q < b.end; q++) {
    const c = b.at(q);
    if (anywhere) {
      if (!isContinuationByte(c) && !(c === 10 && b.at(q - 1) === 13)) return q;
    } else if (c === 0x20 || c === 9 || c === 10 || c === 11 || c === 12) {
      return q + 1 < b.end ? q + 1 : -1;
    }
  }
  return -1;
}

/** Cut [start, end) of a source into ranges of about `rangeBytes` at safe places. */
function ranges(read: ReadAt, source: number, start: number, end: number, o: PlanOptions): number[] {
  const cuts = [start];
  if (end - start <= o.rangeBytes) return [start, end];
  const b = new Bytes(read, source, end);
  for (let nominal = start + o.rangeBytes; nominal < end; ) {
    const c = safeCut(b, nominal, o.split, o.anywhere);
    if (c < 0) break;
    cuts.push(c);
    nominal = c + o.rangeBytes;
  }
  cuts.push(end);
  return cuts;
}

/** The parts of one input: [start, end, part]. */
function partsOf(read: ReadAt, source: number, input: PlanInput, o: PlanOptions): [number, number, PieceTask['part']][] {
  if (input.role === 'val') return [[0, input.size, 'val']];
  if (o.valFrac <= 0) return [[0, input.size, 'train']];
  if (o.split !== 'none' && !o.valTail) return [[0, input.size, 'auto']];
  const cut = o.split === 'none' ? noneValidationCut(read, source, input.size, o.valFrac) : tailValidationCut(read, source, input.size, o.valFrac, o.split);
  const parts: [number, number, PieceTask['part']][] = [[0, cut, 'train']];
  if (cut < input.size) parts.push([cut, input.size, 'val']);
  return parts;
}

/** The inputs as units of work, in order. */
export function planUnits(inputs: readonly PlanInput[], o: PlanOptions, read: ReadAt): UnitTask[] {
  const pieces: PieceTask[] = [];
  inputs.forEach((input, source) => {
    for (const [start, end, part] of partsOf(read, source, input, o)) {
      const cuts = ranges(read, source, start, end, o);
      for (let k = 0; k + 1 < cuts.length; k++) {
        pieces.push({ source, start: cuts[k], end: cuts[k + 1], part, closes: k + 2 === cuts.length, emit: true });
      }
    }
  });
  return groupUnits(pieces, o.rangeBytes);
}

/**
 * Consecutive pieces grouped into units of about `rangeBytes`. A piece that
 * does not start its file sits with the piece that does, or alone: a unit can
 * then tell, from the start of a file, that the file looks binary before it
 * reads the rest of it, and a later range of such a file is dropped whole.
 */
function groupUnits(pieces: PieceTask[], rangeBytes: number): UnitTask[] {
  const units: UnitTask[] = [];
  let cur: PieceTask[] = [], bytes = 0;
  const flush = (): void => {
    if (cur.length > 0) units.push({ index: units.length, pieces: cur, autoOffset: 0, trainOffset: 0, trainAt: 0, valAt: 0 });
    cur = [];
    bytes = 0;
  };
  for (const p of pieces) {
    const alone = p.start > 0 && !cur.some((q) => q.source === p.source);
    if (alone || bytes >= rangeBytes) flush();
    cur.push(p);
    bytes += p.end - p.start;
    if (alone) flush();
  }
  flush();
  return units;
}
