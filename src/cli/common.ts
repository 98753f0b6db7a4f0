/** Helpers shared by the commands. */
import { Option } from 'commander';
import { renameSync, writeFileSync, openSync, fsyncSync, closeSync, unlinkSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { inputError } from '../core/errors.js';
import { loadModel } from '../io/model-file.js';
import { KERNEL_SETS, type KernelSetName } from '../kernels/index.js';
import type { LanguageModel } from '../nn/model.js';
import { readModelBytes } from '../node/files.js';

export function kernelsOption(): Option {
  return new Option('--kernels <set>', 'kernel set: the fast one, or the scalar reference for debugging')
    .choices([...KERNEL_SETS])
    .default(KERNEL_SETS[KERNEL_SETS.length - 1] as KernelSetName);
}

export function readModel(path: string): LanguageModel {
  return loadModel(readModelBytes(path), path);
}

/** Write a file so that a crash leaves the old file or the new one, never a torn one. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  try {
    writeFileSync(tmp, bytes);
    const fd = openSync(tmp, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* nothing to clean */
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw inputError(`cannot write ${path}: its directory does not exist`);
    if (code === 'EACCES' || code === 'EPERM') throw inputError(`cannot write ${path}: permission denied`);
    if (code === 'ENOSPC') throw inputError(`cannot write ${path}: the disk is full`);
    throw inputError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

export function fmt(x: number, digits = 4): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

/** 1234567 → "1.23M" */
export function compact(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}K`;
  return String(Math.round(n));
}
