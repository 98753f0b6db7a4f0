/**
 * Dynamic evaluation: scoring a text while the model adapts to it, as
 * Mikolov's RNNLM toolkit does with `-dynamic` (Mikolov et al. 2010) and
 * Krause et al. (2018) study. The text is read on one stream in segments of
 * at most S positions; each segment is first scored, then the model takes one
 * gradient step on it, and the state is carried into the next segment (no
 * gradient crosses the boundary, as in training). Every token is therefore
 * scored by a model that has seen only the text before it: the figure is a
 * proper likelihood of the text, of the model together with its update rule.
 *
 *   g = ∇_θ (1/n) Σ_{p in segment} −log p(x_{p+1} | x_{≤p})     (n positions)
 *   θ ← θ − η g + λ (θ₀ − θ)                                    (θ₀: the trained weights)
 *
 * λ = 0 is plain SGD (RNNLM's rule); λ > 0 pulls the weights back toward θ₀,
 * Krause et al.'s decay toward the global prior, so the model forgets text
 * it read long ago. Dropout is off, as in any evaluation. Browser-safe.
 *
 * A segment's gradient reaches only the embedding rows of its own inputs, and
 * the embedding is most of a word model's weights, so the step leaves the
 * other rows alone (unless the decoder is tied to them) and catches up on the
 * decay a row missed when a segment next reads it: k steps without a gradient
 * are θ₀ + (1 − λ)ᵏ (θ − θ₀).
 */
import { RecurError } from '../core/errors.js';
import { HeapPlan } from '../core/heap.js';
import type { TokenIds } from '../data/corpus.js';
import { DEFAULT_KERNELS, createKernels, type KernelSetName } from '../kernels/index.js';
import { Network } from '../nn/network.js';
import type { LanguageModel } from './model.js';

export interface DynamicOptions {
  /** learning rate η of the step after each segment */
  lr: number;
  /** pull λ toward the trained weights after each step (default 0) */
  decay?: number;
  /** positions per segment S (default DYNAMIC_SEGMENT) */
  segment?: number;
  kernels?: KernelSetName;
}

/** Positions per segment when none is given. */
export const DYNAMIC_SEGMENT = 20;

/** The embedding rows updated lazily: where they are, and the step each row is current to. */
interface LazyRows {
  at: number;
  E: number;
  stamp: Int32Array;
}

export class DynamicScorer {
  /** steps taken */
  private steps = 0;
  /** positions scored so far, over every call */
  private scored = 0;

  private constructor(
    private readonly net: Network,
    /** the trained weights θ₀, in the heap beside the network's */
    private readonly theta0: number,
    private readonly lr: number,
    private readonly decay: number,
    /** the embedding, when its rows are stepped only where a segment reads them; null: every weight every step */
    private readonly rows: LazyRows | null,
  ) {}

  /** A scorer that starts from `model`'s weights (the model itself is not changed). */
  static async create(model: LanguageModel, o: DynamicOptions): Promise<DynamicScorer> {
    const segment = o.segment ?? DYNAMIC_SEGMENT, decay = o.decay ?? 0;
    if (!(o.lr >= 0) || !Number.isFinite(o.lr)) throw new RangeError(`dynamic evaluation: the learning rate must be ≥ 0 (got ${o.lr})`);
    if (!(decay >= 0 && decay <= 1)) throw new RangeError(`dynamic evaluation: the decay must be in [0, 1] (got ${decay})`);
    if (!Number.isInteger(segment) || segment < 1) throw new RangeError(`dynamic evaluation: the segment must be a whole number ≥ 1 (got ${segment})`);
    const plan = new HeapPlan();
    const net = new Network(plan, model.config, model.vocab.size, { B: 1, T: segment, train: true, embedTable: false });
    const theta0 = plan.alloc(net.layout.size);
    net.attach(await createKernels(o.kernels ?? DEFAULT_KERNELS, plan.words));
    net.paramView().set(model.params);
    net.kernels.heap.f32.set(model.params, theta0);
    net.zeroGrads();
    net.resetState();
    const rows = model.config.tie ? null : { at: net.layout.embedding, E: model.config.embed, stamp: new Int32Array(model.vocab.size) };
    return new DynamicScorer(net, theta0, o.lr, decay, rows);
  }

