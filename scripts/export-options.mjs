#!/usr/bin/env node
/**
 * Writes recur train's option table (src/train/options.ts) as JSON for the
 * PyTorch trainer (python/recur_torch reads it, so both trainers have the same
 * option names, ranges and defaults), with the trainer's fixed rules that are
 * not options (TRAIN_RULES: history cadence, validation chunks, divergence,
 * default limits and output layer). Run after `npm run build`; a test checks
 * that the committed file is what this writes.
 *
 *   node scripts/export-options.mjs            write python/recur_torch/train_options.json
 *   node scripts/export-options.mjs --print    print it instead
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { familyJSON, TRAIN_COMMAND_OPTIONS, TRAIN_RULES } from '../dist/index.js';

export function trainOptionsJSON() {
  const fields = familyJSON(TRAIN_COMMAND_OPTIONS).map(({ part, name, spec }) => JSON.stringify({ part, name, ...spec }));
  // one field per line, so that a change to the table reads as a one-line diff
  return `{"format": "recur-options/1", "command": "train",\n"rules": ${JSON.stringify(TRAIN_RULES)},\n"fields": [\n${fields.join(',\n')}\n]}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = trainOptionsJSON();
  if (process.argv.includes('--print')) process.stdout.write(text);
  else writeFileSync(fileURLToPath(new URL('../python/recur_torch/train_options.json', import.meta.url)), text);
}
