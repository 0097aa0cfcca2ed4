// Typed failures of the write-ahead log.
import { CqliteError } from "../errors.js";

/**
 * A segment that is damaged other than by a torn tail: a bad record followed
 * by valid ones, any bad record in a segment that is not the last, sequence
 * numbers out of order. Names the segment and the byte offset.
 */
export class WalCorruptionError extends CqliteError {
  constructor(readonly segment: string, readonly offset: number, what: string) {
    super("WAL_CORRUPT", `${segment}: ${what} at offset ${offset}`);
  }
}

/**
 * A write or flush failed, so what is on disk past the last acknowledged
 * record is unknown: every pending append fails with this (`cause` is the
 * storage error, e.g. QuotaExceededError), and so do sync() and markFlushed()
 * until the next append repairs the log (cutting it back to the last
 * acknowledged record) and goes on; or the log is reopened.
 */
export class WalFailedError extends CqliteError {
  constructor(cause: unknown) {
    super("WAL_FAILED", `write-ahead log failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.cause = cause;
  }
}

export class WalClosedError extends CqliteError {
  constructor() {
    super("WAL_CLOSED", "write-ahead log is closed");
  }
}

/** A call out of order (append before replay) or out of bounds (a record too large). */
export class WalUsageError extends CqliteError {
  constructor(what: string) {
    super("WAL_USAGE", what);
  }
}