  /**
   * Continue the text on the carried state: log p(ids[i+1] | …) for the
   * positions i of [0, n−1), into out, segment by segment, each scored before
   * the model learns from it. The state resets where an input is <eos> (not for running text). With
   * `last` false only whole segments are scored and the rest is left for the
   * next call (which starts with ids[returned]), so the segments, and the
   * result, do not depend on how the text was cut into calls. Returns the
   * positions scored.
   */
  continue(ids: TokenIds, n: number, out: Float32Array, last = true): number {
    const net = this.net, S = net.T, heap = net.kernels.heap.i32, f = net.kernels.heap.f32;
    const end = last ? n - 1 : Math.floor((n - 1) / S) * S;
    const learns = this.lr > 0 || this.decay > 0;
    for (let p = 0; p < end; p += S) {
      const Sc = Math.min(S, end - p);
      for (let t = 0; t < Sc; t++) {
        heap[net.inputs + t] = ids[p + t];
        heap[net.targets + t] = ids[p + t + 1];
      }
      if (learns) this.catchUp(Sc);
      net.forward(Sc, 1);
      net.logProbs();
      for (let t = 0; t < Sc; t++) out[p + t] = f[net.logp + t];
      if (learns) {
        this.checkFinite(out, p, Sc);
        this.step(Sc);
      }
      this.scored += Sc;
    }
    return Math.max(0, end);
  }

  /** A step too large leaves weights that are no longer numbers: stop there rather than report a figure of NaN. */
  private checkFinite(out: Float32Array, p: number, n: number): void {
    for (let t = 0; t < n; t++) {
      if (out[p + t] > -Infinity) continue;
      throw new RecurError('numeric', `dynamic evaluation diverged at token ${this.scored + t + 1}: learning rate ${this.lr} made the weights non-finite after ${this.steps} step${this.steps === 1 ? '' : 's'}; use a smaller rate`);
    }
  }

  /** One step on the segment of n positions just scored (its inputs at net.inputs); the gradient block is left zero. */
  private step(n: number): void {
    const net = this.net, k = net.kernels, P = net.params, D = net.grads, r = this.rows;
    net.lossAndGrad();
    net.backward();
    if (!r) {
      k.adaptStep(P, D, this.theta0, net.layout.size, this.lr, this.decay);
    } else {
      // every weight but the embedding, then the embedding rows the segment read (each once)
      const lo = r.at, hi = r.at + net.V * r.E;
      k.adaptStep(P, D, this.theta0, lo, this.lr, this.decay);
      k.adaptStep(P + hi, D + hi, this.theta0 + hi, net.layout.size - hi, this.lr, this.decay);
      const next = this.steps + 1;
      const ids = k.heap.i32;
      for (let t = 0; t < n; t++) {
        const id = ids[net.inputs + t];
        if (r.stamp[id] === next) continue;
        const o = r.at + id * r.E;
        k.adaptStep(P + o, D + o, this.theta0 + o, r.E, this.lr, this.decay);
        r.stamp[id] = next;
      }
    }
    this.steps++;
  }

  /**
   * Bring embedding rows up to the current step: the decay of the steps they
   * were left out of, θ ← θ₀ + (1 − λ)ᵏ (θ − θ₀): the rows of the segment's n inputs (at net.inputs).
   */
  private catchUp(n: number): void {
    const r = this.rows, net = this.net;
    if (!r || this.decay === 0) return;
    const f = net.kernels.heap.f32, ids = net.kernels.heap.i32, P = net.params, T0 = this.theta0, now = this.steps;
    for (let t = 0; t < n; t++) {
      const id = ids[net.inputs + t];
      const k = now - r.stamp[id];
      if (k === 0) continue;
      const keep = Math.pow(1 - this.decay, k), o = r.at + id * r.E;
      for (let i = o; i < o + r.E; i++) f[P + i] = f[T0 + i] + keep * (f[P + i] - f[T0 + i]);
      r.stamp[id] = now;
    }
  }
}
