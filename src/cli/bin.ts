/** Entry point of the `recur` executable: run the CLI on the process and exit with its code. */
import { runCli } from './main.js';
import { processIO } from './io.js';

export function main(): void {
  runCli(process.argv.slice(2), processIO()).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`recur: internal error: ${(e as Error)?.message ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
