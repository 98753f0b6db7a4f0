/**
 * A model's configuration, as stored in every model file: the network's
 * architecture (nn/config.ts) and the text configuration it reads
 * (data/text.ts). Required: level, cell, embed, hidden, layers; everything
 * else has a default, so a file written by PyTorch with only those keys loads.
 */
import { usageError } from '../core/errors.js';
import { LEVELS, SPLITS, TEXT_DEFAULTS, TOKENIZERS, type TextConfig } from '../data/text.js';
import { ARCH_DEFAULTS, checkArch, checkArchForVocab, type ArchConfig } from '../nn/config.js';

export interface ModelConfig extends ArchConfig, TextConfig {}

export const CONFIG_DEFAULTS = { ...TEXT_DEFAULTS, ...ARCH_DEFAULTS } as const;

/** A full configuration from the required keys, the rest defaulted. */
export function modelConfig(c: Pick<ModelConfig, 'level' | 'cell' | 'embed' | 'hidden' | 'layers'> & Partial<ModelConfig>): ModelConfig {
  return { ...CONFIG_DEFAULTS, cutoffs: [], ...c };
}

/** Checks every value; errors name the field. */
export function checkConfig(c: ModelConfig): void {
  if (!LEVELS.includes(c.level)) throw usageError(`level must be one of ${LEVELS.join(', ')} (got ${c.level})`, 'level');
  if (!SPLITS.includes(c.split)) throw usageError(`split must be one of ${SPLITS.join(', ')} (got ${c.split})`, 'split');
  if (!TOKENIZERS.includes(c.tokenize)) throw usageError(`tokenize must be one of ${TOKENIZERS.join(', ')} (got ${c.tokenize})`, 'tokenize');
  checkArch(c);
}

/** Checks that need the vocabulary size V. */
export const checkConfigForVocab: (c: ModelConfig, V: number) => void = checkArchForVocab;
