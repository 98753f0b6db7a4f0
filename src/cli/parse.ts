/**
 * Option value parsers for commander. Each throws InvalidArgumentError with
 * the allowed range, which the CLI turns into a usage error (exit 2).
 */
import { InvalidArgumentError } from 'commander';

export function int(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^[+-]?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `must be an integer ≥ ${min}.` : `must be an integer from ${min} to ${max}.`);
    }
    return n;
  };
}

/** A number in a range; `open` bounds are exclusive. */
export function num(min: number, max: number, opts: { minOpen?: boolean; maxOpen?: boolean } = {}) {
  const lo = `${opts.minOpen ? '>' : '≥'} ${min}`, hi = `${opts.maxOpen ? '<' : '≤'} ${max}`;
  const range = max === Infinity ? lo : `${lo} and ${hi}`;
  return (v: string): number => {
    const n = Number(v);
    const ok = v.trim() !== '' && Number.isFinite(n) &&
      (opts.minOpen ? n > min : n >= min) && (max === Infinity || (opts.maxOpen ? n < max : n <= max));
    if (!ok) throw new InvalidArgumentError(`must be a number ${range}.`);
    return n;
  };
}

/** A duration: 90, 90s, 10m, 1.5h, 2d → milliseconds. */
export function duration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError('must be a duration such as 90s, 10m or 2h.');
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 's'] as number;
  if (!(n > 0)) throw new InvalidArgumentError('must be a positive duration such as 90s, 10m or 2h.');
  return n * unit;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const m = Math.floor(s / 60), h = Math.floor(m / 60);
  if (h > 0) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${m}m${String(s % 60).padStart(2, '0')}s`;
}

/** "2000,10000" → [2000, 10000] (increasing positive integers). */
export function cutoffList(v: string): number[] {
  const xs = v.split(',').map((x) => Number(x.trim()));
  if (xs.length === 0 || !xs.every((x, i) => Number.isInteger(x) && x > 0 && (i === 0 || x > xs[i - 1]))) {
    throw new InvalidArgumentError('must be increasing positive integers separated by commas, e.g. 2000,10000.');
  }
  return xs;
}
