/**
 * What `recur train` records about a run in its checkpoints besides the
 * library's state and options: the corpus files (path, size, SHA-256, so a
 * resumed run can refuse a changed corpus) and its own options (where files go,
 * what is printed). Reading it back, and writing checkpoints as training goes.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  checkpointFromFile, checkpointParts, checkpointSummary, formatError, inputError, usageError, isCheckpoint, readBytes, readSafetensors, readSafetensorsHeader, safetensorsHeaderLength, resolveFamily, writeFileAtomic,
  TRAIN_COMMAND_OPTIONS, type Checkpoint, type FamilyValues, type Resumable, type StoreIdentity,
} from '../index.js';

const CLI_PARTS = { files: TRAIN_COMMAND_OPTIONS.files, printing: TRAIN_COMMAND_OPTIONS.printing } as const;
/** recur train's own options, resolved. */
export type CliSettings = FamilyValues<typeof CLI_PARTS>;

export interface FileDigest {
  path: string;
  bytes: number;
  sha256: string;
}

/** What a checkpoint's "run" metadata holds (recur train). */
export interface RunRecord {
  /** absolute paths of the corpus files, with their size and SHA-256 (none when the run reads a token store) */
  corpus: FileDigest[];
  /** the token store the run reads (its identity: manifest checksum, shards; not its data) */
  store?: StoreIdentity;
  /** the separate validation file (--val), likewise */
  val?: FileDigest;
  /** recur train's own options */
  cli: Record<string, Record<string, unknown>>;
  /** how the run stood when the checkpoint was written (absent in checkpoints of older versions) */
  status?: RunStatus;
}

export type RunStatus = 'running' | 'finished' | 'interrupted' | 'diverged';

/** SHA-256 and size of a file, read in pieces (a corpus may be large). */
export function fileDigest(path: string): FileDigest {
  const h = createHash('sha256'), buf = Buffer.allocUnsafe(1 << 20);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    throw inputError(`${path} cannot be read; the run's corpus must be where it was`);
  }
  let bytes = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      bytes += n;
    }
  } finally {
    closeSync(fd);
  }
  return { path: resolve(path), bytes, sha256: h.digest('hex') };
}

export function makeRunRecord(corpus: string[], cli: CliSettings, store?: StoreIdentity | null): RunRecord {
  const files = { ...cli.files, ...(cli.files.val ? { val: resolve(cli.files.val) } : {}), ...(cli.files.init ? { init: resolve(cli.files.init) } : {}) };
  const val = files.val ? fileDigest(files.val) : undefined;
  return { corpus: corpus.map(fileDigest), ...(store ? { store } : {}), ...(val ? { val } : {}), cli: { files, printing: { ...cli.printing } } };
}

function isStoreIdentity(x: unknown): x is StoreIdentity {
  const s = x as StoreIdentity;
  return typeof s === 'object' && s !== null && typeof s.path === 'string' && typeof s.id === 'string' && Array.isArray(s.shards) &&
    s.shards.every((f) => typeof f === 'object' && f !== null && typeof f.file === 'string' && typeof f.sha256 === 'string' && Number.isSafeInteger(f.bytes));
}

/** A checkpoint written by recur train: the library's part and the run record (recur-ckpt/1 records are converted). */
export function readCheckpoint(path: string): Checkpoint & { record: RunRecord } {
  const bytes = readBytes(path, 'checkpoint');
  if (bytes.length === 0) throw formatError(`checkpoint ${path} is empty`);
  const ck = checkpointFromFile(readSafetensors(bytes, path), path);
  const r = ck.run as Partial<RunRecord> & { flags?: Record<string, unknown> };
  const store = r.store !== undefined && isStoreIdentity(r.store) ? r.store : undefined;
  const corpusOk = Array.isArray(r.corpus) && (r.corpus.length > 0 || store !== undefined) && (r.store === undefined || store !== undefined) &&
    r.corpus.every((c) => typeof c === 'object' && c !== null && typeof c.path === 'string' && typeof c.sha256 === 'string' && Number.isSafeInteger(c.bytes));
  const cli = r.cli ?? (r.flags ? legacyCli(r.flags) : undefined);
  if (!corpusOk || typeof cli !== 'object' || cli === null) {
    throw formatError(`${path}: the checkpoint does not record its run's corpus and options (metadata "run"); it was not written by recur train`);
  }
  const status = ['running', 'finished', 'interrupted', 'diverged'].includes(r.status as string) ? { status: r.status } : {};
  return { ...ck, record: { corpus: r.corpus!, ...(store ? { store } : {}), ...(r.val ? { val: r.val } : {}), cli, ...status } };
}

