/**
 * The options of corpus preparation (recur prepare): the data part shared with
 * training, and the store's own. See core/options.ts for what a table gives.
 */
import { JSON_EVENTS_OPTION, QUIET_OPTION, type FamilyValues, type OptionTable } from '../core/options.js';
import { DATA_OPTIONS, REPLACE_INVALID_OPTION } from '../data/options.js';
import { DEFAULT_SHARD_TOKENS } from './manifest.js';

export const STORE_OPTIONS = {
  output: { type: 'path', help: 'the token store to write (a folder, by convention NAME.recur)', optional: true, short: '-o', onResume: 'free', cliOnly: true, placeholder: '<store>' },
  val: { type: 'paths', help: 'separate validation files or folders (replace --val-frac)', optional: true, onResume: 'fixed', placeholder: '<files...>' },
  runningText: {
    type: 'boolean', help: 'the text is a running text cut into lines or paragraphs, for recur train --running-text: --val-frac holds out the end of each file instead of every n-th sequence',
    default: false, onResume: 'fixed',
  },
  vocabFrom: { type: 'path', help: 'use this model\'s vocabulary and text configuration instead of counting one', optional: true, onResume: 'fixed', placeholder: '<model>' },
  threads: {
    type: 'int', help: 'worker threads (the store is the same for any number)', min: 1, max: 256, optional: true,
    defaultText: 'the available cores', onResume: 'free', placeholder: '<n>',
  },
  shardTokens: { type: 'int', help: 'token ids per shard file', min: 1, default: DEFAULT_SHARD_TOKENS, onResume: 'free', placeholder: '<n>' },
  replaceInvalid: REPLACE_INVALID_OPTION,
  force: { type: 'boolean', help: 'replace the store if it exists', default: false, onResume: 'free', cliOnly: true },
} as const satisfies OptionTable;

export const PREPARE_PRINT_OPTIONS = { quiet: QUIET_OPTION, json: JSON_EVENTS_OPTION } as const satisfies OptionTable;

/** `recur prepare`'s options. */
export const PREPARE_OPTIONS = { data: DATA_OPTIONS, store: STORE_OPTIONS, printing: PREPARE_PRINT_OPTIONS } as const;
export type PrepareCommandOptions = FamilyValues<typeof PREPARE_OPTIONS>;
