/**
 * The parameters of a model live in one flat Float32Array, in the order and
 * with the names and shapes of the PyTorch module's state_dict:
 *
 *   embedding = nn.Embedding(V, E)
 *   rnn       = nn.RNN | nn.GRU | nn.LSTM(E, H, num_layers=L, batch_first=True)
 *   decoder   = nn.Linear(H, V)
 *
 *   embedding.weight    (V, E)
 *   rnn.weight_ih_l{k}  (G·H, nIn)   nIn = E for k = 0, H above
 *   rnn.weight_hh_l{k}  (G·H, H)
 *   rnn.bias_ih_l{k}    (G·H)
 *   rnn.bias_hh_l{k}    (G·H)
 *   decoder.weight      (V, H)
 *   decoder.bias        (V)
 *
 * Gradients and optimizer moments mirror this layout, so a model file maps
 * onto the buffer without reordering and the optimizer loops over one array.
 */
import type { Rng } from '../core/rng.js';
import { clusterHidden, gateCount, type ArchConfig } from './config.js';

export interface ParamView {
  name: string;
  shape: number[];
  /** word offset from the start of the parameter block */
  offset: number;
  size: number;
}

export interface LayerOffsets {
  nIn: number;
  wih: number;
  whh: number;
  bih: number;
  bhh: number;
}

/** Adaptive softmax (nn.AdaptiveLogSoftmaxWithLoss) parameters, stored as decoder.head.* and decoder.tail.* */
export interface AdaptiveOffsets {
  /** shortlist size = cutoffs[0] */
  shortlist: number;
  /** head rows: shortlist + number of clusters */
  headSize: number;
  headW: number; // (headSize, H)
  headB: number; // (headSize); −1 without head_bias
  clusters: { start: number; size: number; hidden: number; proj: number; out: number }[]; // proj (hidden, H), out (size, hidden)
}

export interface ParamLayout {
  views: ParamView[];
  /** total number of parameters */
  size: number;
  embedding: number;
  layers: LayerOffsets[];
  /** full softmax: decoder.weight (V, H) — the embedding's offset when tied — and decoder.bias (V); −1 for adaptive */
  decoderW: number;
  decoderB: number;
  /** decoder.weight's own storage (kept, and saved equal to the embedding, when tied) */
  decoderWStored: number;
  adaptive: AdaptiveOffsets | null;
}

export function paramLayout(cfg: ArchConfig, V: number): ParamLayout {
  const views: ParamView[] = [];
  let size = 0;
  const add = (name: string, shape: number[]): number => {
    const n = shape.reduce((a, b) => a * b, 1);
    views.push({ name, shape, offset: size, size: n });
    size += n;
    return size - n;
  };
  const E = cfg.embed, H = cfg.hidden, GH = gateCount(cfg.cell) * H;
  const embedding = add('embedding.weight', [V, E]);
  const layers: LayerOffsets[] = [];
  for (let k = 0; k < cfg.layers; k++) {
    const nIn = k === 0 ? E : H;
    const wih = add(`rnn.weight_ih_l${k}`, [GH, nIn]);
    const whh = add(`rnn.weight_hh_l${k}`, [GH, H]);
    const bih = add(`rnn.bias_ih_l${k}`, [GH]);
    const bhh = add(`rnn.bias_hh_l${k}`, [GH]);
    layers.push({ nIn, wih, whh, bih, bhh });
  }
  if (cfg.softmax === 'adaptive') {
    const cut = [...cfg.cutoffs, V];
    const shortlist = cut[0], headSize = shortlist + cut.length - 1;
    const headW = add('decoder.head.weight', [headSize, H]);
    const headB = cfg.head_bias ? add('decoder.head.bias', [headSize]) : -1;
    const clusters = [];
    for (let i = 0; i + 1 < cut.length; i++) {
      const hidden = clusterHidden(H, cfg.div_value, i), size = cut[i + 1] - cut[i];
      const proj = add(`decoder.tail.${i}.0.weight`, [hidden, H]);
      const out = add(`decoder.tail.${i}.1.weight`, [size, hidden]);
      clusters.push({ start: cut[i], size, hidden, proj, out });
    }
    return { views, size, embedding, layers, decoderW: -1, decoderB: -1, decoderWStored: -1, adaptive: { shortlist, headSize, headW, headB, clusters } };
  }
  const decoderWStored = add('decoder.weight', [V, H]);
  const decoderB = add('decoder.bias', [V]);
  return { views, size, embedding, layers, decoderW: cfg.tie ? embedding : decoderWStored, decoderB, decoderWStored, adaptive: null };
}

/**
 * PyTorch's default initialisation: recurrent weights and biases U(−1/√H, 1/√H),
 * linear layers U(−1/√fan_in, 1/√fan_in) (nn.Linear), the embedding N(0, 1)
 * (nn.Embedding). A tied decoder starts as (and stays) the embedding.
 */
export function initParams(p: Float32Array, layout: ParamLayout, cfg: ArchConfig, rng: Rng): void {
  for (const v of layout.views) {
    const end = v.offset + v.size;
    if (v.name === 'embedding.weight') {
      for (let i = v.offset; i < end; i++) p[i] = rng.normal();
    } else {
      const fanIn = v.name.startsWith('rnn.') ? cfg.hidden : v.shape.length === 2 ? v.shape[1] : cfg.hidden;
      const k = 1 / Math.sqrt(fanIn);
      for (let i = v.offset; i < end; i++) p[i] = rng.uniform(-k, k);
    }
  }
  syncTiedDecoder(p, layout);
}

/** With tied weights, copy the embedding into decoder.weight's storage (what the model file holds). */
export function syncTiedDecoder(p: Float32Array, layout: ParamLayout): void {
  if (layout.decoderW >= 0 && layout.decoderW !== layout.decoderWStored) {
    const e = layout.views.find((v) => v.name === 'embedding.weight')!;
    p.copyWithin(layout.decoderWStored, e.offset, e.offset + e.size);
  }
}
