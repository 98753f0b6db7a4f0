/**
 * A unit of preparation (data/units.ts) over files: the same code on the main
 * thread (one thread) and in the workers (worker.ts). The first pass looks at
 * the whole of a file for a NUL byte before it decodes any of it (at the
 * piece that starts the file), so a file that looks binary is skipped before
 * it counts for anything; a first pass that decodes nothing (the scan of lines
 * mode) looks at each range as it reads it instead. Encoded ids go straight from the encoders to the
 * shards (writer.ts on the main thread, shards.ts in a worker).
 */
import type { IdSink } from '../data/scan.js';
import { passTools, unitSteps, type PassOptions, type PassTools, type UnitResult, type UnitTask } from '../data/units.js';
import type { InputReader } from './inputs.js';
import type { IdType } from './manifest.js';
import { ShardFiles } from './shards.js';
import { idArrayType } from './writer.js';

export interface UnitOutput extends UnitResult {
  /** inputs found to look binary: [source, offset of the first NUL byte] */
  binary: [number, number][];
}

export class FileUnits {
  private readonly tools: PassTools;
  private readonly scratch: Uint8Array;
  /** the chunks of every unit are read into this one buffer */
  private readonly chunk: Uint8Array;

  /**
   * `sinks` (encode): where the ids go, straight from the encoders: the shard
   * writer on the main thread, or (in a worker) shard files written by position.
   */
  constructor(
    private readonly reader: InputReader, private readonly o: PassOptions, vocab: readonly string[] | null, dtype: IdType,
    private readonly chunkBytes: number, private readonly sinks?: { train: IdSink; val: IdSink },
  ) {
    this.tools = passTools(o, vocab, sinks ?? null, idArrayType(dtype));
    this.scratch = new Uint8Array(Math.max(chunkBytes, 1 << 16));
    this.chunk = new Uint8Array(chunkBytes);
  }

  /** Run `task`, yielding the bytes read as it goes. `first`: check files for NUL bytes; `binary`: inputs known to look binary. */
  *steps(task: UnitTask, first: boolean, binary: ReadonlySet<number>): Generator<number, UnitOutput> {
    // sinks that write by position (shards.ts) start where the count pass said this unit's ids go
    for (const [sink, at] of [[this.sinks?.train, task.trainAt], [this.sinks?.val, task.valAt]] as const) {
      if (sink instanceof ShardFiles) sink.pos = at;
    }
    const found: [number, number][] = [];
    const skipped = new Set(binary);
    // the scan pass of lines mode decodes nothing and reads every byte: each unit looks for NULs in its own
    // ranges, and the first one reported (units come in order) is the file's first; the passes that decode
    // come after it, when every file that looks binary is known
    const nulEach = first && this.o.mode === 'scan' && this.o.text.split === 'lines';
    const skip = (k: number): boolean => {
      const p = task.pieces[k];
      if (skipped.has(p.source)) return true;
      if (!first || p.start !== 0 || nulEach) return false;
      const nul = this.reader.firstNul(p.source, this.scratch);
      if (nul < 0) return false;
      found.push([p.source, nul]);
      skipped.add(p.source);
      return true;
    };
    const read = (source: number, offset: number, buf: Uint8Array): number => {
      const n = this.reader.read(source, offset, buf);
      const nul = nulEach ? buf.subarray(0, n).indexOf(0) : -1;
      if (nul >= 0 && !found.some(([s]) => s === source)) found.push([source, offset + nul]);
      return n;
    };
    const r = yield* unitSteps(task, this.o, this.tools, read, this.chunkBytes, skip, this.chunk);
    return { ...r, binary: found };
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
