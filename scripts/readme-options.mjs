#!/usr/bin/env node
/**
 * The README's option tables, written from the option tables in the source
 * (src/train/options.ts, src/infer/options.ts), so that what the README says
 * about an option and its default is what the code does. Run after `npm run
 * build`; a test checks that the README holds exactly what this writes.
 *
 *   node scripts/readme-options.mjs           rewrite the tables in README.md
 *   node scripts/readme-options.mjs --check   exit 1 if README.md differs
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultText, fieldsOf, TRAIN_COMMAND_OPTIONS, SAMPLE_COMMAND_OPTIONS } from '../dist/index.js';

const FAMILIES = { train: TRAIN_COMMAND_OPTIONS, sample: SAMPLE_COMMAND_OPTIONS };

const flag = (name) => '--' + name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
const cell = (s) => s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const duration = (s) => (s >= 3600 && s % 3600 === 0 ? `${s / 3600}h` : s >= 60 && s % 60 === 0 ? `${s / 60}m` : `${s}s`);

/** One markdown table of a family's options. */
export function optionTable(family) {
  const rows = ['| option | default | meaning |', '|---|---|---|'];
  for (const [name, [, s]] of fieldsOf(family)) {
    const value = s.type === 'boolean' ? '' : s.type === 'choice' ? ` ${s.choices.join('|')}` : ` ${(s.placeholder ?? '<value>').replace(/[<>]/g, '').replace(/[a-z]+/g, (w) => w.toUpperCase())}`;
    const d = defaultText(s, duration);
    const meaning = s.help + (s.special ? ` (${s.special})` : '') + (d === null && s.unit && s.type !== 'duration' ? ` (${s.unit})` : '');
    const shown = d ?? (s.type === 'boolean' ? 'off' : '');
    rows.push(`| \`${s.short ? `${s.short}, ` : ''}${flag(name)}${value.replace(/\|/g, '\\|')}\` | ${cell(shown)} | ${cell(meaning)} |`);
  }
  return rows.join('\n');
}

/** The README with every `<!-- options: NAME -->` … `<!-- /options -->` block rewritten. */
export function withTables(readme) {
  return readme.replace(/<!-- options: (\w+) -->[\s\S]*?<!-- \/options -->/g, (_, name) => {
    if (!FAMILIES[name]) throw new Error(`README.md names an unknown option family "${name}"`);
    return `<!-- options: ${name} -->\n${optionTable(FAMILIES[name])}\n<!-- /options -->`;
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = fileURLToPath(new URL('../README.md', import.meta.url));
  const now = readFileSync(path, 'utf8'), want = withTables(now);
  if (process.argv.includes('--check')) process.exit(now === want ? 0 : 1);
  writeFileSync(path, want);
}
