/**
 * The language model as a computation over one window of T time steps for B
 * parallel streams: embedding → L recurrent layers → linear decoder → softmax,
 * and backpropagation through time over the same window.
 *
 * Rows are time-major: row r = t·B + b, so the B rows of step t form one
 * contiguous (B, n) block. The work that does not depend on the recurrence is
 * done for the whole window in one matrix product each (the input projections
 * gi = X W_ihᵀ + b_ih, the decoder, and all weight gradients); only
 * gh = h_{t−1} W_hhᵀ + b_hh and the pointwise cell step run step by step.
 *
 * State: a⟨0⟩ = 0; the last state of a window is carried into the next one
 * (truncated BPTT: no gradient flows across the window boundary), and the state
 * is reset to zero for every stream whose input at step t is <eos>, so every
 * sequence is modelled on its own, exactly as it is scored; unless the network
 * reads running text (carryEos: <eos> ends a sequence but keeps the state).
 *
 * Layer 0 of a model whose vocabulary is small next to a window (characters:
 * V = 65, against T·B = 1024 rows or more) does not project every row: its input is
 * an embedding row, so gi = Emb[id] W_ihᵀ + b_ih = (Emb W_ihᵀ + b_ih)[id], one
 * (V, G·H) table per window and a gather. Backward sums dGi by input id into
 * the same table, S (V, G·H), and then dW_ih += Sᵀ Emb, db_ih += Σ S,
 * dEmb += S W_ih: V rows instead of T·B for all three products. (Not with
 * dropout, which masks each row's embedding differently. An inference network
 * builds its table once, when it is small: freezeWeights.)
 *
 * Training regularises with dropout (locked or not), embedding dropout and weight drop (nn/dropout.ts).
 *
 * All buffers are regions of one heap planned up front (core/heap.ts); nothing
 * is allocated per window or per step.
 */
import type { HeapPlan } from '../core/heap.js';
import type { Rng } from '../core/rng.js';
import { EOS } from '../core/ids.js';
import { DRAW_BLOCK, type Kernels } from '../kernels/kernels.js';
import { gateCount, type ArchConfig } from './config.js';
import { paramLayout, type ParamLayout } from './params.js';
import { AdaptiveSoftmax, FullSoftmax } from './head.js';
import { PACK_MIN_STEPS, planLayers, type LayerRegions } from './layers.js';
import { addMasked, dropTokens, dropSteps, dropoutForward, mulInPlace } from './dropout.js';

export interface NetworkShape {
  /** streams (rows per step) the buffers are sized for */
  B: number;
  /** time steps per window the buffers are sized for */
  T: number;
  /** reserve gradients and backward buffers */
  train: boolean;
  /** dropout probability on the embedding output, between layers and before the decoder (train only); locked: one mask per stream for the whole window */
  dropout?: number;
  lockedDropout?: boolean;
  /** weight drop: the probability that a window zeroes each recurrent weight (train only) */
  weightDrop?: number;
  /** embedding dropout: the probability that a window zeroes each vocabulary token's embedding, at all its occurrences (train only) */
  embedDrop?: number;
  /** use this existing parameter block (another network's) instead of reserving one */
  sharedParams?: number;
  /** training: layer 0 through the (V, G·H) projection table when the vocabulary is small enough to pay (default true; false: always project every row) */
  embedTable?: boolean;
  /** reserve the state carried between windows on this plan: all else is then scratch of one window, which another network may use between windows */
  carry?: HeapPlan;
  /** the state carries across <eos> inputs instead of being reset there (default: training a running-text model) */
  carryEos?: boolean;
}

/** Inference keeps layer 0's projection table (V, G·H) when it has at most this many words (16 MB): every character model, few word models. */
const INFER_TABLE_MAX_WORDS = 1 << 22;

export class Network {
  readonly cfg: ArchConfig;
  readonly V: number;
  readonly B: number;
  readonly T: number;
  readonly train: boolean;
  readonly dropout: number;
  readonly lockedDropout: boolean;
  readonly weightDrop: number;
  readonly embedDrop: number;
  /** the state carries across <eos> inputs (a running-text model reading text), else resets there (sentences scored alone); set per use */
  carryEos: boolean;
  readonly layout: ParamLayout;
  readonly G: number;

