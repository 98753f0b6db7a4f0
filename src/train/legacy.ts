/**
 * Reading the options a checkpoint records: recur-ckpt/2 stores the resolved
 * options; recur-ckpt/1 (before options had a schema) stored recur train's
 * command-line values under "run".flags, with durations in milliseconds.
 */
import { formatError, isRecurError } from '../core/errors.js';
import { fieldsOf, nest, resolveFamily } from '../core/options.js';
import { TRAIN_OPTIONS, type TrainOptions } from './options.js';

function resolved(given: Record<string, Record<string, unknown>>, what: string): TrainOptions {
  try {
    return resolveFamily(TRAIN_OPTIONS, given);
  } catch (e) {
    if (isRecurError(e)) throw formatError(`${what}: the options it records are invalid (${e.message}); the checkpoint is damaged`);
    throw e;
  }
}

/** Options stored by recur-ckpt/2, checked against the schema. */
export function parseOptions(raw: unknown, what: string): TrainOptions {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw formatError(`${what}: metadata "options" must be a JSON object; the checkpoint is damaged`);
  return resolved(raw as Record<string, Record<string, unknown>>, what);
}

/** Options from a recur-ckpt/1 run record's command-line flags (unknown and command-line-only flags left out). */
export function legacyOptions(run: Record<string, unknown>, what: string): TrainOptions {
  const flags = run.flags;
  if (typeof flags !== 'object' || flags === null || Array.isArray(flags)) {
    throw formatError(`${what}: the checkpoint does not record its run's options (metadata "run".flags); it was not written by recur train`);
  }
  const fields = fieldsOf(TRAIN_OPTIONS);
  const kept: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(flags as Record<string, unknown>)) {
    const f = fields.get(name);
    if (!f || v === undefined || v === null) continue;
    kept[name] = f[1].type === 'duration' && typeof v === 'number' ? v / 1000 : v;
  }
  return resolved(nest(TRAIN_OPTIONS, kept), what);
}
