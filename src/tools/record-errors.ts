// The typed errors of reading text records (CSV, NDJSON): a body over its
// limit, and a record that cannot be read, by the line it starts on.
import { CqliteError } from "../errors.js";

export class BodyTooLargeError extends CqliteError {
  constructor(limit: number) {
    super("BODY_TOO_LARGE", `the request body is over the limit of ${limit} bytes`);
  }
}

export class BadRecordError extends CqliteError {
  /** `resumable`: the reader is past the record and may go on with the next (a wrong field count), rather than lost in the input (a quote never closed) */
  constructor(readonly line: number, readonly reason: string, readonly resumable = false) {
    super("BAD_ROW", `line ${line}: ${reason}`);
  }
}
