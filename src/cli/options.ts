/**
 * Command-line flags from the library's option tables (core/options.ts): the
 * one place where a field becomes a flag (`seqLen` → `--seq-len`), where its
 * help text shows the default with its unit, and where a library message about
 * a field is reworded to name the flag. The command line only converts text
 * to the field's type; ranges and choices are checked by the library, once.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { defaultText, fieldsOf, type OptionFamily, type OptionSpec, type RecurError } from '../index.js';
import { formatDuration } from './common.js';

/** The flag of a field: camelCase → --kebab-case. */
export function flagOf(name: string): string {
  return '--' + name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

function parseInt(v: string): number {
  if (!/^[+-]?\d+$/.test(v.trim())) throw new InvalidArgumentError('must be an integer.');
  return Number(v);
}

function parseNumber(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('must be a number.');
  return n;
}

/** A duration: 90, 90s, 10m, 1.5h, 2d → seconds (a bare number is seconds). */
export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError('must be a duration such as 90s, 10m or 2h.');
  return Number(m[1]) * ({ ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[m[2] ?? 's'] as number);
}

function parseList(v: string): number[] {
  const xs = v.split(',').map((x) => x.trim());
  if (!xs.every((x) => /^\d+$/.test(x))) throw new InvalidArgumentError('must be integers separated by commas, e.g. 2000,10000.');
  return xs.map(Number);
}

const PARSERS: Partial<Record<OptionSpec['type'], (v: string) => unknown>> = {
  int: parseInt,
  number: parseNumber,
  duration: parseDuration,
  intList: parseList,
  choice: (v) => v.toLowerCase(),
};

/** The help line of a field: what it does, what special values mean, the choices, the default with its unit. */
export function helpOf(s: OptionSpec): string {
  const parts = [s.help];
  if (s.special) parts.push(`(${s.special})`);
  if (s.type === 'choice' && 'choices' in s) parts.push(`(choices: ${s.choices.join(', ')})`);
  const d = defaultText(s, (sec) => formatDuration(sec * 1000));
  if (d !== null) parts.push(`(default: ${d})`);
  else if (s.unit && s.type !== 'duration') parts.push(`(${s.unit})`);
  return parts.join(' ');
}

/** Add a flag for every field of the family (but `skip`). */
export function addOptions(cmd: Command, family: OptionFamily, skip: readonly string[] = []): Command {
  for (const [name, [, s]] of fieldsOf(family)) {
    if (skip.includes(name)) continue;
    const flags = `${s.short ? `${s.short}, ` : ''}${flagOf(name)}${s.type === 'boolean' ? '' : ` ${s.placeholder ?? '<value>'}`}`;
    const opt = new Option(flags, helpOf(s));
    const parse = PARSERS[s.type];
    if (parse) opt.argParser(parse);
    cmd.addOption(opt);
  }
  return cmd;
}

/** The values given on the command line (not defaults), as the family's parts. */
export function givenOptions(cmd: Command, family: OptionFamily): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  const values = cmd.opts();
  for (const [name, [part]] of fieldsOf(family)) {
    if (cmd.getOptionValueSource(name) === 'cli' && values[name] !== undefined) (out[part] ??= {})[name] = values[name];
  }
  return out;
}

/** A library message with the fields it names written as flags ("lr must be > 0" → "--lr must be > 0"). */
export function cliMessage(e: RecurError): string {
  let m = e.message;
  for (const f of e.fields) m = m.replace(new RegExp(`(^|[^-\\w.])${f}(?![\\w-])`), `$1${flagOf(f)}`);
  return m;
}
