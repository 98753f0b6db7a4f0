/**
 * A training run's loss history: the mean training loss per logging interval
 * and every validation loss. The trainer keeps it in full; a model file keeps
 * a compact, thinned copy in its `training` metadata so that a report can be
 * drawn from the model alone.
 */

export interface HistoryPoint {
  step: number;
  /** fractional epochs done */
  epoch: number;
  elapsedMs: number;
  loss: number;
}

export interface History {
  train: HistoryPoint[];
  val: HistoryPoint[];
}

/** The compact form kept in a model file's `training` metadata: [step, elapsed seconds, loss]. */
export interface CompactHistory {
  train: [number, number, number][];
  val: [number, number, number][];
}

const MAX_POINTS = 200;

/** Keep at most `max` points, evenly spread, always the first and the last. */
export function thin<T>(points: readonly T[], max = MAX_POINTS): T[] {
  if (points.length <= max) return points.slice();
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(points[Math.round((i * (points.length - 1)) / (max - 1))]);
  return out;
}

const r4 = (x: number): number => Number(x.toPrecision(5));

export function compactHistory(h: { train: readonly HistoryPoint[]; val: readonly HistoryPoint[] }, max = MAX_POINTS): CompactHistory {
  const c = (p: HistoryPoint): [number, number, number] => [p.step, Number((p.elapsedMs / 1000).toFixed(2)), r4(p.loss)];
  return { train: thin(h.train, max).map(c), val: thin(h.val, max).map(c) };
}

/** Points {step, elapsedMs, loss} from a compact history of unknown provenance (bad entries are skipped). */
export function expandHistory(c: unknown): { train: Omit<HistoryPoint, 'epoch'>[]; val: Omit<HistoryPoint, 'epoch'>[] } {
  const pts = (a: unknown): Omit<HistoryPoint, 'epoch'>[] =>
    Array.isArray(a)
      ? a
          .filter((p): p is [number, number, number] => Array.isArray(p) && p.length >= 3 && p.every((x) => typeof x === 'number'))
          .map(([step, s, loss]) => ({ step, elapsedMs: s * 1000, loss }))
      : [];
  const o = (typeof c === 'object' && c !== null ? c : {}) as Record<string, unknown>;
  return { train: pts(o.train), val: pts(o.val) };
}
