/**
 * What a network is: its architecture. The text side of a model (level,
 * split, tokenizer) lives in data/text.ts; model/config.ts joins the two into
 * the configuration stored in every model file.
 */
import { usageError } from '../core/errors.js';

export type CellType = 'rnn' | 'gru' | 'lstm';
export const CELLS: readonly CellType[] = ['rnn', 'gru', 'lstm'];

export type SoftmaxKind = 'full' | 'adaptive';
export const SOFTMAXES: readonly SoftmaxKind[] = ['full', 'adaptive'];

export interface ArchConfig {
  cell: CellType;
  /** E: embedding size (nx in the course notation) */
  embed: number;
  /** H: hidden size (na) */
  hidden: number;
  /** L: number of stacked recurrent layers */
  layers: number;
  /** output layer: a full softmax over V, or PyTorch's nn.AdaptiveLogSoftmaxWithLoss (default full) */
  softmax: SoftmaxKind;
  /** adaptive softmax: cluster boundaries (increasing, each < V; the first is the shortlist size) */
  cutoffs: number[];
  /** adaptive softmax: cluster i projects to ⌊H / div_value^(i+1)⌋ (default 4, PyTorch's) */
  div_value: number;
  /** adaptive softmax: the head has a bias (PyTorch's head_bias; default true here) */
  head_bias: boolean;
  /** the decoder shares the embedding matrix (E must equal H; full softmax) */
  tie: boolean;
  /**
   * trained on its sequences as one running text: the state carries across
   * <eos> (not reset there), so each sequence is predicted from the ones before
   * it; evaluation reads a text the same way (default false: every sequence
   * from the zero state)
   */
  running_text: boolean;
}

export const ARCH_DEFAULTS = {
  softmax: 'full',
  cutoffs: [] as readonly number[],
  div_value: 4,
  head_bias: true,
  tie: false,
  running_text: false,
} as const;

/** Largest sizes a configuration may name (embed, hidden; layers). */
export const MAX_SIZE = 65536;
export const MAX_LAYERS = 64;

/** The default cutoffs' rule: a shortlist of the `first` most frequent tokens, then clusters growing `factor`-fold. */
export const DEFAULT_CUTOFFS = { first: 2000, factor: 5 } as const;

/**
 * Default adaptive-softmax cutoffs for a vocabulary of V: a shortlist of the
 * 2,000 most frequent tokens, then clusters growing fivefold (2,000 | 10,000 | 50,000 …).
 */
export function defaultCutoffs(V: number): number[] {
  const c: number[] = [];
  for (let x: number = DEFAULT_CUTOFFS.first; x < V; x *= DEFAULT_CUTOFFS.factor) c.push(x);
  return c;
}

/** Hidden size of adaptive-softmax cluster i: ⌊H / div^(i+1)⌋ (at least 1). */
export function clusterHidden(H: number, div: number, i: number): number {
  return Math.max(1, Math.floor(H / Math.pow(div, i + 1)));
}

/** Gate blocks per cell: rows of W_ih and W_hh are G·H. */
export function gateCount(cell: CellType): number {
  return cell === 'rnn' ? 1 : cell === 'gru' ? 3 : 4;
}

/** Checks an architecture; errors name the field ("hidden must be …"). */
export function checkArch(c: ArchConfig): void {
  if (!CELLS.includes(c.cell)) throw usageError(`cell must be one of ${CELLS.join(', ')} (got ${c.cell})`, 'cell');
  for (const [key, max] of [['embed', MAX_SIZE], ['hidden', MAX_SIZE], ['layers', MAX_LAYERS]] as const) {
    const v = c[key];
    if (!Number.isInteger(v) || v < 1 || v > max) throw usageError(`${key} must be an integer from 1 to ${max} (got ${v})`, key);
  }
  if (!SOFTMAXES.includes(c.softmax)) throw usageError(`softmax must be one of ${SOFTMAXES.join(', ')} (got ${c.softmax})`, 'softmax');
  if (c.tie && c.embed !== c.hidden) throw usageError(`tie needs embed equal to hidden (got ${c.embed} and ${c.hidden})`, 'tie');
  if (c.tie && c.softmax !== 'full') throw usageError('tie works with the full softmax only', 'tie');
  if (!(c.div_value >= 1 && Number.isFinite(c.div_value))) throw usageError(`div_value must be ≥ 1 (got ${c.div_value})`, 'div_value');
}

/** Checks that need the vocabulary size V. */
export function checkArchForVocab(c: ArchConfig, V: number): void {
  if (c.softmax !== 'adaptive') return;
  const k = c.cutoffs;
  if (k.length === 0) throw usageError(`cutoffs: the adaptive softmax needs at least one cutoff below the vocabulary size ${V}`, 'cutoffs');
  for (let i = 0; i < k.length; i++) {
    if (!Number.isInteger(k[i]) || k[i] < 1 || k[i] >= V || (i > 0 && k[i] <= k[i - 1])) {
      throw usageError(`cutoffs must be increasing integers between 1 and V − 1 = ${V - 1} (got ${k.join(',')})`, 'cutoffs');
    }
  }
}
