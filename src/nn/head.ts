/**
 * Output layers: from the top hidden rows y (M, H) to a distribution over the
 * V tokens. Two kinds, both exactly normalised:
 *
 * Full softmax (nn.Linear(H, V) + softmax): logits = y W_decᵀ + b_dec, (M, V).
 *
 * Adaptive softmax (Grave et al. 2017), parameterised as PyTorch's
 * nn.AdaptiveLogSoftmaxWithLoss(H, V, cutoffs, div_value, head_bias):
 *   cut = [c₀ = shortlist, c₁, …, V]; the head scores the shortlist tokens and
 *   one entry per cluster: head = y W_headᵀ (+ b_head), (M, c₀ + n_clusters)
 *   cluster i holds tokens cᵢ … cᵢ₊₁−1 and scores them with
 *   tail_i = (y P_iᵀ) O_iᵀ, P_i (⌊H/divⁱ⁺¹⌋, H), O_i (cᵢ₊₁−cᵢ, ⌊H/divⁱ⁺¹⌋)
 *   log p(w) = log softmax(head)[w]                                   w < c₀
 *   log p(w) = log softmax(head)[c₀+i] + log softmax(tail_i)[w − cᵢ]    w in cluster i
 * Training computes a cluster only for the rows whose target lies in it,
 * which is where the speed comes from; scoring does the same, and sampling
 * computes the whole distribution of one row.
 *
 * Both accumulate parameter gradients (+=) and write ∂J/∂y.
 */
import type { HeapPlan } from '../core/heap.js';
import type { Kernels } from '../kernels/kernels.js';
import type { ParamLayout } from './params.js';

export interface OutputHead {
  /** Scores of the rows that do not depend on the targets (full: the logits; adaptive: the head). */
  forward(y: number, M: number): void;
  /** Σ −log p(target) over M rows; prepares the gradient of scale·Σ for backward. */
  loss(y: number, targets: number, M: number, scale: number): number;
  /** dY (M, H) = ∂J/∂y (overwritten); parameter gradients at D accumulate. */
  backward(dY: number, y: number, M: number, D: number): void;
  /** out(i) = log p(targets[i]) for M rows (after forward). */
  logProbs(out: number, y: number, targets: number, M: number): void;
  /** The offset of V scores for row r (after forward) whose softmax is the model's distribution. */
  scores(y: number, r: number): number;
}

/**
 * The decoder product of M rows, logits(M, V) = y W_decᵀ + b_dec, computed
 * another way at inference: every row from a bfloat16 or int8 copy of W_dec
 * (infer/session.ts). (A lone row's float32 product is split between two
 * threads below this hook, in the kernels: infer/split-product.ts.)
 */
export type DecoderProduct = (logits: number, y: number, M: number) => void;

export class FullSoftmax implements OutputHead {
  /** (M, V) logits, then their gradient */
  readonly logits: number;
  /** inference: who computes the decoder product (null: this thread, in one float32 call) */
  product: DecoderProduct | null = null;
  private k!: Kernels;
  constructor(plan: HeapPlan, private readonly lay: ParamLayout, private readonly P: number, M: number, private readonly V: number, private readonly H: number) {
    this.logits = plan.alloc(M * V);
  }
  attach(k: Kernels): void {
    this.k = k;
  }
  forward(y: number, M: number): void {
    if (this.product) this.product(this.logits, y, M);
    else this.k.matmulNT(this.logits, y, this.P + this.lay.decoderW, this.P + this.lay.decoderB, M, this.V, this.H, false);
  }
  loss(_y: number, targets: number, M: number, scale: number): number {
    return this.k.softmaxXent(this.logits, this.logits, targets, M, this.V, scale);
  }
  backward(dY: number, y: number, M: number, D: number): void {
    const k = this.k, lay = this.lay, V = this.V, H = this.H;
    // forward was: logits = y W_decᵀ + b_dec
    k.matmulNN(dY, this.logits, this.P + lay.decoderW, M, H, V, false);
    k.matmulTN(D + lay.decoderW, this.logits, y, V, H, M, true);
    k.colSumAcc(D + lay.decoderB, this.logits, M, V);
  }
  logProbs(out: number, _y: number, targets: number, M: number): void {
    this.k.logProbRows(out, this.logits, targets, M, this.V);
  }
  scores(_y: number, r: number): number {
    return this.logits + r * this.V;
  }
}

