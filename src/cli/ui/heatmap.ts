/** Sentences in the terminal with every token coloured by its probability (green likely … red surprising). */
import chalk from 'chalk';
import { type SentenceScore, type TokenScore, HEAT_MAX_BITS, heatRgb, surprise01 } from '../../index.js';

/** How a token is shown: <eos> as ⏎, spaces between words at word level. */
export function tokenText(t: TokenScore): string {
  if (t.token === '<eos>' && t.id === 0) return '⏎';
  return t.token;
}

export function heatToken(text: string, prob: number): string {
  const [r, g, b] = heatRgb(surprise01(prob));
  return chalk.bgRgb(r, g, b).rgb(0, 0, 0)(text);
}

/** The sentence as a heat map (plain text when colour is off). */
export function heatLine(s: SentenceScore, level: 'char' | 'word'): string {
  const sep = level === 'word' ? ' ' : '';
  // out-of-vocabulary tokens (scored as <unk>) are underlined as well
  return s.tokens.map((t) => (t.oov ? chalk.underline(heatToken(tokenText(t), t.prob)) : heatToken(tokenText(t), t.prob))).join(sep);
}

/** A legend: p = 1 … 2^-maxBits. */
export function heatLegend(): string {
  const steps = 8;
  const cells = Array.from({ length: steps }, (_, i) => heatToken(' ', 2 ** (-(i + 0.5) * (HEAT_MAX_BITS / steps)))).join('');
  return `${chalk.dim('likely')} ${cells} ${chalk.dim(`surprising (p ≤ 1/${2 ** HEAT_MAX_BITS})`)}`;
}