  /** the parameter block (layout.size words), in state_dict order */
  readonly params: number;
  /** the gradient block, same layout; −1 when not training */
  readonly grads: number;
  /** int32 token ids of the window's inputs and targets, (T·B) each, time-major */
  readonly inputs: number;
  readonly targets: number;
  /** embedding output, (T·B, E) */
  readonly x0: number;
  /** the multipliers of x0's dropout and embedding dropout, (T·B, E); −1: neither */
  readonly x0Mask: number;
  /** embedding dropout: the window's multiplier of each vocabulary token, (V); −1: none */
  readonly wordMask: number;
  readonly layers: LayerRegions[];
  /** decoder input after dropout (T·B, H); −1: the top layer's h */
  readonly y: number;
  readonly yMask: number;
  /** the output layer: full or adaptive softmax */
  readonly head: FullSoftmax | AdaptiveSoftmax;
  /** log-probability of each target, (T·B) */
  readonly logp: number;
  /** inference: one row's distribution (V) and its block sums (⌈V / DRAW_BLOCK⌉), where a token is drawn (infer/sample.ts); −1 when training */
  readonly draw: number;

  // backward scratch
  // dGi (T·B, G·H) goes over the layer's gi, which backward never reads; GRU's dGh over its gh,
  // each value of which gruBackward reads before it writes that place (RNN, LSTM: dGh is dGi)
  private readonly dA: number; // (T·B, max(E, H))
  private readonly dB: number; // (T·B, max(E, H))
  private readonly dhCarry: number; // (B, H)
  private readonly dcCarry: number; // (B, H)
  /** (V, G·H): layer 0's projection table Emb W_ihᵀ + b_ih, then in backward Σ dGi per input id; −1: not used */
  private readonly embTable: number;
  /** whether the last forward pass went through embTable */
  private usedTable = false;
  /** whether the last forward pass ran on masked recurrent weights (weight drop) */
  private weightsDropped = false;
  /** whether the last forward pass dropped tokens' embeddings (embedding dropout) */
  private wordsDropped = false;
  /** inference: W_hh was packed once (freezeWeights) and every step's product reads the packed copy */
  private frozen = false;
  /** inference: embTable holds layer 0's projection table, built once (freezeWeights) */
  private tableBuilt = false;

  private k!: Kernels;
  /** rows and steps of the last forward pass */
  private lastB = 0;
  private lastT = 0;

  constructor(plan: HeapPlan, cfg: ArchConfig, V: number, shape: NetworkShape) {
    this.cfg = cfg;
    this.V = V;
    this.B = shape.B;
    this.T = shape.T;
    this.train = shape.train;
    this.dropout = shape.train ? shape.dropout ?? 0 : 0;
    this.lockedDropout = shape.train && (shape.lockedDropout ?? false);
    this.weightDrop = shape.train ? shape.weightDrop ?? 0 : 0;
    this.embedDrop = shape.train ? shape.embedDrop ?? 0 : 0;
    this.carryEos = shape.carryEos ?? (shape.train && cfg.running_text === true);
    this.layout = paramLayout(cfg, V);
    this.G = gateCount(cfg.cell);
    const M = this.B * this.T, H = cfg.hidden, E = cfg.embed, GH = this.G * H;
    const drop = this.dropout > 0;

    this.params = shape.sharedParams ?? plan.alloc(this.layout.size);
    this.grads = this.train ? plan.alloc(this.layout.size) : -1;
    this.inputs = plan.alloc(M);
    this.targets = plan.alloc(M);
    this.x0 = plan.alloc(M * E);
    this.x0Mask = drop || this.embedDrop > 0 ? plan.alloc(M * E) : -1;
    this.wordMask = this.embedDrop > 0 ? plan.alloc(V) : -1;
    this.layers = planLayers(plan, cfg, this.B, this.T, { inputs: drop, weights: this.weightDrop > 0 }, shape.carry ?? plan);
    this.y = drop ? plan.alloc(M * H) : -1;
    this.yMask = drop ? plan.alloc(M * H) : -1;
    this.head = cfg.softmax === 'adaptive' ? new AdaptiveSoftmax(plan, this.layout, this.params, M, V, H, this.train) : new FullSoftmax(plan, this.layout, this.params, M, V, H);
    this.logp = plan.alloc(M);
    this.draw = this.train ? -1 : plan.alloc(V + Math.ceil(V / DRAW_BLOCK));
    // training: when the window has at least 2V rows (the table is rebuilt every window); inference: when small, built once by freezeWeights
    const wantsTable = this.train ? !drop && this.embedDrop === 0 && 2 * V <= M : V * GH <= INFER_TABLE_MAX_WORDS;
    this.embTable = shape.embedTable !== false && wantsTable ? plan.alloc(V * GH) : -1;
    if (this.train) {
      this.dA = plan.alloc(M * Math.max(E, H));
      this.dB = plan.alloc(M * Math.max(E, H));
      this.dhCarry = plan.alloc(this.B * H);
      this.dcCarry = plan.alloc(this.B * H);
    } else {
      this.dA = this.dB = this.dhCarry = this.dcCarry = -1;
    }
  }

