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
import { gateCount, type ModelConfig } from './config.js';

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

export interface ParamLayout {
  views: ParamView[];
  /** total number of parameters */
  size: number;
  embedding: number;
  layers: LayerOffsets[];
  decoderW: number;
  decoderB: number;
}

export function paramLayout(cfg: ModelConfig, V: number): ParamLayout {
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
  const decoderW = add('decoder.weight', [V, H]);
  const decoderB = add('decoder.bias', [V]);
  return { views, size, embedding, layers, decoderW, decoderB };
}

/**
 * PyTorch's default initialisation: recurrent weights and biases U(−1/√H, 1/√H),
 * the decoder U(−1/√H, 1/√H) (nn.Linear), the embedding N(0, 1) (nn.Embedding).
 */
export function initParams(p: Float32Array, layout: ParamLayout, cfg: ModelConfig, rng: Rng): void {
  const k = 1 / Math.sqrt(cfg.hidden);
  for (const v of layout.views) {
    const end = v.offset + v.size;
    if (v.name === 'embedding.weight') {
      for (let i = v.offset; i < end; i++) p[i] = rng.normal();
    } else {
      for (let i = v.offset; i < end; i++) p[i] = rng.uniform(-k, k);
    }
  }
}
