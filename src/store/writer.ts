/**
 * Writing a token store: everything goes into a hidden temporary folder beside
 * the target (`.NAME.recur.tmp-<pid>-<random>`), shards hashed as they are
 * written, manifest.json last, every file and the folder fsynced, and only then
 * the folder is renamed into place. An interrupted or failed preparation never
 * leaves a folder that looks like a store: discard() removes the temporary one
 * (a process killed with SIGKILL may leave it behind; it is hidden and never
 * read). An existing store is replaced only when asked (`force`), and then only
 * if it is a store.
 */
import { createHash, type Hash } from 'node:crypto';
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { inputError } from '../core/errors.js';
import { tempPathFor, writeError } from '../node/atomic-write.js';
import { EarlySync } from './early-sync.js';
import { isStoreFolder } from './inputs.js';
import type { IdArray, IdArrayType } from '../data/scan.js';
import { MANIFEST, bytesPerId, type BlocksInfo, type IdType, type ShardInfo, type StoreManifest } from './manifest.js';

/** The file operations a store is written with (tests put failing ones in). */
export type StoreFs = Pick<typeof nodeFs, 'mkdirSync' | 'openSync' | 'writeSync' | 'fsyncSync' | 'closeSync' | 'renameSync' | 'rmSync' | 'existsSync'>;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The id array type of a dtype. */
export function idArrayType(dtype: IdType): IdArrayType {
  return dtype === 'uint16' ? Uint16Array : Uint32Array;
}

/** ids[0, n) (of the dtype's array type) as little-endian bytes: a view where the machine is little-endian. */
export function idBytes(ids: IdArray, n: number): Uint8Array {
  const b = new Uint8Array(ids.buffer, ids.byteOffset, n * ids.BYTES_PER_ELEMENT);
  if (LITTLE_ENDIAN) return b;
  const w = ids.BYTES_PER_ELEMENT, out = b.slice();
  for (let i = 0; i < out.length; i += w) out.subarray(i, i + w).reverse();
  return out;
}

export class StoreWriter {
  private closed = false;
  /** shard files open for writing (closed by discard() after a failure) */
  readonly open = new Set<number>();

  private constructor(readonly target: string, readonly tmp: string, private readonly fs: StoreFs) {}

  /** Check the target and make the temporary folder. */
  static open(target: string, o: { force: boolean; fs?: StoreFs }): StoreWriter {
    const fs = o.fs ?? nodeFs;
    checkTarget(target, o.force, fs);
    const tmp = tempPathFor(path.resolve(target));
    try {
      fs.mkdirSync(tmp);
    } catch (e) {
      throw writeError(target, e);
    }
    return new StoreWriter(target, tmp, fs);
  }

  /** Run a file operation; a failure becomes one line naming the store. */
  io<T>(f: (fs: StoreFs) => T): T {
    try {
      return f(this.fs);
    } catch (e) {
      throw writeError(this.target, e);
    }
  }

  /** A whole file, written and fsynced. */
  file(name: string, bytes: Uint8Array): string {
    return this.io((fs) => {
      const fd = fs.openSync(path.join(this.tmp, name), 'wx');
      try {
        for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      return createHash('sha256').update(bytes).digest('hex');
    });
  }

  part(prefix: string, dtype: IdType, shardTokens: number): PartWriter {
    return new PartWriter(this, prefix, dtype, shardTokens);
  }

  /** The blocks' starts as little-endian uint64. */
  blocks(starts: readonly number[], sequencesPerBlock: number): BlocksInfo {
    const b = new BigUint64Array(starts.length);
    starts.forEach((s, i) => (b[i] = BigInt(s)));
    const bytes = new Uint8Array(b.buffer);
    if (!LITTLE_ENDIAN) for (let i = 0; i < bytes.length; i += 8) bytes.subarray(i, i + 8).reverse();
    const file = 'train-blocks.bin';
    return { file, count: starts.length, sequencesPerBlock, sha256: this.file(file, bytes) };
  }

  /** Write manifest.json and move the folder into place (replacing a store only with `force`). */
  finish(m: StoreManifest, force: boolean): void {
    this.file(MANIFEST, new TextEncoder().encode(JSON.stringify(m, null, 1) + '\n'));
    this.io((fs) => syncDir(fs, this.tmp));
    checkTarget(this.target, force, this.fs);
    const old = this.fs.existsSync(this.target) ? tempPathFor(path.resolve(this.target)).replace('.tmp-', '.old-') : null;
    this.io((fs) => {
      if (old) fs.renameSync(this.target, old);
      try {
        fs.renameSync(this.tmp, this.target);
      } catch (e) {
        if (old) fs.renameSync(old, this.target);
        throw e;
      }
    });
    this.closed = true;
    if (old) this.fs.rmSync(old, { recursive: true, force: true });
    this.io((fs) => syncDir(fs, path.dirname(path.resolve(this.target))));
  }

  /** Remove the temporary folder (after a failure or an interruption). */
  discard(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      for (const fd of this.open) this.fs.closeSync(fd);
      this.open.clear();
      this.fs.rmSync(this.tmp, { recursive: true, force: true });
    } catch {
      // already failing; the folder is hidden and never read as a store
    }
  }
}

