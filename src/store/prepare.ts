/**
 * `recur prepare` as a library call: inputs → a token store
 * (docs/token-store.md), in one streamed pass per phase, never holding a file
 * as one string.
 *
 *   plan    list the files, cut them into units (data/plan.ts);
 *   scan    (several threads and a validation fraction only) count each unit's
 *           sequences, so every unit knows the index of its first one;
 *   count   count tokens; the vocabulary is made from the training ones;
 *   encode  write the ids into shards, in unit order.
 *
 * The first pass also looks for NUL bytes: a file that has one is skipped
 * (reported through onSkip and listed in the manifest). Invalid UTF-8 is an
 * error naming the file and the offset, unless `replaceInvalid`. The units run
 * on this thread (threads = 1; it yields to the event loop every few
 * milliseconds, so signals are handled) or on worker threads, and the store is
 * byte for byte the same either way. Files are checked after every pass: one
 * that grew, shrank or was modified meanwhile is an error. The store is
 * written beside its target and renamed into place at the end (writer.ts); on
 * any error or abort nothing is left.
 */
import { RecurError, inputError, usageError } from '../core/errors.js';
import { addBlankCounts, addCounts, setOffsets, setPieces, summarize, unitDropped, type PassSummary } from '../data/assemble.js';
import { planUnits } from '../data/plan.js';
import { sequencesPerBlock } from '../data/source.js';
import { LEVELS, SPLITS, TOKENIZERS, type TextConfig } from '../data/text.js';
import type { IdSink } from '../data/scan.js';
import type { PassMode, PassOptions, UnitTask } from '../data/units.js';
import { TokenCounter, buildVocab } from '../data/vocab.js';
import { headBytes, invalidUtf8Error, looksBinary } from '../node/files.js';
import { InputReader, checkUnchanged, listInputs, type InputFile } from './inputs.js';
import { DEFAULT_SHARD_TOKENS, STORE_FORMAT, idTypeFor, type IdType, type PartInfo, type ShardInfo, type SkippedInfo, type StoreManifest } from './manifest.js';
import { StorePool } from './pool.js';
import { FileUnits, type UnitOutput } from './unit.js';
import { ShardFiles, ShardHashes, type ShardLayout } from './shards.js';
import { StoreWriter, idArrayType, type StoreFs } from './writer.js';

export interface PrepareOptions extends TextConfig {
  /** most frequent tokens kept (0 = all) */
  maxVocab: number;
  minCount: number;
  /** fraction held out for validation (split none: the end of each file) */
  valFrac: number;
  /** lines and paragraphs: hold the fraction out as the end of each file (a running text), not every n-th sequence */
  valTail?: boolean;
  /** separate validation files or folders (valFrac is then not used) */
  val?: readonly string[];
  /** use this vocabulary (a model's) instead of counting one; its text configuration must be the one asked for */
  vocab?: { tokens: readonly string[]; text: TextConfig; from: string };
  /** replace bytes that are not UTF-8 with U+FFFD instead of failing */
  replaceInvalid?: boolean;
}

export interface PrepareProgress {
  phase: PassMode;
  /** this pass (1-based) of `passes` */
  pass: number;
  passes: number;
  /** bytes read, all passes together, and their total */
  done: number;
  total: number;
  elapsedMs: number;
  /** input bytes per second so far (MB = 10⁶ bytes) */
  mbPerSec: number;
}

export interface PrepareRun {
  /** the store to write (a folder, by convention NAME.recur) */
  output: string;
  /** worker threads (default 1: this thread only) */
  threads?: number;
  /** replace an existing store */
  force?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: PrepareProgress) => void;
  /** a file that is not read (it looks binary, or is a store inside a folder) */
  onSkip?: (s: SkippedInfo) => void;
  /** bytes per read (default 1 MiB; tests use a few) */
  chunkBytes?: number;
  /** bytes per unit of work (default: the inputs over 8 per thread, 1–32 MiB; tests use a few) */
  rangeBytes?: number;
  /** ids per shard (default 2²⁸) */
  shardTokens?: number;
  /** file operations for writing (tests put failing ones in) */
  fs?: StoreFs;
}

