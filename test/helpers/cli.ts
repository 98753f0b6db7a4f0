import { runCli } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in this process with captured output. */
export async function recur(args: string[], stdin = '', cwd = process.cwd()): Promise<CliRun> {
  let stdout = '', stderr = '';
  const io: CliIO = {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    readStdin: async () => stdin,
    stdinIsTTY: false,
    env: { NO_COLOR: '1' },
    cwd,
    exit: (code: number): never => {
      throw new Error(`the CLI asked to exit at once with ${code}`);
    },
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}
