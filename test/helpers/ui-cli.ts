/** Run the CLI in process with a chosen environment, terminal flags and standard input stream. */
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';

export interface RunOptions {
  env?: Record<string, string | undefined>;
  stdoutTTY?: boolean;
  stderrTTY?: boolean;
  stdin?: string | Readable;
  stdinIsTTY?: boolean;
  columns?: number;
}

export async function recurWith(args: string[], o: RunOptions = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const stdinStream = typeof o.stdin === 'string' ? Readable.from([o.stdin]) : o.stdin;
  const io: CliIO = {
    stdout: { write: (s: string) => (stdout += s), isTTY: o.stdoutTTY ?? false },
    // a terminal also needs the cursor methods ora calls
    stderr: Object.assign(
      { write: (s: string) => (stderr += s), isTTY: o.stderrTTY ?? false, columns: o.columns ?? 100 },
      {
        cursorTo: (x: number) => ((stderr += `${ESC}${x + 1}G`), true),
        clearLine: () => ((stderr += `${ESC}2K`), true),
        moveCursor: (_x: number, y: number) => ((stderr += y < 0 ? `${ESC}${-y}A` : ''), true),
        on: () => undefined,
        once: () => undefined,
        removeListener: () => undefined,
      },
    ),
    readStdin: async () => (typeof o.stdin === 'string' ? o.stdin : ''),
    stdinIsTTY: o.stdinIsTTY ?? false,
    stdin: stdinStream,
    env: o.env ?? { NO_COLOR: '1' },
    cwd: process.cwd(),
    exit: (code: number): never => {
      throw new Error(`the CLI asked to exit at once with ${code}`);
    },
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

export const ESC = '\x1b[';