  /** Bind to the kernels (and so the heap) once the plan has been turned into a heap. */
  attach(k: Kernels): void {
    this.k = k;
    this.head.attach(k);
  }

  get kernels(): Kernels {
    return this.k;
  }

  /** The parameter block as a Float32Array view (no copy). */
  paramView(): Float32Array {
    return this.k.heap.f32.subarray(this.params, this.params + this.layout.size);
  }

  gradView(): Float32Array {
    return this.k.heap.f32.subarray(this.grads, this.grads + this.layout.size);
  }

  /**
   * Inference only, once the parameters are final. Layer 0's input product becomes a lookup: the table
   * Emb W_ihᵀ + b_ih is computed once, when it is small (embTable). A network of several streams also packs
   * every layer's W_hh once and runs every step's recurrent product on the packed copy, whatever the window's
   * length; a lone row's product is faster on the plain weights (35 against 20 µs for H = 256), so one stream
   * keeps them. Each row's arithmetic is then the same in any window and batch (the products are row by row),
   * so a token's score does not depend on how the text was cut into chunks, windows or threads.
   */
  freezeWeights(): void {
    if (this.train) throw new Error('freezeWeights: a training network changes its weights every step');
    const k = this.k, P = this.params, lay = this.layout, GH = this.G * this.cfg.hidden, H = this.cfg.hidden;
    if (this.embTable >= 0) {
      this.projectTable();
      this.tableBuilt = true;
    }
    if (this.B === 1 || k.name === 'reference' || this.layers.some((L) => L.whhPacked < 0)) return;
    this.layers.forEach((L, l) => k.packWeights(L.whhPacked, P + lay.layers[l].whh, GH, H, true));
    this.frozen = true;
  }

  /** a⟨0⟩ = 0 (and c⟨0⟩ = 0) for every stream. */
  resetState(): void {
    const f = this.k.heap.f32, H = this.cfg.hidden;
    for (const L of this.layers) {
      f.fill(0, L.carryH, L.carryH + this.B * H);
      if (L.carryC >= 0) f.fill(0, L.carryC, L.carryC + this.B * H);
    }
  }

  /** The carried state (h, and c for LSTM, per layer), for saving or moving between streams. */
  stateRegions(): { h: number; c: number }[] {
    return this.layers.map((L) => ({ h: L.carryH, c: L.carryC }));
  }

  zeroGrads(): void {
    this.k.heap.f32.fill(0, this.grads, this.grads + this.layout.size);
  }

  // ---------------------------------------------------------------------------
  // forward

