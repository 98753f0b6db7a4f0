/**
 * What a model is: the configuration stored in every model file. Required:
 * level, cell, embed, hidden, layers; everything else has a default so that a
 * file written by PyTorch with only the required keys loads.
 */
import { usageError } from '../core/errors.js';

export type CellType = 'rnn' | 'gru' | 'lstm';
export type Level = 'char' | 'word';
export type SplitMode = 'lines' | 'paragraphs' | 'none';
export type Tokenize = 'default' | 'whitespace';

export const CELLS: readonly CellType[] = ['rnn', 'gru', 'lstm'];
export const LEVELS: readonly Level[] = ['char', 'word'];
export const SPLITS: readonly SplitMode[] = ['lines', 'paragraphs', 'none'];
export const TOKENIZERS: readonly Tokenize[] = ['default', 'whitespace'];

export interface ModelConfig {
  level: Level;
  cell: CellType;
  /** E: embedding size (nx in the course notation) */
  embed: number;
  /** H: hidden size (na) */
  hidden: number;
  /** L: number of stacked recurrent layers */
  layers: number;
  /** how text was cut into sequences, each ending in <eos> (default lines) */
  split: SplitMode;
  /** word level: default Unicode tokenizer or plain whitespace split */
  tokenize: Tokenize;
  lowercase: boolean;
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
}

export type SoftmaxKind = 'full' | 'adaptive';
export const SOFTMAXES: readonly SoftmaxKind[] = ['full', 'adaptive'];

export const CONFIG_DEFAULTS = {
  split: 'lines',
  tokenize: 'default',
  lowercase: false,
  softmax: 'full',
  cutoffs: [] as number[],
  div_value: 4,
  head_bias: true,
  tie: false,
} as const;

/** A full configuration from the required keys, the rest defaulted. */
export function modelConfig(c: Pick<ModelConfig, 'level' | 'cell' | 'embed' | 'hidden' | 'layers'> & Partial<ModelConfig>): ModelConfig {
  return {
    split: CONFIG_DEFAULTS.split,
    tokenize: CONFIG_DEFAULTS.tokenize,
    lowercase: CONFIG_DEFAULTS.lowercase,
    softmax: CONFIG_DEFAULTS.softmax,
    cutoffs: [],
    div_value: CONFIG_DEFAULTS.div_value,
    head_bias: CONFIG_DEFAULTS.head_bias,
    tie: CONFIG_DEFAULTS.tie,
    ...c,
  };
}

/**
 * Default adaptive-softmax cutoffs for a vocabulary of V: a shortlist of the
 * 2,000 most frequent tokens, then clusters growing fivefold (2,000 | 10,000 | 50,000 …).
 */
export function defaultCutoffs(V: number): number[] {
  const c: number[] = [];
  for (let x = 2000; x < V; x *= 5) c.push(x);
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

export function checkConfig(c: ModelConfig): void {
  if (!LEVELS.includes(c.level)) throw usageError(`--level must be one of ${LEVELS.join(', ')} (got ${c.level})`);
  if (!CELLS.includes(c.cell)) throw usageError(`--cell must be one of ${CELLS.join(', ')} (got ${c.cell})`);
  if (!SPLITS.includes(c.split)) throw usageError(`--split must be one of ${SPLITS.join(', ')} (got ${c.split})`);
  if (!TOKENIZERS.includes(c.tokenize)) throw usageError(`--tokenize must be one of ${TOKENIZERS.join(', ')} (got ${c.tokenize})`);
  for (const [key, max] of [['embed', 65536], ['hidden', 65536], ['layers', 64]] as const) {
    const v = c[key];
    if (!Number.isInteger(v) || v < 1 || v > max) throw usageError(`--${key} must be an integer from 1 to ${max} (got ${v})`);
  }
  if (!SOFTMAXES.includes(c.softmax)) throw usageError(`--softmax must be one of ${SOFTMAXES.join(', ')} (got ${c.softmax})`);
  if (c.tie && c.embed !== c.hidden) throw usageError(`--tie needs --embed equal to --hidden (got ${c.embed} and ${c.hidden})`);
  if (c.tie && c.softmax !== 'full') throw usageError('--tie works with the full softmax only');
  if (!(c.div_value >= 1 && Number.isFinite(c.div_value))) throw usageError(`div_value must be ≥ 1 (got ${c.div_value})`);
}

/** Checks that need the vocabulary size. */
export function checkConfigForVocab(c: ModelConfig, V: number): void {
  if (c.softmax !== 'adaptive') return;
  const k = c.cutoffs;
  if (k.length === 0) throw usageError(`--cutoffs: the adaptive softmax needs at least one cutoff below the vocabulary size ${V}`);
  for (let i = 0; i < k.length; i++) {
    if (!Number.isInteger(k[i]) || k[i] < 1 || k[i] >= V || (i > 0 && k[i] <= k[i - 1])) {
      throw usageError(`--cutoffs must be increasing integers between 1 and V − 1 = ${V - 1} (got ${k.join(',')})`);
    }
  }
}
