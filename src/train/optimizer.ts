/**
 * Optimizers over the flat parameter block (PyTorch's update rules and
 * defaults). Moments live in the heap beside the parameters, one region per
 * moment with the parameter layout, so a step is one loop over n numbers.
 *
 *   sgd      θ ← θ − η g
 *   adam     m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  θ ← θ − η m̂ / (√v̂ + ε),  m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)
 *   adagrad  s ← s + g²;  θ ← θ − η g / (√s + ε)
 *   rmsprop  v ← αv + (1−α)g²;  θ ← θ − η g / (√v + ε)
 *
 * With weight decay λ, g ← g + λθ first (L2, as torch.optim's weight_decay).
 */
import type { HeapPlan } from '../core/heap.js';

export type OptimizerName = 'adam' | 'sgd' | 'adagrad' | 'rmsprop';
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

const BETA1 = 0.9, BETA2 = 0.999, ADAM_EPS = 1e-8;
const RMS_ALPHA = 0.99, RMS_EPS = 1e-8, ADAGRAD_EPS = 1e-10;

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

  /** One update of the n parameters at `p` from the gradients at `g`. */
  step(f: Float32Array, p: number, g: number, lr: number): void {
    const n = this.n, wd = this.weightDecay;
    this.t++;
    switch (this.name) {
      case 'sgd':
        for (let i = 0; i < n; i++) f[p + i] -= lr * (f[g + i] + wd * f[p + i]);
        break;
      case 'adam': {
        const m = this.m, v = this.v;
        const c1 = 1 - Math.pow(BETA1, this.t), c2 = 1 - Math.pow(BETA2, this.t);
        const stepSize = lr / c1, sqrtC2 = Math.sqrt(c2);
        for (let i = 0; i < n; i++) {
          const gi = f[g + i] + wd * f[p + i];
          const mi = (f[m + i] = BETA1 * f[m + i] + (1 - BETA1) * gi);
          const vi = (f[v + i] = BETA2 * f[v + i] + (1 - BETA2) * gi * gi);
          f[p + i] -= (stepSize * mi) / (Math.sqrt(vi) / sqrtC2 + ADAM_EPS);
        }
        break;
      }
      case 'adagrad': {
        const s = this.m;
        for (let i = 0; i < n; i++) {
          const gi = f[g + i] + wd * f[p + i];
          const si = (f[s + i] += gi * gi);
          f[p + i] -= (lr * gi) / (Math.sqrt(si) + ADAGRAD_EPS);
        }
        break;
      }
      case 'rmsprop': {
        const s = this.m;
        for (let i = 0; i < n; i++) {
          const gi = f[g + i] + wd * f[p + i];
          const si = (f[s + i] = RMS_ALPHA * f[s + i] + (1 - RMS_ALPHA) * gi * gi);
          f[p + i] -= (lr * gi) / (Math.sqrt(si) + RMS_EPS);
        }
        break;
      }
    }
  }
}