interface ClusterRegions {
  rows: number; // int32 (M): which rows have their target in this cluster
  targets: number; // int32 (M): target − start
  y: number; // (M, H) those rows of y
  p: number; // (M, hidden) y P_iᵀ
  logits: number; // (M, size)
  dp: number; // (M, hidden)
  dy: number; // (M, H)
  count: number; // rows in this cluster in the last loss()
}

export class AdaptiveSoftmax implements OutputHead {
  private readonly head: number; // (M, headSize) logits, then gradient
  private readonly headTargets: number; // int32 (M)
  private readonly clusters: ClusterRegions[];
  private readonly rowScores: number; // (V) one row's log-probabilities, for sampling
  private readonly tmp: number; // (max cluster size) scratch for one row
  private readonly tmpP: number; // (max hidden)
  private k!: Kernels;

  constructor(plan: HeapPlan, private readonly lay: ParamLayout, private readonly P: number, M: number, V: number, private readonly H: number, train: boolean) {
    const a = lay.adaptive!;
    this.head = plan.alloc(M * a.headSize);
    this.headTargets = plan.alloc(M);
    this.clusters = a.clusters.map((c) => ({
      rows: plan.alloc(M),
      targets: plan.alloc(M),
      y: plan.alloc(M * H),
      p: plan.alloc(M * c.hidden),
      logits: plan.alloc(M * c.size),
      dp: train ? plan.alloc(M * c.hidden) : -1,
      dy: train ? plan.alloc(M * H) : -1,
      count: 0,
    }));
    this.rowScores = plan.alloc(V);
    this.tmp = plan.alloc(Math.max(...a.clusters.map((c) => c.size)));
    this.tmpP = plan.alloc(Math.max(...a.clusters.map((c) => c.hidden)));
  }
  attach(k: Kernels): void {
    this.k = k;
  }

  forward(y: number, M: number): void {
    const a = this.lay.adaptive!;
    this.k.matmulNT(this.head, y, this.P + a.headW, a.headB >= 0 ? this.P + a.headB : -1, M, a.headSize, this.H, false);
  }

  /** Route each row: head target (shortlist token or cluster entry) and, for cluster rows, the gathered row. */
  private route(y: number, targets: number, M: number): void {
    const k = this.k, i32 = k.heap.i32, a = this.lay.adaptive!;
    for (const c of this.clusters) c.count = 0;
    for (let r = 0; r < M; r++) {
      const t = i32[targets + r];
      if (t < a.shortlist) {
        i32[this.headTargets + r] = t;
        continue;
      }
      let ci = a.clusters.length - 1;
      while (t < a.clusters[ci].start) ci--;
      const c = this.clusters[ci];
      i32[this.headTargets + r] = a.shortlist + ci;
      i32[c.rows + c.count] = r;
      i32[c.targets + c.count] = t - a.clusters[ci].start;
      c.count++;
    }
    a.clusters.forEach((spec, ci) => {
      const c = this.clusters[ci];
      if (c.count === 0) return;
      k.gatherRows(c.y, y, c.rows, c.count, this.H);
      // tail_i = (y P_iᵀ) O_iᵀ
      k.matmulNT(c.p, c.y, this.P + spec.proj, -1, c.count, spec.hidden, this.H, false);
      k.matmulNT(c.logits, c.p, this.P + spec.out, -1, c.count, spec.size, spec.hidden, false);
    });
  }

