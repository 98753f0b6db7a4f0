/** Entry point of the `recur` executable: run the CLI on the process and exit with its code. */
import { runCli } from './main.js';
import { processIO } from './io.js';

export function main(): void {
  // output piped into head & co.: a closed pipe ends the run quietly, as for other Unix tools
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
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
