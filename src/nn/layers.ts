/**
 * The heap regions of one window's recurrent layers (Network): inputs after
 * dropout, gate pre-activations and activations, states, carried state,
 * the packed W_hh and, with weight drop, the window's masked W_hh, each sized
 * for T steps of B streams.
 */
import type { HeapPlan } from '../core/heap.js';
import { packedWeightWords } from '../kernels/kernels.js';
import { gateCount, type ArchConfig } from './config.js';

export interface LayerRegions {
  nIn: number;
  /** this layer's input after dropout, (T·B, nIn); −1: the input is used as is */
  xin: number;
  /** dropout multipliers (0 or 1/(1−p)) for xin, (T·B, nIn); −1: none */
  mask: number;
  gi: number; // (T·B, G·H)  x W_ihᵀ + b_ih
  gh: number; // (T·B, G·H)  hPrev W_hhᵀ + b_hh
  gates: number; // (T·B, G·H) post-activation gates (GRU r|z|n, LSTM i|f|g|o; unused for RNN)
  hp: number; // (T·B, H)  the previous state each step saw (zero rows after a reset)
  h: number; // (T·B, H)  outputs a⟨t⟩
  cp: number; // (T·B, H)  LSTM previous cell state
  c: number; // (T·B, H)  LSTM cell state
  carryH: number; // (B, H)  state carried into the next window
  carryC: number; // (B, H)
  /** W_hh packed by the kernels for the per-step products (forward: as (G·H, H); backward: as (G·H, H) read (K,N)) */
  whhPacked: number;
  /** weight drop: the window's W̃_hh = W_hh ⊙ m (G·H, H), and in backward ∂J/∂W̃_hh; −1: none */
  whhDrop: number;
  /** weight drop: the multipliers m (0 or 1/(1−p)), (G·H, H); −1: none */
  whhMask: number;
}

export /** Windows of at least this many steps pack W_hh once for their per-step products (sampling's single steps do not). */
const PACK_MIN_STEPS = 4;

/**
 * The regions of every layer, in order, for windows of T steps × B streams; the carried state from `carry`.
 * drop.inputs: dropout on the inputs of the layers above the first; drop.weights: a masked copy of each W_hh.
 */
export function planLayers(plan: HeapPlan, cfg: ArchConfig, B: number, T: number, drop: { inputs: boolean; weights: boolean }, carry: HeapPlan): LayerRegions[] {
  const M = B * T, H = cfg.hidden, E = cfg.embed, GH = gateCount(cfg.cell) * H;
  const lstm = cfg.cell === 'lstm';
  const layers: LayerRegions[] = [];
  for (let l = 0; l < cfg.layers; l++) {
    const nIn = l === 0 ? E : H;
    const withInput = drop.inputs && l > 0;
    layers.push({
      nIn,
      xin: withInput ? plan.alloc(M * nIn) : -1,
      mask: withInput ? plan.alloc(M * nIn) : -1,
      gi: plan.alloc(M * GH),
      gh: plan.alloc(M * GH),
      gates: cfg.cell === 'rnn' ? -1 : plan.alloc(M * GH),
      hp: plan.alloc(M * H),
      h: plan.alloc(M * H),
      cp: lstm ? plan.alloc(M * H) : -1,
      c: lstm ? plan.alloc(M * H) : -1,
      carryH: carry.alloc(B * H),
      carryC: lstm ? carry.alloc(B * H) : -1,
      whhPacked: T >= PACK_MIN_STEPS ? plan.alloc(Math.max(packedWeightWords(GH, H), packedWeightWords(H, GH))) : -1,
      whhDrop: drop.weights ? plan.alloc(GH * H) : -1,
      whhMask: drop.weights ? plan.alloc(GH * H) : -1,
    });
  }
  return layers;
}
