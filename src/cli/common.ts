/** Helpers shared by the commands. */
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

