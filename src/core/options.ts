/**
 * Option schemas: every option of a command family described once, as data
 * (name, type, range or choices, default with its unit, help, whether a
 * resumed run or a run from an initial model may set it). From one table come
 * the library's validation and defaults, the TypeScript types of the resolved
 * options, the command line's flags and `--help` text, the run record kept in
 * checkpoints, and the JSON description the PyTorch trainer reads.
 *
 * A family is a record of parts (data, model, optimizer, …), each a record of
 * fields; field names are unique across the family, so a flat bag of values
 * (a command line's) maps onto the parts without ambiguity.
 */
import { usageError } from './errors.js';

export type OptionType = 'int' | 'number' | 'boolean' | 'choice' | 'string' | 'duration' | 'intList' | 'path' | 'paths';

interface SpecBase {
  type: OptionType;
  /** one line for --help and the docs */
  help: string;
  /** the default when the option is not given (absent: none, or computed where `defaultText` says) */
  default?: unknown;
  /** a default that depends on another field's value: { field: 'level', values: { char: 64, word: 128 } } */
  defaultBy?: { field: string; values: Readonly<Record<string, unknown>> };
  /** how --help describes a default that code computes when the option is left out */
  defaultText?: string;
  /** the unit of a number ('seconds', 'steps', 'tokens', …) */
  unit?: string;
  /** what a special value means, for help: '0 = off' */
  special?: string;
  min?: number;
  max?: number;
  minOpen?: boolean;
  maxOpen?: boolean;
  /** 'free': a resumed run may change it (limits, outputs, printing); 'fixed': it must stay as the run had it */
  onResume: 'free' | 'fixed';
  /** 'refused': an initial model (--init) decides it, so giving it is an error */
  withInit?: 'refused';
  /** command line only (files, printing): not an option of the library's functions */
  cliOnly?: boolean;
  /** the value stays undefined when not given and has no default (the library decides later, from the data) */
  optional?: boolean;
  /** command line: a short alias ('-o') and the value placeholder ('<file>') */
  short?: string;
  placeholder?: string;
}

export interface ChoiceSpec<C extends string = string> extends SpecBase {
  type: 'choice';
  choices: readonly C[];
}

export type OptionSpec = SpecBase | ChoiceSpec;
export type OptionTable = Readonly<Record<string, OptionSpec>>;
export type OptionFamily = Readonly<Record<string, OptionTable>>;

type ValueOf<S> = S extends ChoiceSpec<infer C>
  ? C
  : S extends { type: 'int' | 'number' | 'duration' }
    ? number
    : S extends { type: 'boolean' }
      ? boolean
      : S extends { type: 'intList' }
        ? number[]
        : S extends { type: 'paths' }
          ? string[]
          : string;

/** The resolved values of a table: a field without a default is `undefined` until given. */
export type Values<T extends OptionTable> = {
  -readonly [K in keyof T]: T[K] extends { default: unknown } | { defaultBy: unknown } ? ValueOf<T[K]> : ValueOf<T[K]> | undefined;
};

/** What a caller may give for a table: any subset. */
export type Given<T extends OptionTable> = { [K in keyof T]?: ValueOf<T[K]> };

export type FamilyValues<F extends OptionFamily> = { -readonly [P in keyof F]: Values<F[P]> };
export type FamilyGiven<F extends OptionFamily> = { [P in keyof F]?: Given<F[P]> };

/** A choice field (the type keeps whether a default was given, for `Values`). */
export function choice<const C extends string, const S extends Omit<ChoiceSpec<C>, 'type' | 'choices'>>(choices: readonly C[], s: S): { type: 'choice'; choices: readonly C[] } & S {
  return { type: 'choice', choices, ...s };
}

const describe = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? v.join(',') : String(v));

function rangeText(s: SpecBase): string {
  if (s.min !== undefined && s.max !== undefined && !s.minOpen && !s.maxOpen) return `from ${s.min} to ${s.max}`;
  const lo = s.min !== undefined ? `${s.minOpen ? '>' : '≥'} ${s.min}` : '';
  const hi = s.max !== undefined ? `${s.maxOpen ? '<' : '≤'} ${s.max}` : '';
  return lo && hi ? `${lo} and ${hi}` : lo || hi;
}

