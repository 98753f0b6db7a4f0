/** Helpers shared by the commands. */
import { statSync } from 'node:fs';
import { loadModel, type LanguageModel, readModelBytes } from '../index.js';
export { writeFileAtomic } from '../index.js';

export function readModel(path: string): LanguageModel {
  return loadModel(readModelBytes(path), path);
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

/** Milliseconds as 4.2s, 3m05s, 1h02m, 3d04h. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const m = Math.floor(s / 60), h = Math.floor(m / 60);
  if (h >= 48) return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
  if (h > 0) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${m}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * Inputs of at most this many bytes are scored on one thread unless --threads
 * says otherwise: starting a worker costs more than it saves there. Measured
 * (2-core Xeon, the Brown GRU 256 model, `recur score`, medians): one sentence
 * 568 ms on one thread against 740 ms on two; 10 sentences (1.2 KB) 635
 * against 710 ms; about even at 100 (12 KB); 1,000 sentences 2.56 s against
 * 1.77 s.
 */
export const ONE_THREAD_MAX_BYTES = 4096;

/** The size of a file to score (a pipe or device: unknown, so Infinity). */
export function inputBytes(path: string): number {
  const st = statSync(path);
  return st.isFile() ? st.size : Infinity;
}

/** The threads for scoring an input of `bytes`: the given ones, else one for a small input, else (undefined) every core. */
export function threadsFor(given: number | undefined, bytes: number): number | undefined {
  return given ?? (bytes <= ONE_THREAD_MAX_BYTES ? 1 : undefined);
}
