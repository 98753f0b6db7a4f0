/** Where the CLI writes and reads: the real process streams, or buffers in tests. */
export interface Out {
  write(s: string): unknown;
  isTTY?: boolean;
}

export interface CliIO {
  stdout: Out;
  stderr: Out;
  /** read all of standard input (for `recur score` without sentences) */
  readStdin: () => Promise<string>;
  /** true when standard input is a terminal (then score does not wait for it) */
  stdinIsTTY: boolean;
  /** standard input as a stream (for interactive prompts) */
  stdin?: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
  cwd: string;
  /** end the process at once with this code (a second Ctrl-C); tests pass a stub that throws */
  exit: (code: number) => never;
}

export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    exit: (code) => process.exit(code),
  };
}
