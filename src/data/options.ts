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
    help: 'word level: Unicode-aware words, each punctuation mark a token (default); white space only (whitespace); or the default with text in scripts written without spaces, such as Chinese, Japanese or Thai, cut into words by Intl.Segmenter (segment)',
    default: 'default', onResume: 'fixed', withInit: 'refused', placeholder: '<how>',
  }),
  lowercase: { type: 'boolean', help: 'lowercase the text first', default: false, onResume: 'fixed', withInit: 'refused' },
  maxVocab: {
    type: 'int', help: 'keep the n most frequent tokens; the rest become <unk>', min: 0, special: '0 = all',
    defaultBy: { field: 'level', values: { char: 0, word: 10000 } }, onResume: 'fixed', withInit: 'refused', placeholder: '<n>',
  },
  minCount: { type: 'int', help: 'keep only tokens seen at least k times', min: 1, default: 1, onResume: 'fixed', withInit: 'refused', placeholder: '<k>' },
  valFrac: {
    type: 'number', help: 'fraction of the sequences held out for validation (split none: the end of each file)',
    min: 0, max: 1, maxOpen: true, default: 0.1, onResume: 'fixed', placeholder: '<f>',
  },
} as const satisfies OptionTable;
