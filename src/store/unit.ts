/**
 * A unit of preparation (data/units.ts) over files: the same code on the main
 * thread (one thread) and in the workers (worker.ts). The first pass looks at
 * the whole of a file for a NUL byte before it decodes any of it (at the
 * piece that starts the file), so a file that looks binary is skipped before
 * it counts for anything. Encoded ids come back as little-endian bytes of the
 * store's dtype, ready to be written.
 */
import type { IdSink } from '../data/scan.js';
import { passTools, unitSteps, type PassOptions, type PassTools, type UnitResult, type UnitTask } from '../data/units.js';
import type { InputReader } from './inputs.js';
import type { IdType } from './manifest.js';
import { idBytes } from './writer.js';

export interface UnitOutput extends UnitResult {
  /** inputs found to look binary: [source, offset of the first NUL byte] */
  binary: [number, number][];
  /** encode: the part streams' bytes */
  ids: { train: Uint8Array[]; val: Uint8Array[] } | null;
}

class Collector implements IdSink {
  chunks: Uint8Array[] = [];
  constructor(private readonly dtype: IdType) {}
  write(ids: Uint32Array, n: number): void {
    this.chunks.push(idBytes(ids, n, this.dtype));
  }
  take(): Uint8Array[] {
    const c = this.chunks;
    this.chunks = [];
    return c;
  }
}

export class FileUnits {
  private readonly tools: PassTools;
  private readonly sinks: { train: Collector; val: Collector } | null;
  private readonly scratch: Uint8Array;

  constructor(private readonly reader: InputReader, private readonly o: PassOptions, vocab: readonly string[] | null, dtype: IdType, private readonly chunkBytes: number) {
    this.sinks = o.mode === 'encode' ? { train: new Collector(dtype), val: new Collector(dtype) } : null;
    this.tools = passTools(o, vocab, this.sinks);
    this.scratch = new Uint8Array(Math.max(chunkBytes, 1 << 16));
  }

  /** Run `task`, yielding the bytes read as it goes. `first`: check files for NUL bytes; `binary`: inputs known to look binary. */
  *steps(task: UnitTask, first: boolean, binary: ReadonlySet<number>): Generator<number, UnitOutput> {
    const found: [number, number][] = [];
    const skipped = new Set(binary);
    const skip = (k: number): boolean => {
      const p = task.pieces[k];
      if (skipped.has(p.source)) return true;
      if (!first || p.start !== 0) return false;
      const nul = this.reader.firstNul(p.source, this.scratch);
      if (nul < 0) return false;
      found.push([p.source, nul]);
      skipped.add(p.source);
      return true;
    };
    const read = (source: number, offset: number, buf: Uint8Array): number => this.reader.read(source, offset, buf);
    const r = yield* unitSteps(task, this.o, this.tools, read, this.chunkBytes, skip);
    const ids = this.sinks ? { train: this.sinks.train.take(), val: this.sinks.val.take() } : null;
    return { ...r, binary: found, ids };
  }

  /** Run `task` to its end. */
  run(task: UnitTask, first: boolean, binary: ReadonlySet<number>): UnitOutput {
    const s = this.steps(task, first, binary);
    for (;;) {
      const x = s.next();
      if (x.done) return x.value;
    }
  }
}