function checkTarget(target: string, force: boolean, fs: StoreFs): void {
  if (!fs.existsSync(target)) return;
  if (!force) throw inputError(`${target} already exists; pass --force to replace it or choose another name`);
  if (!isStoreFolder(target)) throw inputError(`${target} exists and is not a token store; choose another name (--force replaces only a store)`);
}

function syncDir(fs: StoreFs, dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'ENOTSUP' && code !== 'EPERM') throw e;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** One part's stream into shards of at most `shardTokens` ids, each hashed as it is written. */
export class PartWriter {
  readonly shards: ShardInfo[] = [];
  private fd: number | null = null;
  private hash: Hash | null = null;
  /** ids in the current shard */
  private inShard = 0;
  private readonly width: number;
  private readonly early = new EarlySync();

  constructor(private readonly w: StoreWriter, private readonly prefix: string, readonly dtype: IdType, private readonly shardTokens: number) {
    this.width = bytesPerId(dtype);
  }

  /** The next ids of the stream, as little-endian bytes of the part's dtype. */
  writeBytes(bytes: Uint8Array): void {
    for (let off = 0; off < bytes.length; ) {
      if (this.fd === null || this.inShard === this.shardTokens) this.nextShard();
      const n = Math.min(bytes.length - off, (this.shardTokens - this.inShard) * this.width);
      const chunk = bytes.subarray(off, off + n);
      this.w.io((fs) => {
        for (let k = 0; k < n; ) k += fs.writeSync(this.fd!, chunk, k, n - k);
      });
      this.hash!.update(chunk);
      this.early.wrote(this.shardPath(this.shards.length - 1), n);
      this.inShard += n / this.width;
      off += n;
    }
  }

  write(ids: IdArray, n: number): void {
    if (ids.BYTES_PER_ELEMENT !== this.width) throw new RangeError(`PartWriter: ${this.dtype} ids written as ${ids.constructor.name}`);
    this.writeBytes(idBytes(ids, n));
  }

  private shardPath(k: number): string {
    return path.join(this.w.tmp, this.shards[k].file);
  }

  private nextShard(): void {
    this.closeShard();
    const file = `${this.prefix}-${String(this.shards.length).padStart(5, '0')}.bin`;
    this.fd = this.w.io((fs) => fs.openSync(path.join(this.w.tmp, file), 'wx'));
    this.w.open.add(this.fd);
    this.hash = createHash('sha256');
    this.inShard = 0;
    this.shards.push({ file, tokens: 0, bytes: 0, sha256: '' });
  }

  private closeShard(): void {
    if (this.fd === null) return;
    const fd = this.fd, s = this.shards[this.shards.length - 1];
    this.fd = null;
    this.w.open.delete(fd);
    s.tokens = this.inShard;
    s.bytes = this.inShard * this.width;
    s.sha256 = this.hash!.digest('hex');
    this.w.io((fs) => {
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    });
  }

  /** Close the last shard; the shards' entries for the manifest. */
  close(): ShardInfo[] {
    this.closeShard();
    return this.shards;
  }
}
