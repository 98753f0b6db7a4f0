/**
 * Errors the library throws. The library never prints or exits: the CLI maps
 * `kind` to an exit code (usage → 2, everything else → 1) and prints `message`,
 * which is one line that says what happened and what to do about it.
 *
 * A usage error about options names them by their field names (`lr must be
 * > 0`) and lists those names in `fields` (the first is the one the message
 * is about), so the command line can say `--lr` instead.
 */
export type ErrorKind =
  | 'usage' // a bad option value or combination: the caller must change the command
  | 'input' // a corpus, sentence or file that cannot be used as given
  | 'format' // a model or checkpoint file that is not valid
  | 'numeric' // the run diverged (non-finite loss or gradient)
  | 'aborted'; // an AbortSignal stopped the work

export class RecurError extends Error {
  readonly kind: ErrorKind;
  /** the options the message names, by field name (the first is the one it is about) */
  readonly fields: readonly string[];
  constructor(kind: ErrorKind, message: string, fields: readonly string[] = []) {
    super(message);
    this.name = 'RecurError';
    this.kind = kind;
    this.fields = fields;
  }
}

/** A bad option value or combination; `fields` are the options the message names, by field name. */
export function usageError(message: string, fields?: string | readonly string[]): RecurError {
  return new RecurError('usage', message, fields === undefined ? [] : typeof fields === 'string' ? [fields] : fields);
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
