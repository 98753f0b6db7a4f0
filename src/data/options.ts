/**
 * The options that turn text into a token stream: the `data` part of the
 * training options (recur train) and of corpus preparation (recur prepare).
 * See core/options.ts for what a table gives.
 */
import type { OptionTable } from '../core/options.js';
import { choice } from '../core/options.js';
import { LEVELS, SPLITS, TOKENIZERS } from './text.js';

export const DATA_OPTIONS = {
  level: choice(LEVELS, { help: 'a token is one Unicode code point (char) or a word', default: 'char', placeholder: '<level>', onResume: 'fixed', withInit: 'refused' }),
  split: choice(SPLITS, {
    help: 'a sequence is a non-blank line, a blank-line-separated paragraph, or a whole file',
    default: 'lines', onResume: 'fixed', withInit: 'refused', placeholder: '<mode>',
  }),
  tokenize: choice(TOKENIZERS, {
    help: 'word level: Unicode-aware words (with inner \' and -), numbers and every punctuation mark as its own token (default); split on white space only (whitespace, for pre-tokenised text); or the default with text in scripts written without spaces (Chinese, Japanese, Thai, …) cut into words by Intl.Segmenter (segment)',
    default: 'default', onResume: 'fixed', withInit: 'refused', placeholder: '<how>',
  }),
  lowercase: { type: 'boolean', help: 'lowercase the text first', default: false, onResume: 'fixed', withInit: 'refused' },
  maxVocab: {
    type: 'int', help: 'keep the n most frequent tokens (ties in code-point order); the rest become <unk>', min: 0, special: '0 = all',
    defaultBy: { field: 'level', values: { char: 0, word: 10000 } }, onResume: 'fixed', withInit: 'refused', placeholder: '<n>',
  },
  minCount: { type: 'int', help: 'keep only tokens seen at least k times', min: 1, default: 1, onResume: 'fixed', withInit: 'refused', placeholder: '<k>' },
  valFrac: {
    type: 'number', help: 'fraction of the sequences held out for validation, evenly spread (0.1: every 10th); with split none or a running text, the end of each file',
    min: 0, max: 1, maxOpen: true, default: 0.1, onResume: 'fixed', placeholder: '<f>',
  },
} as const satisfies OptionTable;

/** Reading text files: what to do with bytes that are not UTF-8 (every command that reads text has it). */
export const REPLACE_INVALID_OPTION = {
  type: 'boolean', help: 'replace bytes that are not UTF-8 with U+FFFD instead of failing', default: false, onResume: 'fixed',
} as const;
