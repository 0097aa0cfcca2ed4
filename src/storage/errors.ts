// Typed failures of the storage backends. Each backend maps its own errors
// (Node errno codes, Deno error classes, DOMException names) onto these, so
// the engine handles "disk full" or "locked" the same way everywhere.
import { CqliteError } from "../errors.js";

/** Any storage failure; `file` is the name inside the storage, when there is one. */
export class StorageError extends CqliteError {
  constructor(code: string, readonly file: string | null, message: string, cause?: unknown) {
    super(code, file === null ? message : `${file}: ${message}`);
    if (cause !== undefined) this.cause = cause;
  }
}

export class FileNotFoundError extends StorageError {
  constructor(file: string, cause?: unknown) {
    super("NOT_FOUND", file, "no such file", cause);
  }
}

/** A second writable handle, or a rename/delete of a file that is open. */
export class FileBusyError extends StorageError {
  constructor(file: string, what: string, cause?: unknown) {
    super("BUSY", file, what, cause);
  }
}

/** Another process, tab or worker (or this one) holds the lock. */
export class DatabaseLockedError extends StorageError {
  constructor(lock: string, holder: string) {
    super("LOCKED", lock, `locked by ${holder}`);
  }
}

/** The browser's quota or the disk is full (OPFS QuotaExceededError, ENOSPC, EDQUOT). */
export class QuotaExceededError extends StorageError {
  constructor(file: string | null, cause?: unknown) {
    super("QUOTA_EXCEEDED", file, "storage quota exceeded or disk full", cause);
  }
}

/** A handle or storage used after close (or after a simulated crash). */
export class StorageClosedError extends StorageError {
  constructor(file: string | null, what = "used after close") {
    super("STORAGE_CLOSED", file, what);
  }
}

/** A call the contract forbids: bad name, write past the end, write on a read-only handle. */
export class InvalidStorageCallError extends StorageError {
  constructor(file: string | null, what: string) {
    super("INVALID_STORAGE_CALL", file, what);
  }
}

/** The runtime lacks what the backend needs (no Deno global, no SyncAccessHandle outside a worker). */
export class StorageUnavailableError extends StorageError {
  constructor(what: string) {
    super("STORAGE_UNAVAILABLE", null, what);
  }
}

/** Any other I/O failure; `cause` is the runtime's error. */
export class StorageIOError extends StorageError {
  constructor(file: string | null, what: string, cause?: unknown) {
    super("IO", file, what, cause);
  }
}

/** A broken internal invariant: a bug in this library, never bad input. */
export class InvariantError extends CqliteError {
  constructor(what: string) {
    super("INVARIANT", `invariant violated: ${what}`);
  }
}

export function invariant(cond: unknown, what: string): asserts cond {
  if (!cond) throw new InvariantError(what);
}
