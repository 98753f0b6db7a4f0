/**
 * The parameter update, over ranges of the flat parameter block: the sum of
 * the batch slices' gradients, clipping, and the optimizer rules (PyTorch's).
 * Each function covers the elements [lo, hi), so the threads of a
 * data-parallel run can each update their part of the block (parallel/pool.ts),
 * and an element's result does not depend on how the block was split.
 *
 *   sgd      θ ← θ − η g
 *   adam     m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  θ ← θ − s·m / (√v / √c₂ + ε),
 *            s = η / (1 − β₁ᵗ), c₂ = 1 − β₂ᵗ
 *   adagrad  s ← s + g²;  θ ← θ − η g / (√s + ε)
 *   rmsprop  v ← αv + (1−α)g²;  θ ← θ − η g / (√v + ε)
 *
 * With weight decay λ, g ← g + λθ first (L2, as torch.optim's weight_decay).
 * Arithmetic is float64 on the stored float32 values, each result rounded to
 * float32 as it is stored; a rule's last line uses the unrounded moments.
 * Adam is also a kernel (Kernels.adamStep): its loop is most of an update.
 *
 * Dynamic evaluation (model/dynamic.ts) has its own step, also a kernel
 * (Kernels.adaptStep): θ ← θ + λ(θ₀ − θ) − η g, and the gradient zeroed.
 */
import type { Kernels } from '../kernels.js';

export type OptimizerName = 'adam' | 'sgd' | 'adagrad' | 'rmsprop';

/** One step of an optimizer: its rule, moment regions (−1: none), weight decay, step number t (from 1) and rate. */
export interface UpdateStep {
  name: OptimizerName;
  m: number;
  v: number;
  weightDecay: number;
  t: number;
  lr: number;
}

const BETA1 = 0.9, BETA2 = 0.999, ADAM_EPS = 1e-8;
const RMS_ALPHA = 0.99, RMS_EPS = 1e-8, ADAGRAD_EPS = 1e-10;

/**
 * One Adam update of n parameters (the rule above): θ at p, g at g, moments at
 * m and v; stepSize = s, sqrtC2 = √c₂. Every kernel set gives exactly these bits.
 */
export function adamStep(
  f: Float32Array, p: number, g: number, m: number, v: number, n: number,
  beta1: number, beta2: number, eps: number, stepSize: number, sqrtC2: number, wd: number,
): void {
  const a1 = 1 - beta1, a2 = 1 - beta2;
  for (let i = 0; i < n; i++) {
    const gi = f[g + i] + wd * f[p + i];
    const mi = (f[m + i] = beta1 * f[m + i] + a1 * gi);
    const vi = (f[v + i] = beta2 * f[v + i] + a2 * gi * gi);
    f[p + i] -= (stepSize * mi) / (Math.sqrt(vi) / sqrtC2 + eps);
  }
}

/** θ(n) ← θ + λ(θ₀ − θ) − η g, then g ← 0: dynamic evaluation's step (Kernels.adaptStep). */
export function adaptStep(f: Float32Array, p: number, g: number, p0: number, n: number, lr: number, decay: number): void {
  for (let i = 0; i < n; i++) {
    const P = f[p + i];
    f[p + i] = P + (decay * (f[p0 + i] - P) - lr * f[g + i]);
    f[g + i] = 0;
  }
}

/**
 * target = Σₛ weights[s] · grads[s] over [lo, hi) (grads[0] is target: it is
 * scaled first, then each other slice added in order); returns Σ target² there
 * (float64), the range's share of the squared gradient norm.
 */
export function reduceRange(f: Float32Array, grads: readonly number[], weights: readonly number[], lo: number, hi: number): number {
  const t = grads[0], w0 = weights[0];
  let sq = 0;
  for (let i = lo; i < hi; i++) {
    f[t + i] *= w0;
    for (let s = 1; s < grads.length; s++) f[t + i] += weights[s] * f[grads[s] + i];
    const x = f[t + i];
    sq += x * x;
  }
  return sq;
}

/** Σ g² over [lo, hi) (float64). */
export function sumSquares(f: Float32Array, g: number, lo: number, hi: number): number {
  let s = 0;
  for (let i = lo; i < hi; i++) s += f[g + i] * f[g + i];
  return s;
}

/** g ← g · scale over [lo, hi) (clipping by norm). */
export function scaleRange(f: Float32Array, g: number, scale: number, lo: number, hi: number): void {
  for (let i = lo; i < hi; i++) f[g + i] *= scale;
}

/** g ← clamp(g, −c, c) over [lo, hi) (clipping by value). */
export function clampRange(f: Float32Array, g: number, c: number, lo: number, hi: number): void {
  for (let i = lo; i < hi; i++) {
    const x = f[g + i];
    if (x > c) f[g + i] = c;
    else if (x < -c) f[g + i] = -c;
  }
}

/** The optimizer's step on the parameters at p over [lo, hi), from the gradients at g (Adam on the kernels when given). */
export function optimizerRange(f: Float32Array, k: Kernels | null, s: UpdateStep, p: number, g: number, lo: number, hi: number): void {
  const wd = s.weightDecay, lr = s.lr;
  switch (s.name) {
    case 'sgd':
      for (let i = lo; i < hi; i++) f[p + i] -= lr * (f[g + i] + wd * f[p + i]);
      break;
    case 'adam': {
      const stepSize = lr / (1 - Math.pow(BETA1, s.t)), sqrtC2 = Math.sqrt(1 - Math.pow(BETA2, s.t));
      if (k) k.adamStep(p + lo, g + lo, s.m + lo, s.v + lo, hi - lo, BETA1, BETA2, ADAM_EPS, stepSize, sqrtC2, wd);
      else adamStep(f, p + lo, g + lo, s.m + lo, s.v + lo, hi - lo, BETA1, BETA2, ADAM_EPS, stepSize, sqrtC2, wd);
      break;
    }
    case 'adagrad': {
      const acc = s.m;
      for (let i = lo; i < hi; i++) {
        const gi = f[g + i] + wd * f[p + i];
        const si = (f[acc + i] += gi * gi);
        f[p + i] -= (lr * gi) / (Math.sqrt(si) + ADAGRAD_EPS);
      }
      break;
    }
    case 'rmsprop': {
      const acc = s.m;
      for (let i = lo; i < hi; i++) {
        const gi = f[g + i] + wd * f[p + i];
        const si = (f[acc + i] = RMS_ALPHA * f[acc + i] + (1 - RMS_ALPHA) * gi * gi);
        f[p + i] -= (lr * gi) / (Math.sqrt(si) + RMS_EPS);
      }
      break;
    }
  }
}

/** Clipping (scale ≠ 1: by norm; clipValue > 0: by value) and the optimizer's step, over [lo, hi). */
export function updateRange(
  f: Float32Array, k: Kernels | null, s: UpdateStep, p: number, g: number, scale: number, clipValue: number, lo: number, hi: number,
): void {
  if (scale !== 1) scaleRange(f, g, scale, lo, hi);
  if (clipValue > 0) clampRange(f, g, clipValue, lo, hi);
  optimizerRange(f, k, s, p, g, lo, hi);
}
