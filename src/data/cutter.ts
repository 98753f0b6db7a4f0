/**
 * Text → sequences, streamed: text arrives in pieces of any size (a decoder's
 * slices) and leaves as the sequences of the split mode, the same ones
 * splitting the whole text at once gives (data/corpus.ts forEachSequence is
 * this, on one string). CRLF and lone CR read as LF, also when a CR and its LF
 * arrive in different pieces.
 *
 *   lines       every non-blank line;
 *   paragraphs  the text between separators /\n[^\S\n]*\n\s*\/ (a blank line and
 *               all white space after it), leading and trailing LFs dropped,
 *               blank ones skipped;
 *   none        the whole text is one sequence; it leaves in pieces cut just
 *               after white space (no token, and no lowercasing context, spans
 *               white space) or, for char-level text kept in case, anywhere.
 *
 * A sequence leaves as (s, start, end): the code units s[start, end), so a line
 * is never copied out of the slice it sits in. In lines mode the cutter can
 * instead hand on batches (`batches`): s[start, end) is then one or more whole
 * lines, LF between them and the last ending at `end`, blank ones included
 * (the receiver skips them: forEachLine), so a slice of many short lines costs
 * one call instead of one per line. A line or paragraph is still one
 * string however long (inherent: it is one sequence); `none` never builds one.
 * Browser-safe.
 */
import type { SplitMode } from './text.js';

export type TextRange = (s: string, start: number, end: number) => void;

/** White space as /\s/ has it (one UTF-16 code unit). */
export function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** s[start, end) holds nothing but white space (what !/\S/.test(slice) says). */
export function isBlank(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isSpace(s.charCodeAt(i))) return false;
  return true;
}

export class SequenceCutter {
  /** a CR at the end of the last piece: LF whether or not an LF follows */
  private cr = false;
  /** the start of a line (or of a `none` piece) still waiting for its end */
  private held: string[] = [];
  /** paragraphs: the lines of the paragraph being read; skipping the white space after a separator */
  private para: string[] = [];
  private skipping = false;

  /**
   * `anywhere`: a `none` sequence may leave in pieces cut at any code point (char level, case kept);
   * `batches` (lines mode): hand on batches of whole lines, blank ones included.
   */
  constructor(
    private readonly split: SplitMode,
    private readonly anywhere: boolean,
    private readonly out: TextRange,
    private readonly batches = false,
  ) {
    if (batches && split !== 'lines') throw new RangeError(`SequenceCutter: batches of lines in ${split} mode`);
  }

  push(text: string): void {
    let t = this.cr ? '\r' + text : text;
    this.cr = t.charCodeAt(t.length - 1) === 13;
    if (this.cr) t = t.slice(0, -1);
    if (t.indexOf('\r') >= 0) t = t.replace(/\r\n?/g, '\n');
    if (t.length === 0) return;
    if (this.split === 'none') this.piece(t);
    else this.lines(t);
  }

  end(): void {
    if (this.cr) {
      this.cr = false;
      this.push('\n');
    }
    const rest = this.held.join('');
    this.held = [];
    if (this.split === 'none') {
      if (rest.length > 0) this.out(rest, 0, rest.length);
      return;
    }
    if (rest.length > 0) this.line(rest, 0, rest.length, false);
    if (this.split === 'paragraphs') this.endParagraph();
  }

  private piece(t: string): void {
    let k = t.length;
    if (!this.anywhere) while (k > 0 && !isSpace(t.charCodeAt(k - 1))) k--;
    if (k === 0) {
      this.held.push(t);
      return;
    }
    let s = t;
    if (this.held.length > 0) {
      this.held.push(t);
      s = this.held.join('');
      k += s.length - t.length;
      this.held = [];
    }
    this.out(s, 0, k);
    if (k < s.length) this.held.push(s.slice(k));
  }

  private lines(t: string): void {
    let b = 0, e = t.indexOf('\n');
    if (e < 0) {
      this.held.push(t);
      return;
    }
    if (this.held.length > 0) {
      this.held.push(t.slice(0, e));
      const first = this.held.join('');
      this.held = [];
      this.line(first, 0, first.length, true);
      b = e + 1;
      e = t.indexOf('\n', b);
    }
    if (this.batches) {
      const last = t.lastIndexOf('\n');
      if (last >= b) this.out(t, b, last);
      b = last + 1;
    } else {
      for (; e >= 0; e = t.indexOf('\n', b)) {
        this.line(t, b, e, true);
        b = e + 1;
      }
    }
    if (b < t.length) this.held.push(t.slice(b));
  }

  /** One line, without its LF; `ended`: an LF follows it (false only for the text's last line). */
  private line(s: string, a: number, b: number, ended: boolean): void {
    if (this.split === 'lines') {
      if (this.batches || !isBlank(s, a, b)) this.out(s, a, b);
      return;
    }
    const blank = isBlank(s, a, b);
    if (this.skipping) {
      // the separator's \s* runs on to the first character that is not white space
      if (blank) return;
      while (isSpace(s.charCodeAt(a))) a++;
      this.skipping = false;
    } else if (blank && ended && this.para.length > 0) {
      // LF, a blank line, LF: a separator begins at the LF that ended the last line
      this.endParagraph();
      this.skipping = true;
      return;
    }
    this.para.push(s.slice(a, b));
  }

  private endParagraph(): void {
    const lines = this.para;
    this.para = [];
    let first = 0, last = lines.length;
    while (first < last && lines[first].length === 0) first++;
    while (last > first && lines[last - 1].length === 0) last--;
    if (first === last) return;
    const p = first === 0 && last === lines.length ? lines.join('\n') : lines.slice(first, last).join('\n');
    if (!isBlank(p, 0, p.length)) this.out(p, 0, p.length);
  }
}

/**
 * The non-blank lines of a batch (SequenceCutter's `batches`): fn(s, start, end)
 * for each line s[start, end) of s[a, b) (LF between lines, the last ending at b)
 * that has a character other than white space.
 */
export function forEachLine(s: string, a: number, b: number, fn: TextRange): void {
  for (let i = a; i <= b; ) {
    let e = s.indexOf('\n', i);
    if (e < 0 || e > b) e = b;
    if (!isBlank(s, i, e)) fn(s, i, e);
    i = e + 1;
  }
}