function checkOptions(o: PrepareOptions, run: PrepareRun): void {
  const int = (name: string, v: number | undefined, min: number): void => {
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= min)) throw usageError(`${name} must be an integer ≥ ${min} (got ${v})`, name);
  };
  if (!LEVELS.includes(o.level) || !SPLITS.includes(o.split) || !TOKENIZERS.includes(o.tokenize)) throw usageError('unknown text configuration');
  int('maxVocab', o.maxVocab, 0);
  int('minCount', o.minCount, 1);
  if (!(o.valFrac >= 0 && o.valFrac < 1)) throw usageError(`valFrac must be in [0, 1) (got ${o.valFrac})`, 'valFrac');
  int('threads', run.threads, 1);
  if ((run.threads ?? 1) > 256) throw usageError(`threads must be at most 256 (got ${run.threads})`, 'threads');
  int('chunkBytes', run.chunkBytes, 1);
  int('rangeBytes', run.rangeBytes, 1);
  int('shardTokens', run.shardTokens, 1);
  const v = o.vocab;
  if (v) {
    const diff = (['level', 'split', 'tokenize', 'lowercase'] as const).filter((k) => v.text[k] !== o[k]);
    if (diff.length > 0) {
      const ours = diff.map((k) => `${k} ${o[k]}`).join(', '), theirs = diff.map((k) => `${k} ${v.text[k]}`).join(', ');
      throw usageError(`the text configuration asked for (${ours}) is not the one of ${v.from} (${theirs}), whose vocabulary is used; leave those options out or prepare without --vocab-from`);
    }
  }
}

/** input bytes that make another thread worth starting */
const PER_THREAD = 4 << 20;

export function abortedError(): RecurError {
  return new RecurError('aborted', 'preparation interrupted; no store was written');
}

/** Prepare a token store from text files and folders; resolves to its manifest. */
export async function prepareStore(inputs: readonly string[], o: PrepareOptions, run: PrepareRun): Promise<StoreManifest> {
  checkOptions(o, run);
  if (inputs.length === 0) throw usageError('give at least one text file or folder to prepare');
  const writer = StoreWriter.open(run.output, { force: !!run.force, fs: run.fs });
  let reader: InputReader | null = null, pool: StorePool | null = null;
  try {
    const { files, skipped } = listInputs(inputs, o.val ?? []);
    skipped.forEach((s) => run.onSkip?.(s));
    reader = new InputReader(files);
    // a worker costs tens of milliseconds to start: small inputs are read here (unless the work is cut on purpose)
    const bytes = files.reduce((n, f) => n + f.bytes, 0);
    const threads = run.rangeBytes ? run.threads ?? 1 : Math.min(run.threads ?? 1, Math.ceil(bytes / PER_THREAD));
    pool = threads > 1 ? await StorePool.start(threads) : null;
    const manifest = await new Preparation(files, skipped, o, { ...run, threads }, reader, pool, writer).run();
    return manifest;
  } catch (e) {
    // stop the workers before the temporary folder goes, so that nothing writes into it after
    await pool?.close();
    pool = null;
    writer.discard();
    throw e;
  } finally {
    reader?.close();
    await pool?.close();
  }
}

/** Where the encoding pass's ids go, and what to do as units are done and at the end. */
interface Streams {
  sinks: { train: IdSink; val: IdSink } | undefined;
  layouts: { train: ShardLayout; val: ShardLayout | null } | null;
  written: (task: UnitTask, out: UnitOutput) => void;
  close: () => { train: ShardInfo[]; val: ShardInfo[] | null };
  release: () => void;
}

const NO_VAL: IdSink = {
  write: () => {
    throw new RangeError('prepareStore: validation ids, but no validation part was counted');
  },
};

/** Per pass: what the units found, and what to do with each result as it comes (in unit order). */
interface PassSpec {
  mode: PassMode;
  first: boolean;
  vocab: readonly string[] | null;
  dtype: IdType;
  blockSize: number;
  /** encode on this thread: straight into the shard writers */
  sinks?: { train: IdSink; val: IdSink };
  /** encode on worker threads: the shards they write by position */
  shards?: { train: ShardLayout; val: ShardLayout | null } | null;
  onResult?: (task: UnitTask, out: UnitOutput) => void;
}

