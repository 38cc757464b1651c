/**
 * The one error type of a failed request (no dependencies, so pure modules and their
 * tests can use it without loading JupyterLab's services).
 */

/** A failed request: carries the server's message, hint and HTTP status (0: no response). */
export class MgitRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly hint: string | null = null
  ) {
    super(message);
    this.name = 'MgitRequestError';
  }

  /** The message followed by the hint, as one line for the user. */
  get details(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }
}
