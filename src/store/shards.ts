/**
 * Shards written by position, for preparation over worker threads: the count
 * pass says where each unit's ids go in each stream (UnitTask.trainAt/valAt),
 * so every worker writes its units' ids straight into the shard files with
 * positioned writes (no copy to the main thread, no memory that grows with a
 * unit), and the main thread, taking the units in order, reads each range back
 * from the page cache to hash its shards. The files are created empty by the
 * main thread before the pass (ShardHashes), so workers only open them.
 */
import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IdArray, IdSink } from '../data/scan.js';
import { writeError } from '../node/atomic-write.js';
import { EarlySync } from './early-sync.js';
import { bytesPerId, type IdType, type ShardInfo } from './manifest.js';
import { idBytes } from './writer.js';

export function shardName(prefix: string, k: number): string {
  return `${prefix}-${String(k).padStart(5, '0')}.bin`;
}

/** Where a stream's ids go: the temporary folder, the part's file prefix, and how many ids a shard holds. */
export interface ShardLayout {
  dir: string;
  prefix: string;
  dtype: IdType;
  shardTokens: number;
  /** the store being written, for error messages */
  target: string;
}

/** A worker's sink for one stream: ids written at a position that moves as they come. */
export class ShardFiles implements IdSink {
  private fds = new Map<number, number>();
  private readonly width: number;
  pos = 0;

  constructor(private readonly l: ShardLayout) {
    this.width = bytesPerId(l.dtype);
  }

  write(ids: IdArray, n: number): void {
    const bytes = idBytes(ids, n);
    for (let off = 0; off < n; ) {
      const k = Math.floor(this.pos / this.l.shardTokens), inShard = this.pos - k * this.l.shardTokens;
      const take = Math.min(n - off, this.l.shardTokens - inShard);
      const fd = this.fd(k), chunk = bytes.subarray(off * this.width, (off + take) * this.width);
      try {
        for (let w = 0; w < chunk.length; ) w += fs.writeSync(fd, chunk, w, chunk.length - w, inShard * this.width + w);
      } catch (e) {
        throw writeError(this.l.target, e);
      }
      this.pos += take;
      off += take;
    }
  }

  private fd(k: number): number {
    let fd = this.fds.get(k);
    if (fd === undefined) {
      try {
        fd = fs.openSync(path.join(this.l.dir, shardName(this.l.prefix, k)), 'r+');
      } catch (e) {
        throw writeError(this.l.target, e);
      }
      this.fds.set(k, fd);
    }
    return fd;
  }

  close(): void {
    for (const fd of this.fds.values()) fs.closeSync(fd);
    this.fds.clear();
  }
}

/**
 * The main thread's side: creates a stream's shard files, and hashes them from
 * the front as the ranges before a point are known to be written.
 */
export class ShardHashes {
  private readonly hashes: Hash[] = [];
  private readonly width: number;
  private readonly buf = Buffer.alloc(1 << 20);
  private readonly fds: number[] = [];
  private readonly early = new EarlySync();
  /** stream positions hashed so far */
  private hashed = 0;

  constructor(private readonly l: ShardLayout, private readonly ids: number, private readonly io: <T>(f: () => T) => T) {
    this.width = bytesPerId(l.dtype);
    const n = Math.max(1, Math.ceil(ids / l.shardTokens));
    for (let k = 0; k < n; k++) {
      io(() => fs.closeSync(fs.openSync(this.file(k), 'wx')));
      this.hashes.push(createHash('sha256'));
    }
  }

  private file(k: number): string {
    return path.join(this.l.dir, shardName(this.l.prefix, k));
  }

  /** Everything before stream position `end` is written: hash it. */
  hashTo(end: number): void {
    while (this.hashed < end) {
      const k = Math.floor(this.hashed / this.l.shardTokens), inShard = this.hashed - k * this.l.shardTokens;
      const take = Math.min(end - this.hashed, this.l.shardTokens - inShard, this.buf.length / this.width);
      const got = this.io(() => {
        this.fds[k] ??= fs.openSync(this.file(k), 'r+');
        return fs.readSync(this.fds[k], this.buf, 0, take * this.width, inShard * this.width);
      });
      if (got !== take * this.width) throw new RangeError(`ShardHashes: ${this.file(k)} holds ${got} bytes at ${inShard}, ${take * this.width} expected`);
      this.hashes[k].update(this.buf.subarray(0, got));
      this.early.wrote(this.file(k), got);
      this.hashed += take;
    }
  }

  /** All written: fsync the files; their manifest entries. */
  close(): ShardInfo[] {
    this.hashTo(this.ids);
    const infos = this.hashes.map((h, k) => {
      const tokens = Math.min(this.l.shardTokens, this.ids - k * this.l.shardTokens);
      this.io(() => {
        const fd = (this.fds[k] ??= fs.openSync(this.file(k), 'r+'));
        fs.fsyncSync(fd);
      });
      return { file: shardName(this.l.prefix, k), tokens, bytes: tokens * this.width, sha256: h.digest('hex') };
    });
    this.release();
    return infos;
  }

  /** Close the files (also after a failure). */
  release(): void {
    for (const fd of this.fds.splice(0)) if (fd !== undefined) fs.closeSync(fd);
  }
}