  /**
   * Forward pass over the Tc·Bc ids at `inputs` (Tc ≤ T steps, Bc ≤ B streams),
   * leaving logits (Tc·Bc, V). With an Rng, the dropout and weight-drop masks are drawn.
   */
  forward(Tc: number, Bc: number, rng: Rng | null = null): void {
    if (Tc > this.T || Bc > this.B || Tc < 1 || Bc < 1) {
      throw new RangeError(`forward: window ${Tc}×${Bc} exceeds the planned ${this.T}×${this.B}`);
    }
    const k = this.k, f = k.heap.f32, cfg = this.cfg;
    const H = cfg.hidden, E = cfg.embed, GH = this.G * H, M = Tc * Bc;
    const P = this.params, lay = this.layout;
    const drop = rng !== null && this.dropout > 0;
    this.weightsDropped = rng !== null && this.weightDrop > 0;
    this.wordsDropped = rng !== null && this.embedDrop > 0;
    this.lastB = Bc;
    this.lastT = Tc;
    const table = this.tableBuilt || (this.embTable >= 0 && 2 * this.V <= M);
    this.usedTable = table;

    if (!table) k.gatherRows(this.x0, P + lay.embedding, this.inputs, M, E);
    if (drop) dropSteps(f, this.x0, this.x0, this.x0Mask, Tc, Bc * E, this.dropout, this.lockedDropout, rng);
    if (this.wordsDropped) {
      dropTokens(this.k.heap, { x: this.x0, mask: this.x0Mask, tokenMask: this.wordMask, ids: this.inputs }, M, E, this.V, this.embedDrop, drop, rng!);
    }

    let x = this.x0;
    for (let l = 0; l < cfg.layers; l++) {
      const L = this.layers[l], W = lay.layers[l];
      if (l > 0) {
        const below = this.layers[l - 1].h;
        if (drop) {
          dropSteps(f, L.xin, below, L.mask, Tc, Bc * H, this.dropout, this.lockedDropout, rng);
          x = L.xin;
        } else {
          x = below;
        }
      }
      if (l === 0 && table) {
        // gi = (Emb W_ihᵀ + b_ih)[inputs]
        if (!this.tableBuilt) this.projectTable();
        k.gatherRows(L.gi, this.embTable, this.inputs, M, GH);
      } else {
        // gi = x W_ihᵀ + b_ih for all Tc steps at once
        k.matmulNT(L.gi, x, P + W.wih, P + W.bih, M, GH, L.nIn, false);
      }
      // gh = hPrev W_hhᵀ + b_hh every step: W_hh packed once for all of them
      if (this.weightsDropped) dropoutForward(f, L.whhDrop, P + W.whh, L.whhMask, GH * H, this.weightDrop, rng!);
      const whh = this.recurrentWeights(l);
      const packed = this.frozen || this.packs(L, Tc);
      if (packed && !this.frozen) k.packWeights(L.whhPacked, whh, GH, H, true);
      for (let t = 0; t < Tc; t++) {
        const row = t * Bc;
        this.previousState(L.hp + row * H, t === 0 ? L.carryH : L.h + (row - Bc) * H, row, Bc, H);
        if (L.cp >= 0) this.previousState(L.cp + row * H, t === 0 ? L.carryC : L.c + (row - Bc) * H, row, Bc, H);
        const gi = L.gi + row * GH, gh = L.gh + row * GH, hp = L.hp + row * H, h = L.h + row * H;
        // gh = hPrev W_hhᵀ + b_hh
        if (packed) k.matmulPacked(gh, hp, L.whhPacked, P + W.bhh, Bc, GH, H, false);
        else k.matmulNT(gh, hp, whh, P + W.bhh, Bc, GH, H, false);
        if (cfg.cell === 'rnn') k.rnnForward(h, gi, gh, Bc, H);
        else if (cfg.cell === 'gru') k.gruForward(h, L.gates + row * GH, gi, gh, hp, Bc, H);
        else k.lstmForward(h, L.c + row * H, L.gates + row * GH, gi, gh, L.cp + row * H, Bc, H);
      }
      const last = (Tc - 1) * Bc * H;
      f.copyWithin(L.carryH, L.h + last, L.h + last + Bc * H);
      if (L.c >= 0) f.copyWithin(L.carryC, L.c + last, L.c + last + Bc * H);
    }

    const top = this.layers[cfg.layers - 1].h;
    let y = top;
    if (drop) {
      dropSteps(f, this.y, top, this.yMask, Tc, Bc * H, this.dropout, this.lockedDropout, rng);
      y = this.y;
    }
    this.lastY = y;
    this.head.forward(y, M);
  }

