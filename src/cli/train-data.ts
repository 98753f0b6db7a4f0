/**
 * What `recur train` trains on. A token store (recur prepare) is opened and
 * read from disk as training goes. Plain text up to IN_MEMORY_MAX_BYTES is
 * read and encoded in memory; larger text is first prepared into a temporary
 * store beside the model (with a progress line: bytes, MB/s, ETA), trained on
 * from disk like any store, and removed afterwards, also when training fails
 * or is interrupted, so memory never grows with the corpus and no text is
 * ever held as one string. (The environment variable RECUR_IN_MEMORY_MAX_BYTES
 * sets another threshold: tests use a few bytes.)
 */
import { availableParallelism } from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  isRecurError, prepareStore, prepareTraining, readText, trainingData,
  type PrepareOptions, type TrainInput, type TrainOptions, type TrainingData, type PreparedCorpus,
} from '../index.js';
import type { CliIO } from './io.js';
import { ExitWith } from './exit.js';
import { SignalStop } from './signals.js';
import { ProgressLine } from './ui/progress.js';

/**
 * Plain text up to this size is encoded in memory; above it, prepared into a
 * temporary store. Measured with `recur train FILE --steps 5` (char, GRU 256,
 * 2 cores under a load of about 6, two runs each, the two paths alternated):
 * at 16 MB in memory took 15 s and 237 MB peak RSS, through a store 18–20 s
 * and 197–202 MB; at 64 MB in memory 18–20 s and 380 MB, through a store
 * 16–19 s and 199–204 MB. Between the two the store costs about as much time
 * as it saves in memory, whose growth (about 4.5 bytes per byte of text) it stops.
 */
export const IN_MEMORY_MAX_BYTES = 32e6;

export interface DataChoice {
  /** train on this store (given, or a temporary one) */
  store?: string;
  /** the temporary store this run prepares (removed afterwards) */
  temporary?: string;
}

/** The bytes of the files (a missing one counts 0: reading it names it). */
function sizeOf(paths: readonly string[]): number {
  let n = 0;
  for (const p of paths) {
    try {
      n += fs.statSync(p).size;
    } catch {
      // reported when read
    }
  }
  return n;
}

/** Train from a temporary store when the text is large; where that store goes (beside the model). */
export function chooseData(paths: readonly string[], val: string | undefined, output: string, inMemoryMax = IN_MEMORY_MAX_BYTES): DataChoice {
  if (sizeOf(val ? [...paths, val] : paths) <= inMemoryMax) return {};
  const name = `.${path.basename(output)}.${process.pid}.${Date.now().toString(36)}.recur`;
  const temporary = path.join(path.dirname(path.resolve(output)), name);
  return { store: temporary, temporary };
}

/** Remove a temporary store now and (for a second Ctrl-C, which exits at once) at exit. */
export function removeOnExit(dir: string): () => void {
  const remove = (): void => fs.rmSync(dir, { recursive: true, force: true });
  process.once('exit', remove);
  return () => {
    process.off('exit', remove);
    remove();
  };
}

/** Prepare the run's text files into its temporary store, with the progress line (with --json: progress events) and Ctrl-C handling of recur prepare. */
export async function prepareTemporary(
  io: CliIO, paths: string[], o: TrainOptions, input: TrainInput, files: { val?: string; replaceInvalid: boolean; output: string },
  mode: 'tty' | 'plain' | 'quiet', json: ((x: object) => void) | null,
): Promise<void> {
  const d = o.data;
  const text = { level: d.level, split: d.split, tokenize: d.tokenize, lowercase: d.lowercase };
  const tokens = input.resume?.state.vocab ?? input.init?.vocab.tokens;
  const po: PrepareOptions = {
    ...text, maxVocab: d.maxVocab, minCount: d.minCount, valFrac: d.valFrac, valTail: o.model.runningText, val: files.val ? [files.val] : undefined,
    vocab: tokens ? { tokens, text, from: input.resume ? 'the checkpoint' : 'the initial model' } : undefined, replaceInvalid: files.replaceInvalid,
  };
  const label = `preparing ${paths.length === 1 ? paths[0] : `${paths.length} files`} (large text: read from disk while training)`;
  const line = new ProgressLine(io.stderr, label, mode, json);
  const stop = new SignalStop(io);
  try {
    await prepareStore(paths, po, { output: files.output, threads: availableParallelism(), signal: stop.signal, onProgress: (p) => line.progress(p) });
  } catch (e) {
    line.clear();
    if (isRecurError(e) && e.kind === 'aborted') {
      io.stderr.write('recur: interrupted while preparing the corpus; nothing was trained or written\n');
      throw new ExitWith(stop.exitCode);
    }
    throw e;
  } finally {
    stop.dispose();
  }
  line.clear();
}

/** The data of a run: its store opened, or its (small) text files read and encoded in memory. */
export function openData(input: TrainInput, o: TrainOptions, paths: string[], files: { val?: string; replaceInvalid: boolean }, store?: string): TrainingData | PreparedCorpus {
  if (store !== undefined) return trainingData({ ...input, store }, o);
  const read = (p: string, role: string): string => readText(p, { role, replaceInvalid: files.replaceInvalid });
  // the texts are dropped once encoded: a large corpus is not kept as text while training
  return prepareTraining({ ...input, texts: paths.map((p) => read(p, 'corpus')), valTexts: files.val ? [read(files.val, 'validation file')] : undefined }, o);
}
