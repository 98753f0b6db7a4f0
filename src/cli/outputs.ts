/**
 * Where `recur train` writes, checked before the first step, and the rules
 * that keep a user's earlier work: a new run does not replace the checkpoint
 * of an unfinished run (that needs --resume or --force), and a run that ends
 * badly (diverged, interrupted) does not replace a model file that was there
 * before it started: its model goes beside it.
 */
import { existsSync } from 'node:fs';
import { checkWritable, usageError } from '../index.js';
import { readCheckpointStatus } from './resume.js';

/** How recur is run in the hints we print (after `npm ci` the command is not on PATH; npx finds it either way). */
export const RECUR = 'npx recur';

/** The files a run writes; each is checked now (a folder, a missing or read-only folder) rather than after hours of training. */
export function checkOutputs(paths: { model: string; checkpoint: string; report?: string }): void {
  checkWritable(paths.model, 'model (-o)');
  checkWritable(paths.checkpoint, 'checkpoint (--checkpoint)');
  if (paths.report) checkWritable(paths.report, 'report (--report)');
}

/**
 * A new run must not replace another run's unfinished checkpoint. Returns a
 * note when it replaces a finished one (the model file of that run stays).
 * Only the checkpoint's header is read.
 */
export function guardCheckpoint(path: string, force: boolean): string | null {
  if (!existsSync(path)) return null;
  let ck: ReturnType<typeof readCheckpointStatus>;
  try {
    ck = readCheckpointStatus(path);
  } catch {
    if (force) return `replacing ${path}, which was not a usable checkpoint`;
    throw usageError(`${path} already exists and is not a recur checkpoint; choose another path with --checkpoint, or --force to replace it`, 'force');
  }
  if (ck.status === 'finished') return `replacing the checkpoint of a finished run (step ${ck.step}) in ${path}`;
  if (force) return `starting over: replacing the ${ck.status} run (step ${ck.step}) in ${path}`;
  throw usageError(
    `${path} holds ${ck.status === 'diverged' ? 'a diverged' : 'an unfinished'} run (step ${ck.step}); continue it with ${RECUR} train --resume ${path}, or start over with force`,
    'force',
  );
}

/** Beside `model.safetensors`: `model.diverged.safetensors`. */
export function besidePath(path: string, what: string): string {
  return /\.safetensors$/.test(path) ? path.replace(/\.safetensors$/, `.${what}.safetensors`) : `${path}.${what}`;
}
