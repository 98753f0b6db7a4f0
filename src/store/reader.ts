/**
 * Reading a token store: the manifest, checks before use (every shard's size;
 * the SHA-256 of a shard whose modification time is later than the store's
 * creation, or of every shard when asked), and the two streams as
 * TokenSources that read ranges of ids with small positioned reads, so memory
 * does not grow with the store.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatError, inputError } from '../core/errors.js';
import type { TokenSource } from '../data/source.js';
import { MANIFEST, bytesPerId, parseManifest, type IdType, type PartInfo, type StoreManifest } from './manifest.js';

/** How much to check when opening: sizes only, checksums of shards changed since creation, or all checksums. */
export type Verify = 'size' | 'changed' | 'all';

export interface OpenedStore {
  path: string;
  manifest: StoreManifest;
  /** SHA-256 of manifest.json's bytes: the identity of the store (recorded in checkpoints) */
  id: string;
  train: ShardSource;
  val: ShardSource | null;
  /** starts of the training stream's shuffle blocks (null in none mode) */
  blocks: Float64Array | null;
  close(): void;
}

/** What a checkpoint records about the store a run trains on: enough to say what changed, none of its data. */
export interface StoreIdentity {
  /** the folder (absolute) */
  path: string;
  /** SHA-256 of manifest.json */
  id: string;
  /** every data file of the store (shards and blocks) as the manifest lists it */
  shards: { file: string; bytes: number; sha256: string }[];
}

export function storeIdentity(s: { path: string; id: string; manifest: StoreManifest }): StoreIdentity {
  const shards: StoreIdentity['shards'] = [];
  for (const part of [s.manifest.parts.train, s.manifest.parts.val]) {
    if (!part) continue;
    for (const x of part.shards) shards.push({ file: x.file, bytes: x.bytes, sha256: x.sha256 });
    if (part.blocks) shards.push({ file: part.blocks.file, bytes: part.blocks.count * 8, sha256: part.blocks.sha256 });
  }
  return { path: path.resolve(s.path), id: s.id, shards };
}

/** manifest.json of a store, parsed and checked, with the store's identity. */
export function readManifest(dir: string): { manifest: StoreManifest; id: string } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path.join(dir, MANIFEST));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw inputError(`${dir} is not a token store (it has no ${MANIFEST}); make one with recur prepare`);
    throw inputError(`${dir} cannot be read: ${code ?? (e as Error).message}; check its permissions`);
  }
  return { manifest: parseManifest(bytes, dir), id: createHash('sha256').update(bytes).digest('hex') };
}

function sha256File(file: string): string {
  const h = createHash('sha256'), buf = Buffer.alloc(1 << 20), fd = fs.openSync(file, 'r');
  try {
    for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf)) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** One file of the store, checked: present, the right size, and (when asked or changed) the right checksum. */
function checkFile(dir: string, file: string, bytes: number, sha256: string, createdMs: number, verify: Verify): void {
  const p = path.join(dir, file);
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw formatError(`${file} of the token store ${dir} is missing; prepare the store again`);
  }
  if (st.size !== bytes) {
    throw formatError(`${file} of the token store ${dir} is ${st.size} bytes, the manifest says ${bytes}: it was truncated or altered after preparation; prepare the store again`);
  }
  const changed = st.mtimeMs > createdMs + 1;
  if ((verify === 'all' || (verify === 'changed' && changed)) && sha256File(p) !== sha256) {
    throw formatError(`${file} of the token store ${dir} does not match its checksum: it was altered after preparation; prepare the store again`);
  }
}

/** Check the store's files against its manifest (see Verify). */
export function checkStore(dir: string, m: StoreManifest, verify: Verify): void {
  const created = Date.parse(m.created);
  for (const part of [m.parts.train, m.parts.val]) {
    if (!part) continue;
    for (const s of part.shards) checkFile(dir, s.file, s.bytes, s.sha256, created, verify);
    if (part.blocks) checkFile(dir, part.blocks.file, part.blocks.count * 8, part.blocks.sha256, created, verify);
  }
}

/** Open a store for reading (checked by `verify`, default: sizes, and checksums of shards changed since creation). */
export function openStore(dir: string, o: { verify?: Verify } = {}): OpenedStore {
  const { manifest: m, id } = readManifest(dir);
  checkStore(dir, m, o.verify ?? 'changed');
  const train = new ShardSource(dir, m.parts.train, m.dtype);
  const val = m.parts.val ? new ShardSource(dir, m.parts.val, m.dtype) : null;
  const b = m.parts.train.blocks;
  let blocks: Float64Array | null = null;
  if (b) {
    const raw = fs.readFileSync(path.join(dir, b.file));
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    blocks = new Float64Array(b.count);
    for (let i = 0; i < b.count; i++) blocks[i] = Number(view.getBigUint64(8 * i, true));
  }
  return { path: dir, manifest: m, id, train, val, blocks, close: () => (train.close(), val?.close()) };
}

/** Every file of the store against its checksum (one-line error on the first that differs). */
export function verifyStore(dir: string): StoreManifest {
  const { manifest } = readManifest(dir);
  checkStore(dir, manifest, 'all');
  return manifest;
}

/** A part's stream, read from its shards with positioned reads. */
export class ShardSource implements TokenSource {
  readonly length: number;
  /** first stream position of each shard, and the end */
  private readonly starts: number[] = [0];
  private readonly fds: number[] = [];
  private readonly width: number;
  private buf = Buffer.alloc(4096);

  constructor(dir: string, part: PartInfo, private readonly dtype: IdType) {
    this.width = bytesPerId(dtype);
    for (const s of part.shards) {
      this.starts.push(this.starts[this.starts.length - 1] + s.tokens);
      this.fds.push(fs.openSync(path.join(dir, s.file), 'r'));
    }
    this.length = part.tokens + 1;
  }

  read(pos: number, n: number, out: Int32Array, at: number): void {
    let k = 0;
    while (k + 1 < this.starts.length - 1 && this.starts[k + 1] <= pos) k++;
    while (n > 0) {
      const take = Math.min(n, this.starts[k + 1] - pos);
      this.readShard(k, pos - this.starts[k], take, out, at);
      pos += take;
      at += take;
      n -= take;
      k++;
    }
  }

  private readShard(k: number, first: number, n: number, out: Int32Array, at: number): void {
    const bytes = n * this.width;
    if (this.buf.length < bytes) this.buf = Buffer.alloc(Math.max(bytes, 2 * this.buf.length));
    for (let got = 0; got < bytes; ) {
      const r = fs.readSync(this.fds[k], this.buf, got, bytes - got, first * this.width + got);
      if (r === 0) throw formatError(`a shard of the token store ended early: it was truncated after it was opened; prepare the store again`);
      got += r;
    }
    const b = this.buf;
    if (this.dtype === 'uint16') for (let i = 0; i < n; i++) out[at + i] = b.readUInt16LE(2 * i);
    else for (let i = 0; i < n; i++) out[at + i] = b.readUInt32LE(4 * i);
  }

  close(): void {
    for (const fd of this.fds.splice(0)) fs.closeSync(fd);
  }
}
