/**
 * The safetensors format (Hugging Face), float32 only, bytes in and out
 * (browser-safe):
 *
 *   u64 little-endian N | N bytes of UTF-8 JSON header | raw tensor data
 *   header = { "<name>": { "dtype": "F32", "shape": [...], "data_offsets": [begin, end] }, …,
 *              "__metadata__": { "<key>": "<string value>", … } }
 *
 * Offsets count from the first byte after the header. The reader trusts
 * nothing: every length, offset, shape and type is checked before anything is
 * allocated, so a damaged file fails with a one-line error and never makes us
 * allocate more than the file's size justifies.
 */
import { formatError } from '../core/errors.js';

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Headers beyond this are refused (real ones are a few KB; a 100k-word vocabulary is ~1 MB). */
export const MAX_HEADER_BYTES = 64 * 1024 * 1024;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function writeSafetensors(tensors: { name: string; shape: number[]; data: Float32Array }[], metadata: Record<string, string>): Uint8Array {
  const parts = safetensorsParts(tensors, metadata);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

/**
 * The bytes of a safetensors file as pieces to be written one after another:
 * the length and header, then each tensor's data as a view of its own array
 * (no copy, so a checkpoint of tens of megabytes costs no second copy of itself).
 */
export function safetensorsParts(tensors: { name: string; shape: number[]; data: Float32Array }[], metadata: Record<string, string>): Uint8Array[] {
  if (!LITTLE_ENDIAN) throw new Error('writing safetensors on a big-endian machine is not supported');
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const bytes = t.data.length * 4;
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let headerBytes = enc.encode(json);
  // pad with spaces so the data starts 8-byte aligned
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    headerBytes = enc.encode(json);
  }
  const head = new Uint8Array(8 + headerBytes.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  head.set(headerBytes, 8);
  return [head, ...tensors.map((t) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.length * 4))];
}

/**
 * A string from a file, made safe for a one-line message: JSON-quoted (so control
 * characters and newlines are escaped) and shortened if long.
 */
export function quote(s: string, max = 60): string {
  const q = JSON.stringify(s.length > max ? s.slice(0, max) + '…' : s);
  return q;
}

/**
 * A value parsed from a file, described for a message without ever calling its
 * toString (JSON can produce {"toString": 1}, which makes `${v}` throw, or an
 * array nested so deeply that String(v) overflows the stack).
 */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * The header length N from a file's first 8 bytes (`fileBytes`: the whole
 * file's length), checked against the file and MAX_HEADER_BYTES.
 */
export function safetensorsHeaderLength(first8: Uint8Array, fileBytes: number, what = 'file'): number {
  if (!LITTLE_ENDIAN) throw formatError('reading safetensors on a big-endian machine is not supported');
  if (fileBytes < 8 || first8.length < 8) throw formatError(`${what} is too short to be a safetensors file (${fileBytes} bytes)`);
  const n64 = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(fileBytes - 8)) {
    throw formatError(`${what} is truncated or not a safetensors file: its header length (${n64} bytes) runs past the end of the file (${fileBytes} bytes)`);
  }
  const n = Number(n64);
  if (n > MAX_HEADER_BYTES) throw formatError(`${what} has an absurdly large header (${n} bytes); it is not a model file recur wrote`);
  if (n < 2) throw formatError(`${what} has an empty safetensors header`);
  return n;
}

/**
 * The header (JSON) and its metadata from the first 8 + N bytes of a file of
 * `fileBytes` bytes: enough to learn what a file is without reading its tensors.
 */
export function readSafetensorsHeader(head: Uint8Array, fileBytes: number, what = 'file'): { header: Record<string, unknown>; metadata: Record<string, string>; n: number } {
  const n = safetensorsHeaderLength(head, fileBytes, what);
  if (head.length < 8 + n) throw formatError(`${what} is truncated: its header is cut short`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(8, 8 + n)));
  } catch {
    throw formatError(`${what} is not a safetensors file: its header is not valid UTF-8 JSON`);
  }
  if (!isRecord(header)) throw formatError(`${what}: the safetensors header is not a JSON object`);

  const metadata: Record<string, string> = {};
  const meta = header.__metadata__;
  if (meta !== undefined) {
    if (!isRecord(meta)) throw formatError(`${what}: __metadata__ must be an object of strings`);
    for (const [k, v] of Object.entries(meta)) {
      if (typeof v !== 'string') throw formatError(`${what}: __metadata__ entry ${quote(k)} must be a string (got ${describeValue(v)})`);
      metadata[k] = v;
    }
  }
  return { header, metadata, n };
}

/**
 * Parse and check a safetensors file. Every tensor is a fresh array of its own,
 * unless `share` is set: then a tensor whose data lies at a multiple of 4 bytes
 * in `bytes`'s buffer is a view of it (no copy), for a caller that reads the
 * tensors once and drops `bytes` (a model's load copies them into one block; a
 * fresh 20 MB copy costs about 95 ms in page faults on a virtual machine).
 */
export function readSafetensors(bytes: Uint8Array, what = 'file', share = false): SafetensorsFile {
  const { header, metadata, n } = readSafetensorsHeader(bytes, bytes.length, what);
  const dataStart = 8 + n, dataLen = bytes.length - dataStart;
  const entries: { name: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const tn = quote(name);
    if (!isRecord(v)) throw formatError(`${what}: tensor ${tn} has no description`);
    if (v.dtype !== 'F32') throw formatError(`${what}: tensor ${tn} has dtype ${describeValue(v.dtype)}; recur reads float32 (F32) tensors only — convert with tensor.float() before saving`);
    const shape = v.shape, off = v.data_offsets;
    if (!Array.isArray(shape) || shape.length > 8 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw formatError(`${what}: tensor ${tn} has an invalid shape`);
    }
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw formatError(`${what}: tensor ${tn} has invalid data_offsets`);
    }
    const [begin, end] = off as number[];
    if (begin > end || end > dataLen) throw formatError(`${what}: tensor ${tn} lies outside the data (offsets ${begin}–${end}, data is ${dataLen} bytes); the file is truncated or damaged`);
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (count * 4 !== end - begin) throw formatError(`${what}: tensor ${tn} has shape [${shape.join(', ')}] but ${end - begin} bytes of data`);
    entries.push({ name, shape: shape as number[], begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < entries.length; i++) {
    if (entries[i].begin < entries[i - 1].end) throw formatError(`${what}: tensors ${quote(entries[i - 1].name)} and ${quote(entries[i].name)} overlap; the file is damaged`);
  }

  const tensors = new Map<string, Tensor>();
  for (const e of entries) {
    const at = bytes.byteOffset + dataStart + e.begin, count = (e.end - e.begin) / 4;
    if (share && at % 4 === 0) {
      tensors.set(e.name, { shape: e.shape, data: new Float32Array(bytes.buffer, at, count) });
      continue;
    }
    // Copy into a fresh, aligned, owned array. Not bytes.slice(): on a Node Buffer
    // (what fs.readFileSync returns) slice() is a view into a shared pool, not a copy.
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    tensors.set(e.name, { shape: e.shape, data });
  }
  return { tensors, metadata };
}
