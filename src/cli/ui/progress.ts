/**
 * The progress of a corpus preparation on stderr (recur prepare, and recur
 * train while it prepares a large text into a temporary store): a line
 * redrawn in place on a terminal, plain lines now and then otherwise, or
 * progress events with --json. Bytes, MB/s and the ETA.
 */
import type { CliIO } from '../io.js';
import { formatDuration } from '../common.js';
import type { PrepareProgress } from '../../index.js';

export function mb(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return bytes >= 1e3 ? `${(bytes / 1e3).toFixed(1)} KB` : `${Math.round(bytes)} bytes`;
}

const PHASES: Record<PrepareProgress['phase'], string> = { scan: 'scanning', count: 'counting', encode: 'encoding' };
/** plain output: a line at the start and then every this often */
const PLAIN_EVERY_MS = 5000;

/** The progress of a preparation on stderr: a line redrawn in place on a terminal, plain lines now and then otherwise. */
export class ProgressLine {
  private last = -Infinity;
  private drawn = false;
  private readonly t0 = performance.now();

  constructor(
    private readonly err: CliIO['stderr'], private readonly label: string, private readonly mode: 'tty' | 'plain' | 'quiet',
    private readonly json: ((x: object) => void) | null,
  ) {}

  get elapsedMs(): number {
    return performance.now() - this.t0;
  }

  progress(p: PrepareProgress): void {
    const now = performance.now();
    const every = this.json ? 1000 : this.mode === 'tty' ? 100 : PLAIN_EVERY_MS;
    if (now - this.last < every && p.done < p.total) return;
    this.last = now;
    const rate = p.done / Math.max(1e-3, p.elapsedMs / 1000), eta = (p.total - p.done) / Math.max(1, rate);
    if (this.json) {
      this.json({ type: 'progress', phase: p.phase, pass: p.pass, passes: p.passes, done: p.done, total: p.total, mb_per_s: p.mbPerSec, eta_s: eta });
      return;
    }
    const text = `${this.label}: ${PHASES[p.phase]} (pass ${p.pass} of ${p.passes}), ${Math.floor((100 * p.done) / Math.max(1, p.total))}%, ` +
      `${mb(p.done / p.passes)} of ${mb(p.total / p.passes)}, ${p.mbPerSec.toFixed(1)} MB/s, ETA ${formatDuration(1000 * eta)}`;
    if (this.mode === 'tty') {
      this.err.write(`\r\x1b[K${text}`);
      this.drawn = true;
    } else if (this.mode === 'plain') this.err.write(text + '\n');
  }

  /** A line of its own (a warning), above the progress line. */
  note(s: string): void {
    this.clear();
    this.err.write(s + '\n');
  }

  clear(): void {
    if (this.drawn) this.err.write('\r\x1b[K');
    this.drawn = false;
  }
}
