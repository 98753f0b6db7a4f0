/**
 * The progress line of reading a long input (recur eval, recur score --file):
 * bytes read, MB/s and the time left, redrawn in place on standard error at
 * most a few times a second, and only once the input has taken a second (a
 * short one shows nothing). Never on standard output; `done` clears it.
 */
import type { Out } from '../io.js';
import { formatDuration } from '../common.js';
import { mb } from './progress.js';

const SHOW_AFTER_MS = 1000;
const REDRAW_MS = 250;

export class ReadProgress {
  private readonly t0 = performance.now();
  private last = 0;
  private shown = false;

  /** `after`: show nothing before this many milliseconds (a short input never shows the line) */
  constructor(private readonly err: Out, private readonly label: string, private readonly on: boolean, private readonly after = SHOW_AFTER_MS) {}

  update = (read: number, total: number): void => {
    if (!this.on) return;
    const now = performance.now(), ms = now - this.t0;
    if (ms < this.after || now - this.last < REDRAW_MS) return;
    this.last = now;
    const rate = read / (ms / 1000);
    const left = rate > 0 && total > read ? `, ${formatDuration(((total - read) / rate) * 1000)} left` : '';
    const pct = total > 0 ? ` (${((100 * read) / total).toFixed(1)}%)` : '';
    this.err.write(`\r\x1b[K${this.label}: ${mb(read)} of ${mb(total)}${pct}, ${(rate / 1e6).toFixed(1)} MB/s${left}`);
    this.shown = true;
  };

  done(): void {
    if (this.shown) this.err.write('\r\x1b[K');
    this.shown = false;
  }
}

/** Whether to draw it: asked for (true/false), or else when both outputs are terminals and the output is not JSON. */
export function progressOn(asked: boolean | undefined, json: boolean, stdout: Out, stderr: Out): boolean {
  return asked ?? (!json && Boolean(stdout.isTTY) && Boolean(stderr.isTTY));
}
