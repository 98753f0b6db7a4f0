/**
 * Whether to colour, decided once per run from the run's own environment (the
 * CliIO env, not process.env, so tests and embedders control it):
 *   --no-color  → never
 *   NO_COLOR    → never (any non-empty value, https://no-color.org)
 *   FORCE_COLOR → 0 never; 1 16 colours; 2 256; 3 truecolor; other values 16 colours
 *   otherwise   → colour when stdout is a terminal (and TERM is not "dumb"),
 *                 256 colours or truecolor when TERM/COLORTERM say so.
 */
import chalk, { type ColorSupportLevel } from 'chalk';
import type { CliIO } from '../io.js';

export function colorLevel(env: CliIO['env'], isTTY: boolean, noColorFlag: boolean): ColorSupportLevel {
  if (noColorFlag) return 0;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    if (force === '2') return 2;
    if (force === '3') return 3;
    return 1;
  }
  if (!isTTY || env.TERM === 'dumb') return 0;
  if (env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit') return 3;
  if (/-256(color)?$/i.test(env.TERM ?? '')) return 2;
  return 1;
}

/** Set chalk's level for this run (all commands share the one chalk instance). */
export function applyColor(io: CliIO, argv: readonly string[]): ColorSupportLevel {
  const level = colorLevel(io.env, Boolean(io.stdout.isTTY), argv.includes('--no-color'));
  chalk.level = level;
  return level;
}

export function colorOn(): boolean {
  return chalk.level > 0;
}
