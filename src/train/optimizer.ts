/**
 * Optimizers over the flat parameter block (PyTorch's update rules and
 * defaults; the rules themselves are in kernels/ref/update.ts). Moments live
 * in the heap beside the parameters, one region per moment with the parameter
 * layout, so a step is one loop over n numbers, which the threads of a run
 * may split between them (parallel/pool.ts).
 */
import type { HeapPlan } from '../core/heap.js';
import type { OptimizerName, UpdateStep } from '../kernels/ref/update.js';

export type { OptimizerName, UpdateStep };
export const OPTIMIZERS: readonly OptimizerName[] = ['adam', 'sgd', 'adagrad', 'rmsprop'];

/** Default learning rate of each optimizer. */
export const DEFAULT_LR: Record<OptimizerName, number> = { adam: 2e-3, sgd: 0.5, adagrad: 0.05, rmsprop: 2e-3 };

/** Moment buffers each optimizer keeps (adam: m and v; adagrad and rmsprop: one accumulator; sgd: none). */
export function momentCount(name: OptimizerName): number {
  return name === 'sgd' ? 0 : name === 'adam' ? 2 : 1;
}

/** What an optimizer carries across a restart. */
export interface OptimizerState {
  name: OptimizerName;
  /** steps taken */
  t: number;
  /** copies of the moment buffers, in the order of `regions()` */
  moments: Float32Array[];
}

export class Optimizer {
  readonly name: OptimizerName;
  readonly n: number;
  /** first moment region (adam), or the squared-gradient accumulator (adagrad, rmsprop); −1 for sgd */
  readonly m: number;
  /** second moment region (adam); −1 otherwise */
  readonly v: number;
  /** steps taken (adam's bias correction) */
  t = 0;
  weightDecay = 0;

  constructor(plan: HeapPlan, name: OptimizerName, n: number) {
    this.name = name;
    this.n = n;
    this.m = momentCount(name) >= 1 ? plan.alloc(n) : -1;
    this.v = momentCount(name) >= 2 ? plan.alloc(n) : -1;
  }

  /** Moment regions as (offset, length) pairs, for checkpoints. */
  regions(): [number, number][] {
    const r: [number, number][] = [];
    if (this.m >= 0) r.push([this.m, this.n]);
    if (this.v >= 0) r.push([this.v, this.n]);
    return r;
  }

  reset(f: Float32Array): void {
    for (const [off, n] of this.regions()) f.fill(0, off, off + n);
    this.t = 0;
  }

  snapshot(f: Float32Array): OptimizerState {
    return { name: this.name, t: this.t, moments: this.regions().map(([off, n]) => f.slice(off, off + n)) };
  }

  /** Continue from a snapshot (of an optimizer of the same kind and size; the caller checks). */
  restore(f: Float32Array, s: OptimizerState): void {
    this.t = s.t;
    this.regions().forEach(([off], i) => f.set(s.moments[i], off));
  }

  /** The next step at rate lr (counted as taken): what kernels/ref/update.ts updateRange applies to each part of the block. */
  next(lr: number): UpdateStep {
    this.t++;
    return { name: this.name, m: this.m, v: this.v, weightDecay: this.weightDecay, t: this.t, lr };
  }
}
