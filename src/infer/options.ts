/**
 * The options of drawing a sample (see core/options.ts): validated here, by
 * the library, whoever calls it; `recur sample` derives its flags from the
 * same table.
 */
import { usageError } from '../core/errors.js';
import { choice, resolveFamily, type OptionTable, type Given, type Values } from '../core/options.js';
import { KERNELS_OPTION, THREADS_OPTION } from '../kernels/index.js';
import { DECODER_PRECISIONS } from './session.js';

export const SAMPLE_OPTIONS = {
  maxLength: { type: 'int', help: 'stop a sample after n tokens', unit: 'tokens', min: 1, default: 200, onResume: 'free', placeholder: '<n>' },
  temperature: { type: 'number', help: 'below 1: safer, above 1: wilder', min: 0, minOpen: true, default: 1, short: '-t', onResume: 'free', placeholder: '<t>' },
  topK: { type: 'int', help: 'draw only from the k most likely tokens', min: 0, default: 0, special: '0 = off', onResume: 'free', placeholder: '<k>' },
  topP: { type: 'number', help: 'draw only from the most likely tokens that make up probability p', min: 0, minOpen: true, max: 1, default: 1, special: '1 = off', onResume: 'free', placeholder: '<p>' },
  greedy: { type: 'boolean', help: 'always take the most likely token (no temperature, top-k or top-p)', default: false, onResume: 'free' },
  prime: { type: 'string', help: 'continue this text', default: '', onResume: 'free', placeholder: '<text>' },
  allowUnk: { type: 'boolean', help: 'allow <unk> to be drawn', default: false, onResume: 'free' },
} as const satisfies OptionTable;

export type SampleOptions = Values<typeof SAMPLE_OPTIONS>;
export type SampleOptionsGiven = Given<typeof SAMPLE_OPTIONS>;

/** `recur sample`'s own options. */
export const SAMPLE_RUN_OPTIONS = {
  number: { type: 'int', help: 'how many samples', min: 1, default: 5, short: '-n', onResume: 'free', cliOnly: true, placeholder: '<n>' },
  seed: { type: 'int', help: 'random seed: the same seed gives the same samples', min: 0, default: 1, onResume: 'free', cliOnly: true, placeholder: '<n>' },
  json: { type: 'boolean', help: 'one JSON object per sample: {"text","tokens","logprob","ended"}', default: false, onResume: 'free', cliOnly: true },
  interactive: { type: 'boolean', help: 'a prompt: type a beginning, see the likeliest next tokens and a few continuations', default: false, short: '-i', onResume: 'free', cliOnly: true },
  top: { type: 'int', help: 'interactive: how many next-token candidates to show', min: 1, default: 5, onResume: 'free', cliOnly: true, placeholder: '<k>' },
  kernels: { ...KERNELS_OPTION, cliOnly: true },
  threads: {
    ...THREADS_OPTION, cliOnly: true,
    help: 'threads that compute: 2 or more split each step\'s large products (recurrent weights, a full-softmax decoder: from 2^16 weights) with a worker (the same samples)',
    defaultText: '1 (measured: the split is slower on a busy machine)',
  },
  decoder: choice(DECODER_PRECISIONS, {
    help: 'read a full-softmax decoder from a reduced copy, faster for large vocabularies: bf16 (half the bytes) or int8 (a quarter, a scale per row); the probabilities move by rounding, so a seed may draw other samples',
    default: 'f32', onResume: 'free', cliOnly: true, placeholder: '<precision>',
  }),
} as const satisfies OptionTable;

export const SAMPLE_COMMAND_OPTIONS = { sampling: SAMPLE_OPTIONS, run: SAMPLE_RUN_OPTIONS } as const;

/** Check and default sampling options; a contradiction (greedy with a temperature) is an error, not ignored. */
export function resolveSampleOptions(given: SampleOptionsGiven = {}): SampleOptions {
  if (given.temperature === 0) {
    throw usageError('temperature must be > 0 (got 0); to always take the most likely token, use greedy', ['temperature', 'greedy']);
  }
  const o = resolveFamily({ sampling: SAMPLE_OPTIONS }, { sampling: given }).sampling;
  if (o.greedy) {
    const clash = (['temperature', 'topK', 'topP'] as const).find((k) => given[k] !== undefined && given[k] !== SAMPLE_OPTIONS[k].default);
    if (clash) throw usageError(`greedy always takes the most likely token, so ${clash} does not apply; leave one of them out`, ['greedy', clash]);
  }
  return o;
}
