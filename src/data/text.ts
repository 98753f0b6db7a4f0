/**
 * How text becomes sequences of tokens: the text configuration a model is
 * trained with and must be scored with (stored in every model file).
 */

/** a token is one Unicode code point, or a word */
export type Level = 'char' | 'word';
/** a sequence is one non-blank line, one blank-line-separated paragraph, or a whole text */
export type SplitMode = 'lines' | 'paragraphs' | 'none';
/**
 * word level: Unicode-aware words and punctuation (default); white space only
 * (pre-tokenised corpora); or the default's tokens with runs of scripts written
 * without spaces (Chinese, Japanese, Thai, …) cut into words by the platform's
 * word segmentation, Intl.Segmenter (segment). See tokenize.ts.
 */
export type Tokenize = 'default' | 'whitespace' | 'segment';

export const LEVELS: readonly Level[] = ['char', 'word'];
export const SPLITS: readonly SplitMode[] = ['lines', 'paragraphs', 'none'];
export const TOKENIZERS: readonly Tokenize[] = ['default', 'whitespace', 'segment'];

export interface TextConfig {
  level: Level;
  split: SplitMode;
  tokenize: Tokenize;
  lowercase: boolean;
}

export const TEXT_DEFAULTS: Omit<TextConfig, 'level'> = { split: 'lines', tokenize: 'default', lowercase: false };