class Preparation {
  private readonly binary = new Map<number, number>();
  private readonly units: UnitTask[];
  private readonly chunkBytes: number;
  private readonly valFrac: number;
  private readonly passes: number;
  private readonly scan: boolean;
  private pass = 0;
  private done = 0;
  private readonly total: number;
  private readonly t0 = performance.now();

  constructor(
    private readonly files: InputFile[], private readonly skipped: SkippedInfo[], private readonly o: PrepareOptions,
    private readonly run_: PrepareRun, private readonly reader: InputReader, private readonly pool: StorePool | null,
    private readonly writer: StoreWriter,
  ) {
    this.chunkBytes = run_.chunkBytes ?? 1 << 20;
    this.valFrac = o.val && o.val.length > 0 ? 0 : o.valFrac;
    const bytes = files.reduce((n, f) => n + f.bytes, 0);
    const threads = run_.threads ?? 1;
    const rangeBytes = run_.rangeBytes ?? Math.min(32 << 20, Math.max(1 << 20, Math.ceil(bytes / (8 * threads))));
    const inputs = files.map((f) => ({ size: f.bytes, role: f.role }));
    this.units = planUnits(inputs, { split: o.split, valFrac: this.valFrac, valTail: o.valTail, rangeBytes, anywhere: o.level === 'char' && !o.lowercase },
      (s, off, buf) => reader.read(s, off, buf));
    this.scan = pool !== null && this.units.some((u) => u.pieces.some((p) => p.part === 'auto'));
    this.passes = this.scan ? 3 : 2;
    this.total = bytes * this.passes;
  }

  async run(): Promise<StoreManifest> {
    let first = true;
    if (this.scan) {
      const scanned = await this.runPass({ mode: 'scan', first: true, vocab: null, dtype: 'uint16', blockSize: 0 });
      setOffsets(this.units, scanned);
      first = false;
    }
    const counter = new TokenCounter();
    const counted = await this.runPass({
      mode: 'count', first, vocab: null, dtype: 'uint16', blockSize: 0,
      onResult: (task, out) => {
        addCounts(counter, task, out, this.binarySet);
        // merged: a large corpus has many units, and each unit's counts can be large
        out.counts = null;
      },
    });
    addBlankCounts(counter, counted);
    if (counted.train.sequences === 0) throw this.noText();
    setOffsets(this.units, counted);
    setPieces(this.units, counted, this.binarySet);
    const v = this.o.vocab;
    const vocab = v ? [...v.tokens] : buildVocab(counter, { maxVocab: this.o.maxVocab, minCount: this.o.minCount }).tokens.slice();
    const manifest = this.encode(vocab, counted);
    return manifest;
  }

  private get binarySet(): ReadonlySet<number> {
    return new Set(this.binary.keys());
  }

  private noText(): Error {
    const read = this.files.length - this.binary.size, skipped = this.skipped.length;
    return inputError(`there is no text to prepare: ${read} file${read === 1 ? '' : 's'} read (empty or white space only), ${skipped} skipped; give UTF-8 text files`);
  }

