/** Helpers shared by the commands. */
import { Option } from 'commander';
import { loadModel } from '../io/model-file.js';
import { DEFAULT_KERNELS, KERNEL_SETS } from '../kernels/index.js';
import type { LanguageModel } from '../nn/model.js';
import { readModelBytes } from '../node/files.js';

export function kernelsOption(): Option {
  return new Option('--kernels <set>', 'kernel set: wasm = the fastest WebAssembly build here (fma where the engine has relaxed SIMD, else simd), simd, fma, or the scalar reference for debugging')
    .choices([...KERNEL_SETS])
    .default(DEFAULT_KERNELS);
}

export function readModel(path: string): LanguageModel {
  return loadModel(readModelBytes(path), path);
}

export { writeFileAtomic } from '../node/atomic-write.js';

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
