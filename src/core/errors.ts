/**
 * Errors the library throws. The library never prints or exits: the CLI maps
 * `kind` to an exit code (usage → 2, everything else → 1) and prints `message`,
 * which is one line that says what happened and what to do about it.
 *
 * A usage error about one option names it by its field name (`lr must be > 0`)
 * and carries that name in `field`, so the CLI can say `--lr` instead.
 */
export type ErrorKind =
  | 'usage' // a bad option value or combination: the caller must change the command
  | 'input' // a corpus, sentence or file that cannot be used as given
  | 'format' // a model or checkpoint file that is not valid
  | 'numeric' // the run diverged (non-finite loss or gradient)
  | 'aborted'; // an AbortSignal stopped the work

export class RecurError extends Error {
  readonly kind: ErrorKind;
  /** the option the message is about (its field name, which starts the message) */
  readonly field?: string;
  constructor(kind: ErrorKind, message: string, field?: string) {
    super(message);
    this.name = 'RecurError';
    this.kind = kind;
    if (field !== undefined) this.field = field;
  }
}

/** A bad option value or combination; `field` names the option the message starts with. */
export function usageError(message: string, field?: string): RecurError {
  return new RecurError('usage', message, field);
}

export function inputError(message: string): RecurError {
  return new RecurError('input', message);
}

export function formatError(message: string): RecurError {
  return new RecurError('format', message);
}

export function isRecurError(e: unknown): e is RecurError {
  return e instanceof RecurError;
}