  /** The encoding pass, writing the shards; then the blocks and the manifest, and the store is moved into place. */
  private async encode(vocab: string[], counted: PassSummary): Promise<StoreManifest> {
    const dtype = idTypeFor(vocab.length), shardTokens = this.run_.shardTokens ?? DEFAULT_SHARD_TOKENS;
    const blockSize = this.o.split === 'none' ? 0 : sequencesPerBlock(counted.train.sequences);
    const hasVal = counted.val.sequences > 0;
    const streams = this.pool ? this.positioned(dtype, shardTokens, counted) : this.sequential(dtype, shardTokens, hasVal);
    const blocks: number[] = [];
    let encoded: PassSummary, shards: { train: ShardInfo[]; val: ShardInfo[] | null };
    try {
      encoded = await this.runPass({
        mode: 'encode', first: false, vocab, dtype, blockSize, sinks: streams.sinks, shards: streams.layouts,
        onResult: (task, out) => {
          for (const b of out.blocks) blocks.push(task.trainAt + b);
          streams.written(task, out);
        },
      });
      for (const part of ['train', 'val'] as const) {
        const a = counted[part], b = encoded[part];
        if (a.sequences !== b.sequences || a.tokens !== b.tokens) throw inputError('the inputs changed while they were being prepared; prepare again once nothing is writing to them');
      }
      shards = streams.close();
    } catch (e) {
      streams.release();
      throw e;
    }
    const parts: StoreManifest['parts'] = {
      train: { ...encoded.train, shards: shards.train },
      val: hasVal ? { ...encoded.val, shards: shards.val! } : null,
    };
    if (blockSize > 0) parts.train.blocks = this.writer.blocks(blocks, blockSize);
    const m = this.manifest(vocab, dtype, shardTokens, parts);
    this.writer.finish(m, !!this.run_.force);
    return m;
  }

  /** One thread: the encoders write into the shard writers, which hash as they write. */
  private sequential(dtype: IdType, shardTokens: number, hasVal: boolean): Streams {
    const train = this.writer.part('train', dtype, shardTokens);
    const val = hasVal ? this.writer.part('val', dtype, shardTokens) : null;
    // each stream opens with <eos> (id 0)
    for (const w of [train, val]) w?.write(new (idArrayType(dtype))(1), 1);
    return {
      sinks: { train, val: val ?? NO_VAL },
      layouts: null,
      written: () => {},
      close: () => ({ train: train.close(), val: val ? val.close() : null }),
      release: () => {},
    };
  }

  /** Worker threads: they write their units' ids by position (shards.ts); the main thread hashes them in unit order. */
  private positioned(dtype: IdType, shardTokens: number, counted: PassSummary): Streams {
    const layout = (prefix: string): ShardLayout => ({ dir: this.writer.tmp, prefix, dtype, shardTokens, target: this.writer.target });
    const io = <T>(f: () => T): T => this.writer.io(() => f());
    const hasVal = counted.val.sequences > 0;
    const hashes = { train: new ShardHashes(layout('train'), counted.train.tokens + 1, io), val: hasVal ? new ShardHashes(layout('val'), counted.val.tokens + 1, io) : null };
    for (const prefix of hasVal ? ['train', 'val'] : ['train']) {
      const eos = new ShardFiles(layout(prefix));
      try {
        eos.write(new (idArrayType(dtype))(1), 1);
      } finally {
        eos.close();
      }
    }
    return {
      sinks: undefined,
      layouts: { train: layout('train'), val: hasVal ? layout('val') : null },
      written: (task, out) => {
        hashes.train.hashTo(task.trainAt + out.pieces.reduce((n, p) => n + (p?.train.tokens ?? 0), 0));
        hashes.val?.hashTo(task.valAt + out.pieces.reduce((n, p) => n + (p?.val.tokens ?? 0), 0));
      },
      close: () => ({ train: hashes.train.close(), val: hashes.val ? hashes.val.close() : null }),
      release: () => {
        hashes.train.release();
        hashes.val?.release();
      },
    };
  }

  private manifest(vocab: string[], dtype: IdType, shardTokens: number, parts: { train: PartInfo; val: PartInfo | null }): StoreManifest {
    const o = this.o, from = o.vocab?.from ?? null;
    return {
      format: STORE_FORMAT,
      created: new Date().toISOString(),
      text: { level: o.level, split: o.split, tokenize: o.tokenize, lowercase: o.lowercase },
      vocabulary: { maxVocab: from ? null : o.maxVocab, minCount: from ? null : o.minCount, from },
      vocab,
      dtype,
      shardTokens,
      valFrac: this.valFrac,
      valTail: this.valFrac > 0 && o.split !== 'none' && !!o.valTail,
      sources: this.files.filter((_, i) => !this.binary.has(i)).map((f) => ({ path: f.path, bytes: f.bytes, mtimeMs: f.mtimeMs, part: f.role })),
      skipped: this.skipped,
      parts,
    };
  }

