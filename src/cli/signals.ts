/**
 * Ctrl-C and SIGTERM during a long job: the first signal aborts the job's
 * AbortSignal (the job stops at a safe point and keeps or removes its work),
 * a second one exits at once (files are replaced atomically, so what is on
 * disk stays whole). `dispose()` removes the handlers when the job is over.
 */
import type { CliIO } from './io.js';
import { EXIT } from './exit.js';

export type Caught = 'SIGINT' | 'SIGTERM';

export class SignalStop {
  private readonly abort = new AbortController();
  /** the first signal received, or null */
  caught: Caught | null = null;
  private readonly onInt = this.handler('SIGINT');
  private readonly onTerm = this.handler('SIGTERM');

  constructor(private readonly io: CliIO) {
    process.on('SIGINT', this.onInt);
    process.on('SIGTERM', this.onTerm);
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** The exit code of the signal caught (SIGINT when none was). */
  get exitCode(): number {
    return this.caught === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint;
  }

  dispose(): void {
    process.off('SIGINT', this.onInt);
    process.off('SIGTERM', this.onTerm);
  }

  private handler(s: Caught): () => void {
    return () => {
      if (this.caught) this.io.exit(s === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
      this.caught = s;
      this.abort.abort();
    };
  }
}
