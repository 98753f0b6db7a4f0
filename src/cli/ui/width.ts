/**
 * Terminal width, never zero. A pseudo-terminal without a size (script(1),
 * `docker run -t`, some CI runners and editor terminals) reports 0 columns;
 * line-wrapping arithmetic then divides by zero (ora redrew its spinner
 * forever), so an unknown or zero width counts as 80.
 */
import type { Out } from '../io.js';

export const DEFAULT_COLUMNS = 80;

export function columnsOf(out: { columns?: number }): number {
  const c = out.columns;
  return typeof c === 'number' && Number.isFinite(c) && c > 0 ? c : DEFAULT_COLUMNS;
}

/** The same stream, reporting a usable width (for libraries that read `columns` themselves). */
export function withUsableWidth<T extends Out & { columns?: number }>(out: T): T {
  return new Proxy(out, {
    get(target, key) {
      if (key === 'columns') return columnsOf(target);
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