  loss(y: number, targets: number, M: number, scale: number): number {
    const k = this.k, a = this.lay.adaptive!;
    this.route(y, targets, M);
    let total = k.softmaxXent(this.head, this.head, this.headTargets, M, a.headSize, scale);
    a.clusters.forEach((spec, ci) => {
      const c = this.clusters[ci];
      if (c.count > 0) total += k.softmaxXent(c.logits, c.logits, c.targets, c.count, spec.size, scale);
    });
    return total;
  }

  backward(dY: number, y: number, M: number, D: number): void {
    const k = this.k, a = this.lay.adaptive!, H = this.H;
    // forward was: head = y W_headᵀ + b_head
    k.matmulNN(dY, this.head, this.P + a.headW, M, H, a.headSize, false);
    k.matmulTN(D + a.headW, this.head, y, a.headSize, H, M, true);
    if (a.headB >= 0) k.colSumAcc(D + a.headB, this.head, M, a.headSize);
    a.clusters.forEach((spec, ci) => {
      const c = this.clusters[ci], n = c.count;
      if (n === 0) return;
      // forward was: logits = p O_iᵀ,  p = y_c P_iᵀ
      k.matmulTN(D + spec.out, c.logits, c.p, spec.size, spec.hidden, n, true);
      k.matmulNN(c.dp, c.logits, this.P + spec.out, n, spec.hidden, spec.size, false);
      k.matmulTN(D + spec.proj, c.dp, c.y, spec.hidden, H, n, true);
      k.matmulNN(c.dy, c.dp, this.P + spec.proj, n, H, spec.hidden, false);
      k.scatterAddRows(dY, c.dy, c.rows, n, H);
    });
  }

  logProbs(out: number, y: number, targets: number, M: number): void {
    const k = this.k, f = k.heap.f32, i32 = k.heap.i32, a = this.lay.adaptive!;
    this.route(y, targets, M);
    k.logProbRows(out, this.head, this.headTargets, M, a.headSize);
    a.clusters.forEach((spec, ci) => {
      const c = this.clusters[ci];
      if (c.count === 0) return;
      // the cluster's log-probabilities go to tmp space, then are added to their rows
      k.logProbRows(c.p, c.logits, c.targets, c.count, spec.size);
      for (let j = 0; j < c.count; j++) f[out + i32[c.rows + j]] += f[c.p + j];
    });
  }

  scores(y: number, r: number): number {
    const k = this.k, f = k.heap.f32, a = this.lay.adaptive!, H = this.H;
    const hs = a.headSize, row = this.head + r * hs, out = this.rowScores;
    logSoftmaxInto(f, out, row, hs);
    // out[0 … headSize) now holds the head's log-probabilities; clusters overwrite out[c₀ …)
    const clusterLogp = a.clusters.map((_, i) => f[out + a.shortlist + i]);
    a.clusters.forEach((spec, ci) => {
      k.matmulNT(this.tmpP, y + r * H, this.P + spec.proj, -1, 1, spec.hidden, H, false);
      k.matmulNT(this.tmp, this.tmpP, this.P + spec.out, -1, 1, spec.size, spec.hidden, false);
      logSoftmaxInto(f, out + spec.start, this.tmp, spec.size);
      for (let j = 0; j < spec.size; j++) f[out + spec.start + j] += clusterLogp[ci];
    });
    return out;
  }
}

/** out(n) = log softmax(x(n)), computed in float64. */
function logSoftmaxInto(f: Float32Array, out: number, x: number, n: number): void {
  let max = -Infinity;
  for (let j = 0; j < n; j++) if (f[x + j] > max) max = f[x + j];
  let sum = 0;
  for (let j = 0; j < n; j++) sum += Math.exp(f[x + j] - max);
  const lse = max + Math.log(sum);
  for (let j = 0; j < n; j++) f[out + j] = f[x + j] - lse;
}
