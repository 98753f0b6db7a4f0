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
}

export const CONFIG_DEFAULTS = { split: 'lines', tokenize: 'default', lowercase: false } as const;

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
}
