/**
 * Checkpoints on the command line: what `recur train` records about a run in
 * its checkpoint, how `recur train --resume CKPT` turns that back into the
 * run's options (checking the options repeated on the command line against
 * it), and writing checkpoints as training goes.
 *
 * Options that change what is computed must agree with the checkpoint; the
 * limits (--steps, --epochs, --time; they count the whole run, from step 0)
 * may be changed to extend it, and so may the options that only change where
 * files go or what is printed (-o, --checkpoint*, --samples, --quiet, --json,
 * --report, --no-color), and how the same numbers are computed (--threads, --kernels).
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { formatError, inputError, usageError, readSafetensors, readBytes, writeFileAtomic, checkpointFromFile, isCheckpoint, saveCheckpoint, CHECKPOINT_FORMAT, type Checkpoint, type CheckpointPolicy, type TrainState } from '../index.js';

/** Default time between checkpoints. */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 5 * 60_000;

/** Options that may differ on --resume: the limits, and where files go / what is printed. */
const FREE = new Set(['steps', 'epochs', 'time', 'resume', 'output', 'checkpoint', 'checkpointEvery', 'checkpointInterval', 'samples', 'quiet', 'json', 'report', 'color', 'threads', 'kernels']);
const LIMITS = ['steps', 'epochs', 'time'] as const;

/** What a checkpoint records about the run (its "run" metadata). */
export interface RunRecord {
  /** absolute paths of the corpus files, with their size and SHA-256 */
  corpus: { path: string; bytes: number; sha256: string }[];
  /** the option values of the run (commander's attribute names), limits resolved */
  flags: Record<string, unknown>;
  /** the separate validation file (--val), likewise */
  val?: { path: string; bytes: number; sha256: string };
}

/** SHA-256 and size of a file, read in pieces (a corpus may be large). */
export function fileDigest(path: string): { bytes: number; sha256: string } {
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
  return { bytes, sha256: h.digest('hex') };
}

export function makeRunRecord(corpus: string[], flags: Record<string, unknown>): RunRecord {
  const kept: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags)) if (k !== 'resume' && v !== undefined) kept[k] = v;
  for (const k of ['val', 'init'] as const) if (typeof kept[k] === 'string') kept[k] = resolve(kept[k] as string);
  const val = typeof kept.val === 'string' ? { path: kept.val, ...fileDigest(kept.val) } : undefined;
  return { corpus: corpus.map((p) => ({ path: resolve(p), ...fileDigest(p) })), flags: kept, ...(val ? { val } : {}) };
}

/** Read a checkpoint file (one-line errors for every way it can be unusable). */
export function readCheckpoint(path: string): Checkpoint & { record: RunRecord } {
  const bytes = readBytes(path, 'checkpoint');
  if (bytes.length === 0) throw formatError(`checkpoint ${path} is empty`);
  const ck = checkpointFromFile(readSafetensors(bytes, path), path);
  const r = ck.run as Partial<RunRecord>;
  const corpusOk = Array.isArray(r.corpus) && r.corpus.length > 0 &&
    r.corpus.every((c) => typeof c === 'object' && c !== null && typeof c.path === 'string' && typeof c.sha256 === 'string' && Number.isSafeInteger(c.bytes));
  if (!corpusOk || typeof r.flags !== 'object' || r.flags === null || Array.isArray(r.flags)) {
    throw formatError(`${path}: the checkpoint does not record its run's corpus and options (metadata "run"); it was not written by recur train`);
  }
  return { ...ck, record: r as RunRecord };
}

const kebab = (k: string): string => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

/**
 * The flags to continue a run with: the checkpoint's, with the limits (and the
 * free options) the command line gives. An option given on the command line
 * with another value than the run's is a usage error naming it.
 */
export function resumeFlags<F extends object>(record: RunRecord, given: F, cmd: Command, corpus: string[], ckptPath: string): F {
  const fromCli = (k: string): boolean => cmd.getOptionValueSource(k) === 'cli';
  const g = given as Record<string, unknown>;
  const stored = record.flags;
  for (const [k, v] of Object.entries(g)) {
    if (FREE.has(k) || !fromCli(k)) continue;
    const want = k === 'val' || k === 'init' ? (typeof v === 'string' ? resolve(v) : v) : v;
    if (JSON.stringify(want) !== JSON.stringify(stored[k])) {
      const was = stored[k] === undefined ? 'not given' : JSON.stringify(stored[k]);
      throw usageError(`${kebab(k)} ${JSON.stringify(v)} disagrees with the checkpoint ${ckptPath} (the run had ${was}); leave it out to continue the run as it was, or start a new run without --resume`);
    }
  }
  if (corpus.length > 0) {
    const paths = corpus.map((p) => resolve(p)), had = record.corpus.map((c) => c.path);
    if (JSON.stringify(paths) !== JSON.stringify(had)) {
      throw usageError(`the corpus ${corpus.join(' ')} disagrees with the checkpoint ${ckptPath} (the run trained on ${had.join(' ')}); leave it out to continue the run`);
    }
  }
  const out: Record<string, unknown> = { ...g, ...stored };
  for (const k of FREE) if (fromCli(k)) out[k] = g[k];
  // limits given on the command line replace the run's limits
  if (LIMITS.some(fromCli)) for (const k of LIMITS) out[k] = fromCli(k) ? g[k] : undefined;
  out.resume = g.resume;
  return out as F;
}

/** Stop if a corpus file is not the one the checkpoint was trained on. */
export function checkCorpusUnchanged(record: RunRecord): void {
  const v = record.val;
  const files = v && typeof v.path === 'string' && typeof v.sha256 === 'string' ? [...record.corpus, v] : record.corpus;
  for (const c of files) {
    const now = fileDigest(c.path);
    if (now.bytes !== c.bytes || now.sha256 !== c.sha256) {
      throw inputError(`${c === record.val ? 'validation file' : 'corpus'} ${c.path} has changed since the checkpoint was written (${c.bytes} bytes then, ${now.bytes} now); an exact resume needs the same text`);
    }
  }
}

/** Writes checkpoints for the trainer, atomically, to one path. */
export function checkpointWriter(path: string, record: RunRecord, every: number, intervalMs: number): CheckpointPolicy & { write: (s: TrainState) => Promise<void> } {
  const write = (state: TrainState): Promise<void> => writeFileAtomic(path, saveCheckpoint({ state, run: record as unknown as Record<string, unknown> }));
  return { every, intervalMs, save: write, write };
}

export { CHECKPOINT_FORMAT };

/** True when the file is a checkpoint (by its metadata), false for anything else that parses. */
export function isCheckpointFile(path: string): boolean {
  const bytes = readBytes(path, 'file');
  return bytes.length > 0 && isCheckpoint(readSafetensors(bytes, path));
}
