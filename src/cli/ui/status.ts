/**
 * The live training status: on a terminal one line redrawn in place (step,
 * epoch, train loss, latest validation loss, tokens/s, elapsed, and a progress
 * bar with ETA when a --steps/--epochs/--time limit is set); otherwise plain
 * lines, one per validation and one every `plainEveryMs`, that read well in a log.
 */
import chalk from 'chalk';
import type { Out } from '../io.js';
import { columnsOf } from './width.js';
import { formatDuration } from '../common.js';
import { compact, fmt } from '../common.js';
import { type TrainEvent } from '../../index.js';

export interface Limits {
  steps?: number;
  epochs?: number;
  timeMs?: number;
}

/** The fraction of the run done: the limit that is closest to being reached wins. */
export function progressFraction(limits: Limits, step: number, epoch: number, elapsedMs: number, windowsPerEpoch: number): number | null {
  const parts: number[] = [];
  if (limits.steps !== undefined) parts.push(step / limits.steps);
  if (limits.epochs !== undefined) {
    // the trainer stops after ceil(epochs × windows) steps
    const total = Math.ceil(limits.epochs * windowsPerEpoch);
    parts.push(total > 0 ? step / total : epoch / limits.epochs);
  }
  if (limits.timeMs !== undefined) parts.push(elapsedMs / limits.timeMs);
  if (parts.length === 0) return null;
  return Math.min(1, Math.max(0, ...parts));
}

/** Remaining time at the average pace so far; null until there is something to go on. */
export function etaMs(elapsedMs: number, fraction: number | null): number | null {
  if (fraction === null || fraction <= 0 || elapsedMs <= 0) return null;
  return Math.max(0, (elapsedMs * (1 - fraction)) / fraction);
}

export function bar(fraction: number, width = 12): string {
  const eighths = ' ▏▎▍▌▋▊▉█';
  const cells = fraction * width;
  const full = Math.floor(cells);
  const part = Math.floor((cells - full) * 8);
  return ('█'.repeat(full) + (full < width ? eighths[part] : '')).padEnd(width, ' ');
}

export interface StatusState {
  step: number;
  epoch: number;
  loss: number;
  val: number | null;
  tokensPerSec: number;
  elapsedMs: number;
  fraction: number | null;
}

/** Epochs with two decimals, or four while under a tenth (an epoch of a large corpus takes days: 0.00 would say nothing). */
export function epochText(epoch: number): string {
  return fmt(epoch, epoch > 0 && epoch < 0.1 ? 4 : 2);
}

/** One status line (no colour codes when chalk is off). */
export function formatStatus(s: StatusState, limits: Limits): string {
  const parts = [
    `step ${s.step}${limits.steps !== undefined ? `/${limits.steps}` : ''}`,
    `epoch ${epochText(s.epoch)}${limits.epochs !== undefined ? `/${limits.epochs}` : ''}`,
    `loss ${chalk.bold(fmt(s.loss))}`,
  ];
  if (s.val !== null) parts.push(`val ${chalk.bold(fmt(s.val))}`);
  parts.push(`${compact(s.tokensPerSec)} tok/s`, formatDuration(s.elapsedMs));
  if (s.fraction !== null) {
    const eta = etaMs(s.elapsedMs, s.fraction);
    parts.push(`${chalk.cyan(bar(s.fraction))} ${Math.floor(s.fraction * 100)}%${eta !== null ? ` ETA ${formatDuration(eta)}` : ''}`);
  }
  return parts.join('  ');
}

const ANSI = /\x1b\[[0-9;]*m/g;

/** Cut a line to `width` visible characters (colour codes kept, reset at the end). */
export function fitWidth(line: string, width: number): string {
  if (line.replace(ANSI, '').length <= width) return line;
  let out = '', n = 0;
  for (const m of line.matchAll(/(\x1b\[[0-9;]*m)|([\s\S])/gu)) {
    if (m[1]) out += m[1];
    else if (n < width - 1) {
      out += m[2];
      n++;
    }
  }
  return out + '…' + (/\x1b\[/.test(line) ? '\x1b[0m' : '');
}

export type StatusMode = 'tty' | 'plain' | 'quiet';

export class StatusLine {
  private lastDraw = -Infinity;
  private state: StatusState = { step: 0, epoch: 0, loss: NaN, val: null, tokensPerSec: 0, elapsedMs: 0, fraction: null };
  private windowsPerEpoch = 0;
  private drawn = false;
  private tokensPerSec = 0;

  constructor(
    private readonly err: Out & { columns?: number },
    private readonly mode: StatusMode,
    private readonly limits: Limits,
    private readonly opts: { ttyEveryMs?: number; plainEveryMs?: number } = {},
  ) {}

  event(e: TrainEvent): void {
    if (this.mode === 'quiet') return;
    const err = this.err;
    if (e.type === 'warning') {
      this.clear();
      err.write(`${chalk.yellow('warning:')} ${e.message}\n`);
    } else if (e.type === 'prepared') {
      this.windowsPerEpoch = e.windowsPerEpoch;
      const val = e.valScored > 0 && (e.valScored < e.valTokens || e.evalEvery < e.windowsPerEpoch)
        ? `; validation every ${e.evalEvery} steps on ${e.valScored < e.valTokens ? `${compact(e.valScored)} of the ${compact(e.valTokens)}` : `the ${compact(e.valTokens)}`} validation tokens` : '';
      err.write(`model: ${compact(e.parameters)} parameters; batch ${e.batch}×${e.seqLen}, ${e.windowsPerEpoch} steps per epoch${val}\n`);
    } else if (e.type === 'eval') {
      this.state.val = e.valLoss;
      if (this.mode === 'plain') {
        err.write(`step ${e.step}  epoch ${epochText(e.epoch)}  val_loss ${fmt(e.valLoss)}${e.best ? ' (best)' : ''}  ${formatDuration(e.elapsedMs)}\n`);
      } else {
        this.draw(true);
      }
    } else if (e.type === 'lr') {
      this.clear();
      err.write(`validation stopped improving: learning rate now ${e.lr.toPrecision(3)} (step ${e.step})\n`);
    } else if (e.type === 'step') {
      // smooth the per-step throughput so the figure does not flicker
      this.tokensPerSec = this.tokensPerSec === 0 ? e.tokensPerSec : 0.9 * this.tokensPerSec + 0.1 * e.tokensPerSec;
      Object.assign(this.state, {
        step: e.step,
        epoch: e.epoch,
        loss: e.loss,
        tokensPerSec: this.tokensPerSec,
        elapsedMs: e.elapsedMs,
        fraction: progressFraction(this.limits, e.step, e.epoch, e.elapsedMs, this.windowsPerEpoch),
      });
      this.draw(false);
    }
  }

  private draw(force: boolean): void {
    const now = this.state.elapsedMs;
    const every = this.mode === 'tty' ? (this.opts.ttyEveryMs ?? 100) : (this.opts.plainEveryMs ?? 10_000);
    if (!force && now - this.lastDraw < every) return;
    this.lastDraw = now;
    const line = formatStatus(this.state, this.limits);
    if (this.mode === 'tty') {
      this.err.write(`\r\x1b[2K${fitWidth(line, columnsOf(this.err) - 1)}`);
      this.drawn = true;
    } else {
      this.err.write(line + '\n');
    }
  }

  /** Remove the redrawn line (before other output, and at the end). */
  clear(): void {
    if (this.drawn) this.err.write('\r\x1b[2K');
    this.drawn = false;
  }
}
