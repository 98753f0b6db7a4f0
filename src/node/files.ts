/**
 * Reading text files for the CLI (Node only): one-line errors for every way a
 * corpus can be unusable, and strict UTF-8 with the byte offset of the first
 * bad byte (or replacement of bad bytes with U+FFFD on request).
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { Utf8Decoder } from '../data/utf8.js';
import { inputError, formatError } from '../core/errors.js';
import { conversionHint, looksUtf16, utf16Bom } from '../data/encoding.js';
import { firstInvalidUtf8 } from '../core/utf8.js';

export { firstInvalidUtf8 };

export interface ReadTextOptions {
  /** replace invalid UTF-8 with U+FFFD instead of failing */
  replaceInvalid?: boolean;
  /** what the file is, for messages ("corpus", "validation file", …) */
  role?: string;
}

function describeFsError(e: unknown, path: string, role: string): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return inputError(`${role} ${path} does not exist; check the path`);
  if (code === 'EACCES' || code === 'EPERM') return inputError(`${role} ${path} cannot be read (permission denied); check its permissions`);
  if (code === 'EISDIR') return inputError(`${role} ${path} is a folder; give ${role === 'model' ? 'a model file' : role === 'checkpoint' ? 'a checkpoint file' : 'a text file'}`);
  return inputError(`${role} ${path} cannot be read: ${(e as Error).message}`);
}

export function readBytes(path: string, role = 'file'): Uint8Array {
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    return readFileSync(path);
  } catch (e) {
    throw describeFsError(e, path, role);
  }
}

/** Why a file is not read as text: "looks binary (a NUL byte at offset 7)". */
export function looksBinary(nulOffset: number): string {
  return `looks binary (a NUL byte at offset ${nulOffset})`;
}

/**
 * The one-line error for a file that is not UTF-8, naming the first bad byte
 * and its offset; `sample` (the file's first bytes) says which encoding to
 * convert from (data/encoding.ts).
 */
export function invalidUtf8Error(role: string, path: string, byte: number, offset: number, sample: Uint8Array): Error {
  const at = `byte 0x${byte.toString(16).padStart(2, '0')} at offset ${offset}`;
  return inputError(`${role} ${path} is not valid UTF-8 (${at}); ${conversionHint(sample)}, or pass --replace-invalid`);
}

/** The first `n` bytes of a file (fewer if it is shorter; none if it cannot be read). */
export function headBytes(path: string, n = 1 << 16): Uint8Array {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const b = new Uint8Array(n);
    return b.subarray(0, readSync(fd, b, 0, n, 0));
  } catch {
    return new Uint8Array(0);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/**
 * Read a text file: UTF-8 (a leading BOM is dropped), or UTF-16 when a
 * byte-order mark says so. Invalid UTF-8 fails with the byte offset and a hint
 * that names the file's likely encoding (data/encoding.ts), or is replaced with
 * U+FFFD under `replaceInvalid`.
 */
export function readText(path: string, o: ReadTextOptions = {}): string {
  const role = o.role ?? 'file';
  const bytes = readBytes(path, role);
  const utf16 = utf16Bom(bytes);
  if (utf16) return new TextDecoder(utf16).decode(bytes.subarray(2));
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    if (looksUtf16(bytes)) throw inputError(`${role} ${path} is not UTF-8: ${conversionHint(bytes)}`);
    throw inputError(`${role} ${path} ${looksBinary(nul)}; give a plain text file`);
  }
  if (!o.replaceInvalid) {
    const bad = firstInvalidUtf8(bytes);
    if (bad >= 0) throw invalidUtf8Error(role, path, bytes[bad], bad, bytes);
  }
  const text = new TextDecoder('utf-8').decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function readModelBytes(path: string): Uint8Array {
  const b = readBytes(path, 'model');
  if (b.length === 0) throw formatError(`model ${path} is empty; train one with recur train`);
  return b;
}

export interface TextPiecesOptions extends ReadTextOptions {
  /** bytes read per step (default 1 MiB) */
  chunkBytes?: number;
  /** after every step: bytes read so far, of `total` */
  onProgress?: (read: number, total: number) => void;
}

/**
 * A text file's text in pieces, read a chunk at a time (memory bounded by the
 * chunk, whatever the file's size): the text readText gives, with its one-line
 * errors. A NUL byte or invalid UTF-8 past the first chunk is found when it is
 * reached, after the text before it has been handed out.
 */
export async function* readTextPieces(path: string, o: TextPiecesOptions = {}): AsyncGenerator<string> {
  const role = o.role ?? 'file';
  let fd: number, total: number;
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    fd = openSync(path, 'r');
    total = statSync(path).size;
  } catch (e) {
    throw describeFsError(e, path, role);
  }
  try {
    const buf = new Uint8Array(Math.max(4096, o.chunkBytes ?? 1 << 20));
    let at = 0, head: Uint8Array | null = null, utf16: string | null = null;
    let out: string[] = [];
    const utf8 = new Utf8Decoder((t) => out.push(t), { replaceInvalid: o.replaceInvalid ?? false, offset: 0 });
    let wide: TextDecoder | null = null;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, at);
      const b = buf.subarray(0, n);
      if (head === null) {
        head = b.slice(0, 1 << 16);
        utf16 = utf16Bom(head);
        if (utf16) wide = new TextDecoder(utf16);
      }
      if (wide) out.push(wide.decode(at === 0 ? b.subarray(2) : b, { stream: n > 0 }));
      else if (n > 0) {
        const nul = b.indexOf(0);
        if (nul >= 0) {
          if (at === 0 && looksUtf16(head)) throw inputError(`${role} ${path} is not UTF-8: ${conversionHint(head)}`);
          throw inputError(`${role} ${path} ${looksBinary(at + nul)}; give a plain text file`);
        }
        utf8.push(b);
      } else utf8.end();
      if (utf8.invalid) throw invalidUtf8Error(role, path, utf8.invalid.byte, utf8.invalid.offset, head);
      at += n;
      o.onProgress?.(at, total);
      for (const t of out) if (t.length > 0) yield t;
      out = [];
      if (n === 0) return;
    }
  } finally {
    closeSync(fd);
  }
}