  /** The W_hh layer l's last (or current) forward pass ran on: the window's W̃_hh with weight drop, else the parameters. */
  private recurrentWeights(l: number): number {
    return this.weightsDropped ? this.layers[l].whhDrop : this.params + this.layout.layers[l].whh;
  }

  /** embTable = Emb W_ihᵀ + b_ih (V, G·H): layer 0's input projection of every token. */
  private projectTable(): void {
    const lay = this.layout, W = lay.layers[0], P = this.params;
    this.k.matmulNT(this.embTable, P + lay.embedding, P + W.wih, P + W.bih, this.V, this.G * this.cfg.hidden, this.cfg.embed, false);
  }

  /** The decoder input of the last forward pass. */
  private lastY = -1;

  /** Offset of V scores for row r of the last forward pass whose softmax is the model's next-token distribution. */
  scores(r: number): number {
    return this.head.scores(this.lastY, r);
  }

  /**
   * Whether this window's per-step products run on W_hh packed once: for windows of PACK_MIN_STEPS or more, and
   * not on the reference kernels (the spec, where packing is only a transposed copy and matmulPacked is
   * matmulNT), so the reference network stays the plain products the fast path is tested against; and not for
   * an inference network of one stream (freezeWeights says why).
   */
  private packs(L: LayerRegions, Tc: number): boolean {
    return L.whhPacked >= 0 && Tc >= PACK_MIN_STEPS && this.k.name !== 'reference' && (this.train || this.B > 1);
  }

  /** Copy the state each stream continues from, or zeros where its input is <eos>. */
  private previousState(dst: number, src: number, row: number, Bc: number, H: number): void {
    const f = this.k.heap.f32, ids = this.k.heap.i32;
    for (let b = 0; b < Bc; b++) {
      const d = dst + b * H;
      if (ids[this.inputs + row + b] === EOS && !this.carryEos) f.fill(0, d, d + H);
      else f.copyWithin(d, src + b * H, src + b * H + H);
    }
  }

  /** Mean cross-entropy of the last forward pass; prepares the output layer's gradient. */
  lossAndGrad(): number {
    const M = this.lastT * this.lastB;
    return this.head.loss(this.lastY, this.targets, M, 1 / M) / M;
  }

  /** log p(target) for every row of the last forward pass, into `logp`. */
  logProbs(): void {
    this.head.logProbs(this.logp, this.lastY, this.targets, this.lastT * this.lastB);
  }

  // ---------------------------------------------------------------------------
  // backward: the forward pass in reverse; accumulates into the gradient block.

  /** dW_hh += DGhᵀ hp, through the weight-drop mask when the window had one (W̃_hh's region is free once the time loop is done). */
  private recurrentWeightGrad(L: LayerRegions, dWhh: number, DGh: number, M: number): void {
    const k = this.k, H = this.cfg.hidden, GH = this.G * H;
    if (!this.weightsDropped) {
      k.matmulTN(dWhh, DGh, L.hp, GH, H, M, true);
      return;
    }
    k.matmulTN(L.whhDrop, DGh, L.hp, GH, H, M, false);
    addMasked(k.heap.f32, dWhh, L.whhDrop, L.whhMask, GH * H);
  }

