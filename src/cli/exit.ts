/**
 * Exit codes, decided in one place (main.ts maps every outcome to one of these):
 *   0 success · 1 failure (bad file, diverged run, internal error) · 2 usage error
 *   130 interrupted (SIGINT) · 143 terminated (SIGTERM)
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, sigint: 130, sigterm: 143 } as const;

export const EXIT_CODES_HELP = `
Exit codes: 0 success, 1 failure (unreadable or invalid file, diverged run),
2 usage error (bad option or value), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).`;

/** Thrown by a command to end with a specific exit code after its output is written. */
export class ExitWith extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