/** Check one value (the name is the field's, for the message); returns it normalised (choices in lower case). */
export function checkValue(name: string, s: OptionSpec, v: unknown): unknown {
  const bad = (what: string): never => {
    throw usageError(`${name} must be ${what} (got ${describe(v)})`, name);
  };
  const inRange = (x: number): boolean =>
    (s.min === undefined || (s.minOpen ? x > s.min : x >= s.min)) && (s.max === undefined || (s.maxOpen ? x < s.max : x <= s.max));
  switch (s.type) {
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || !inRange(v)) bad(`an integer${s.min !== undefined || s.max !== undefined ? ` ${rangeText(s)}` : ''}`);
      return v;
    case 'number':
    case 'duration':
      if (typeof v !== 'number' || !Number.isFinite(v) || !inRange(v)) bad(`a number${s.min !== undefined || s.max !== undefined ? ` ${rangeText(s)}` : ''}`);
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') bad('true or false');
      return v;
    case 'choice': {
      const c = (s as ChoiceSpec).choices;
      const lower = typeof v === 'string' ? v.toLowerCase() : v;
      if (typeof lower !== 'string' || !c.includes(lower)) bad(`one of ${c.join(', ')}`);
      return lower;
    }
    case 'intList':
      if (!Array.isArray(v) || v.length === 0 || !v.every((x, i) => Number.isSafeInteger(x) && x > 0 && (i === 0 || x > v[i - 1]))) {
        bad('increasing positive integers, e.g. 2000,10000');
      }
      return [...(v as number[])];
    case 'paths':
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x.length > 0)) bad('a list of paths');
      return [...(v as string[])];
    default:
      if (typeof v !== 'string' || (s.type === 'path' && v.length === 0)) bad(s.type === 'path' ? 'a path' : 'text');
      return v;
  }
}

/** The default of a field, given the values resolved so far (by field name). */
function defaultOf(s: OptionSpec, resolved: Record<string, unknown>): unknown {
  if (s.defaultBy) return s.defaultBy.values[String(resolved[s.defaultBy.field])];
  return Array.isArray(s.default) ? [...s.default] : s.default;
}

/**
 * Resolve a family: every given value checked, every missing one defaulted.
 * Parts are resolved in the family's order and fields in each table's order,
 * so a `defaultBy` may name any field that comes before it. Unknown parts or
 * fields are usage errors (a misspelt option must not be ignored).
 */
export function resolveFamily<F extends OptionFamily>(family: F, given: FamilyGiven<F> | Record<string, Record<string, unknown> | undefined>): FamilyValues<F> {
  const g = given as Record<string, Record<string, unknown> | undefined>;
  for (const part of Object.keys(g)) {
    if (g[part] === undefined) continue;
    if (!(part in family)) throw usageError(`unknown option group "${part}" (the groups are ${Object.keys(family).join(', ')})`);
    for (const name of Object.keys(g[part] ?? {})) {
      if (!(name in family[part])) throw usageError(`unknown option ${part}.${name}`, name);
    }
  }
  const flat: Record<string, unknown> = {};
  const out: Record<string, Record<string, unknown>> = {};
  for (const [part, table] of Object.entries(family)) {
    const values: Record<string, unknown> = {};
    for (const [name, s] of Object.entries(table)) {
      const v = g[part]?.[name];
      values[name] = v === undefined ? defaultOf(s, flat) : checkValue(name, s, v);
      flat[name] = values[name];
    }
    out[part] = values;
  }
  return out as FamilyValues<F>;
}

/** Where each field of a family lives: name → [part, spec]. */
export function fieldsOf(family: OptionFamily): Map<string, [string, OptionSpec]> {
  const m = new Map<string, [string, OptionSpec]>();
  for (const [part, table] of Object.entries(family)) {
    for (const [name, s] of Object.entries(table)) {
      if (m.has(name)) throw new Error(`option ${name} is defined twice (in ${m.get(name)![0]} and ${part})`);
      m.set(name, [part, s]);
    }
  }
  return m;
}

/** A flat bag of values (a command line's) as the family's parts; undefined values are left out. */
export function nest(family: OptionFamily, flat: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const fields = fieldsOf(family);
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, v] of Object.entries(flat)) {
    const f = fields.get(name);
    if (!f || v === undefined) continue;
    (out[f[0]] ??= {})[name] = v;
  }
  return out;
}

/** "0.002", "5m", "char 64, word 128", or null when there is no default to show. */
export function defaultText(s: OptionSpec, formatDuration: (seconds: number) => string = (x) => `${x}s`): string | null {
  const show = (v: unknown): string => (s.type === 'duration' && typeof v === 'number' ? (v === 0 ? '0' : formatDuration(v)) : describe(v).replace(/^"|"$/g, ''));
  if (s.defaultText) return s.defaultText;
  if (s.defaultBy) return Object.entries(s.defaultBy.values).map(([k, v]) => `${k} ${show(v)}`).join(', ');
  if (s.default === undefined || s.default === false) return null;
  return show(s.default) + (s.unit && s.type !== 'duration' ? ` ${s.unit}` : '');
}

/** The family as plain JSON (for tools in other languages: the PyTorch trainer reads this). */
export function familyJSON(family: OptionFamily): { part: string; name: string; spec: OptionSpec }[] {
  const out: { part: string; name: string; spec: OptionSpec }[] = [];
  for (const [part, table] of Object.entries(family)) for (const [name, spec] of Object.entries(table)) out.push({ part, name, spec });
  return out;
}

/** The printing options of every long-running command (command line only). */
export const QUIET_OPTION = { type: 'boolean', help: 'print nothing but errors', default: false, short: '-q', onResume: 'free', cliOnly: true } as const;
export const JSON_EVENTS_OPTION = { type: 'boolean', help: 'print one JSON object per event on stdout', default: false, onResume: 'free', cliOnly: true } as const;