/**
 * A checkpoint's run status and step, from its header alone: a new run asks
 * this of the file it would replace, and a word model's checkpoint holds tens
 * of megabytes of tensors that it need not read (nor keep in memory).
 */
export function readCheckpointStatus(path: string): { status: RunStatus | 'unknown'; step: number } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size, first8 = Buffer.alloc(8);
    readSync(fd, first8, 0, 8, 0);
    const n = safetensorsHeaderLength(first8, size, path);
    const head = Buffer.alloc(8 + n);
    readSync(fd, head, 0, 8 + n, 0);
    const { run, step } = checkpointSummary(readSafetensorsHeader(head, size, path).metadata, path);
    const status = ['running', 'finished', 'interrupted', 'diverged'].includes(run.status as string) ? (run.status as RunStatus) : 'unknown';
    return { status, step };
  } finally {
    closeSync(fd);
  }
}

/** recur-ckpt/1 kept every flag in one bag: recur train's own options are the ones of its files and printing parts. */
function legacyCli(flags: Record<string, unknown>): RunRecord['cli'] {
  const pick = (table: object): Record<string, unknown> => Object.fromEntries(Object.keys(table).filter((k) => flags[k] !== undefined && flags[k] !== null).map((k) => [k, flags[k]]));
  return { files: pick(CLI_PARTS.files), printing: pick(CLI_PARTS.printing) };
}

/** recur train's own options: the run's recorded ones, with the ones given now (all of them may change on resume but init, val, replaceInvalid). */
export function cliSettings(given: Record<string, Record<string, unknown>>, recorded?: RunRecord['cli']): CliSettings {
  if (!recorded) return resolveFamily(CLI_PARTS, { files: given.files, printing: given.printing });
  for (const [name, v] of Object.entries(given.files ?? {})) {
    const spec = CLI_PARTS.files[name as keyof typeof CLI_PARTS.files];
    const had = recorded.files?.[name];
    const same = name === 'val' || name === 'init' ? resolve(String(v)) === had : v === had;
    if (spec.onResume === 'fixed' && !same) {
      throw usageError(`${name} disagrees with the checkpoint being resumed (it had ${had === undefined ? 'none' : JSON.stringify(had)}); leave it out to continue the run`, name);
    }
  }
  const keep = (part: 'files' | 'printing'): Record<string, unknown> => ({ ...recorded[part], ...given[part] });
  // the checkpoint path is the resumed file's unless given (resolved by the caller)
  return resolveFamily(CLI_PARTS, { files: { ...keep('files'), resume: given.files?.resume }, printing: keep('printing') });
}

/** Stop if a corpus file is not the one the checkpoint was trained on. */
export function checkCorpusUnchanged(record: RunRecord): void {
  const files = record.val ? [...record.corpus, record.val] : record.corpus;
  for (const c of files) {
    const now = fileDigest(c.path);
    if (now.bytes !== c.bytes || now.sha256 !== c.sha256) {
      throw inputError(`${c === record.val ? 'validation file' : 'corpus'} ${c.path} has changed since the checkpoint was written (${c.bytes} bytes then, ${now.bytes} now); an exact resume needs the same text`);
    }
  }
}

/** Writes checkpoints, atomically, to one path, each with the run record and how the run stands. */
export function checkpointWriter(path: string, record: RunRecord): (c: Resumable, status?: RunStatus) => Promise<void> {
  return (c, status = 'running') => writeFileAtomic(path, checkpointParts({ ...c, run: { ...record, status } as unknown as Record<string, unknown> }));
}

/** True when the file is a checkpoint (by its metadata), false for anything else that parses. */
export function isCheckpointFile(path: string): boolean {
  const bytes = readBytes(path, 'file');
  return bytes.length > 0 && isCheckpoint(readSafetensors(bytes, path));
}