  backward(): void {
    if (!this.train) throw new Error('backward: this network was planned without gradients');
    const k = this.k, f = k.heap.f32, ids = k.heap.i32, cfg = this.cfg;
    const H = cfg.hidden, E = cfg.embed, GH = this.G * H;
    const Bc = this.lastB, Tc = this.lastT, M = Tc * Bc;
    const P = this.params, D = this.grads, lay = this.layout;
    const drop = this.dropout > 0;

    let dH = this.dA, dX = this.dB;
    this.head.backward(dH, this.lastY, M, D);
    if (drop) mulInPlace(f, dH, this.yMask, M * H);

    for (let l = cfg.layers - 1; l >= 0; l--) {
      const L = this.layers[l], W = lay.layers[l], DGi = L.gi, DGh = cfg.cell === 'gru' ? L.gh : L.gi;
      f.fill(0, this.dhCarry, this.dhCarry + Bc * H);
      f.fill(0, this.dcCarry, this.dcCarry + Bc * H);
      // dhPrev (+)= dG W_hh every step: W_hh (G·H, H) packed once, read as (K, N)
      const packed = this.packs(L, Tc), whh = this.recurrentWeights(l);
      if (packed) k.packWeights(L.whhPacked, whh, H, GH, false);
      const dhPrev = (dG: number, acc: boolean): void => {
        if (packed) k.matmulPacked(this.dhCarry, dG, L.whhPacked, -1, Bc, H, GH, acc);
        else k.matmulNN(this.dhCarry, dG, whh, Bc, H, GH, acc);
      };
      for (let t = Tc - 1; t >= 0; t--) {
        const row = t * Bc;
        const dh = dH + row * H, dGi = DGi + row * GH, dGh = DGh + row * GH;
        // ∂J/∂a⟨t⟩ = from the layer above (or the decoder) + from step t+1
        for (let i = 0; i < Bc * H; i++) f[dh + i] += f[this.dhCarry + i];
        if (cfg.cell === 'rnn') {
          k.rnnBackward(dGi, dh, L.h + row * H, Bc, H);
          dhPrev(dGi, false);
        } else if (cfg.cell === 'gru') {
          k.gruBackward(dGi, dGh, this.dhCarry, dh, L.gates + row * GH, L.gh + row * GH, L.hp + row * H, Bc, H);
          dhPrev(dGh, true);
        } else {
          k.lstmBackward(dGi, this.dcCarry, dh, this.dcCarry, L.gates + row * GH, L.c + row * H, L.cp + row * H, Bc, H);
          dhPrev(dGi, false);
        }
        // a reset at step t cut the path to step t−1
        for (let b = 0; b < Bc && !this.carryEos; b++) {
          if (ids[this.inputs + row + b] === EOS) {
            f.fill(0, this.dhCarry + b * H, this.dhCarry + (b + 1) * H);
            f.fill(0, this.dcCarry + b * H, this.dcCarry + (b + 1) * H);
          }
        }
      }
      // forward was: gh = hp W̃_hhᵀ + b_hh (W̃_hh = W_hh without weight drop)
      this.recurrentWeightGrad(L, D + W.whh, DGh, M);
      k.colSumAcc(D + W.bhh, DGh, M, GH);
      if (l === 0 && this.usedTable) {
        // forward was: gi = (Emb W_ihᵀ + b_ih)[inputs]; S = Σ dGi per input id
        const S = this.embTable, V = this.V;
        f.fill(0, S, S + V * GH);
        k.scatterAddRows(S, DGi, this.inputs, M, GH);
        k.matmulTN(D + W.wih, S, P + lay.embedding, GH, E, V, true);
        k.colSumAcc(D + W.bih, S, V, GH);
        k.matmulNN(D + lay.embedding, S, P + W.wih, V, E, GH, true);
        return; // layer 0 was the last; the embedding gradient is complete (no scatter of dX)
      }
      const x = l === 0 ? this.x0 : drop ? L.xin : this.layers[l - 1].h;
      // forward was: gi = x W_ihᵀ + b_ih
      k.matmulTN(D + W.wih, DGi, x, GH, L.nIn, M, true);
      k.colSumAcc(D + W.bih, DGi, M, GH);
      k.matmulNN(dX, DGi, P + W.wih, M, L.nIn, GH, false);
      if (l === 0 ? drop || this.wordsDropped : drop) mulInPlace(f, dX, l === 0 ? this.x0Mask : L.mask, M * L.nIn);
      const t = dH;
      dH = dX;
      dX = t;
    }
    // forward was: x0 = embedding[inputs]
    k.scatterAddRows(D + lay.embedding, dH, this.inputs, M, E);
  }
}