  /** Run one pass over all units; the summary of what they found. */
  private async runPass(spec: PassSpec): Promise<PassSummary> {
    this.pass++;
    const options: PassOptions = {
      mode: spec.mode, text: { level: this.o.level, split: this.o.split, tokenize: this.o.tokenize, lowercase: this.o.lowercase },
      valFrac: this.valFrac, replaceInvalid: !!this.o.replaceInvalid, collect: spec.mode === 'count' && !this.o.vocab, blockSize: spec.blockSize,
    };
    const results: UnitOutput[] = [];
    // in unit order: a file's first unit (which decides whether it looks binary) comes before its others
    const onResult = (task: UnitTask, out: UnitOutput): void => {
      for (const [source, offset] of out.binary) this.skip(source, offset);
      this.throwInvalid(task, out);
      spec.onResult?.(task, out);
      results[task.index] = out;
      if (this.pool) this.progress(spec.mode, unitBytes(task));
    };
    if (this.pool) {
      await this.pool.run({
        setup: { type: 'pass', files: this.files, options, vocab: spec.vocab, dtype: spec.dtype, chunkBytes: this.chunkBytes, shards: spec.shards ?? null },
        units: this.units, first: spec.first, binary: this.binarySet, onResult,
        signal: this.run_.signal, aborted: abortedError,
      });
    } else {
      await this.inProcess(spec, options, onResult);
    }
    for (const f of this.files) checkUnchanged(f);
    const binary = this.binarySet;
    // the scan reads the start of a file that looks binary (unit.ts) where the other passes leave it unread
    if (spec.mode === 'scan') this.units.forEach((task, u) => task.pieces.forEach((p, k) => binary.has(p.source) && (results[u].pieces[k] = null)));
    return summarize(this.units, results, binary, this.o.split);
  }

  private async inProcess(spec: PassSpec, options: PassOptions, onResult: (task: UnitTask, out: UnitOutput) => void): Promise<void> {
    const units = new FileUnits(this.reader, options, spec.vocab, spec.dtype, this.chunkBytes, spec.sinks);
    let auto = 0, last = performance.now();
    for (const task of this.units) {
      if (spec.first && spec.mode === 'count') task.autoOffset = auto;
      const steps = units.steps(task, spec.first, this.binarySet);
      for (let s = steps.next(); ; s = steps.next()) {
        if (s.done) {
          onResult(task, s.value);
          if (!unitDropped(task, s.value, this.binarySet)) for (const p of s.value.pieces) auto += p?.autoSequences ?? 0;
          break;
        }
        this.progress(spec.mode, s.value);
        if (performance.now() - last > 15) {
          await new Promise((r) => setImmediate(r));
          if (this.run_.signal?.aborted) throw abortedError();
          last = performance.now();
        }
      }
    }
  }

  private skip(source: number, offset: number): void {
    if (this.binary.has(source)) return;
    this.binary.set(source, offset);
    const s = { path: this.files[source].path, reason: looksBinary(offset) };
    this.skipped.push(s);
    this.run_.onSkip?.(s);
  }

  /** An ill-formed byte in a file that does not look binary: its one-line error (the first, as units come in order). */
  private throwInvalid(task: UnitTask, out: UnitOutput): void {
    out.pieces.forEach((p, k) => {
      const source = task.pieces[k].source;
      if (!p?.invalid || this.binary.has(source)) return;
      const f = this.files[source];
      throw invalidUtf8Error(f.role === 'val' ? 'validation file' : 'corpus', f.path, p.invalid.byte, p.invalid.offset, headBytes(f.path));
    });
  }

  private progress(phase: PassMode, bytes: number): void {
    this.done += bytes;
    const elapsedMs = performance.now() - this.t0;
    this.run_.onProgress?.({
      phase, pass: this.pass, passes: this.passes, done: this.done, total: this.total, elapsedMs,
      mbPerSec: this.done / this.passes / 1e6 / Math.max(1e-3, elapsedMs / 1000),
    });
  }
}

function unitBytes(task: UnitTask): number {
  return task.pieces.reduce((n, p) => n + p.end - p.start, 0);
}
