/**
 * Shards flushed to the disk while they are still being written: a file that
 * has grown by SYNC_BYTES since its last flush gets an fdatasync on the thread
 * pool (through an fd of its own, so that closing the writer's fd never races
 * it). The fsync when a shard is complete then has little left to write, and
 * the disk works while the CPUs encode instead of after. These flushes are a
 * head start only: their errors are ignored (the final fsync reports them),
 * and a file removed meanwhile (a failed preparation) makes them fail quietly.
 */
import * as fs from 'node:fs';

const SYNC_BYTES = 64 << 20;

export class EarlySync {
  private readonly grown = new Map<string, number>();

  /** `bytes` more were written to `file`. */
  wrote(file: string, bytes: number): void {
    const n = (this.grown.get(file) ?? 0) + bytes;
    if (n < SYNC_BYTES) {
      this.grown.set(file, n);
      return;
    }
    this.grown.set(file, 0);
    fs.open(file, 'r+', (err, fd) => {
      if (err) return;
      fs.fdatasync(fd, () => fs.close(fd, () => {}));
    });
  }
}
