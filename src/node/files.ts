/**
 * Reading text files for the CLI (Node only): one-line errors for every way a
 * corpus can be unusable, and strict UTF-8 with the byte offset of the first
 * bad byte (or replacement of bad bytes with U+FFFD on request).
 */
import { readFileSync, statSync } from 'node:fs';
import { inputError, formatError } from '../core/errors.js';
import { conversionHint, looksUtf16, utf16Bom } from '../data/encoding.js';

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

/** Offset of the first byte that is not valid UTF-8, or −1. */
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
    throw inputError(`${role} ${path} looks binary (a NUL byte at offset ${nul}); give a plain text file`);
  }
  if (!o.replaceInvalid) {
    const bad = firstInvalidUtf8(bytes);
    if (bad >= 0) {
      throw inputError(`${role} ${path} is not valid UTF-8 (byte 0x${bytes[bad].toString(16).padStart(2, '0')} at offset ${bad}); ${conversionHint(bytes)}, or pass --replace-invalid`);
    }
  }
  const text = new TextDecoder('utf-8').decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function readModelBytes(path: string): Uint8Array {
  const b = readBytes(path, 'model');
  if (b.length === 0) throw formatError(`model ${path} is empty; train one with recur train`);
  return b;
}
