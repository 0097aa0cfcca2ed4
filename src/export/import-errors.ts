// The typed errors of an import. Every message is bounded: names taken from a
// zip are clipped (a hostile zip can carry 64 KiB names), and nothing quotes
// file content.
import { CqliteError } from "../errors.js";

/** Something about the import as a whole: nothing to import, an ambiguous table, an unreadable SSTable. */
export class ImportError extends CqliteError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("IMPORT", message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** The zip itself is broken: truncated, a bad record, a checksum, an unsafe or duplicate name. */
export class ZipError extends CqliteError {
  constructor(message: string, readonly entry: string | null = null) {
    super("BAD_ZIP", entry === null ? `zip: ${message}` : `zip entry '${shown(entry)}': ${message}`);
  }
}

/** An entry inflates to more than its headers declare: refused at the first byte past it. */
export class ZipBombError extends CqliteError {
  constructor(readonly entry: string, readonly declared: number) {
    super("ZIP_BOMB", `zip entry '${shown(entry)}' inflates beyond the ${declared} bytes its header declares`);
  }
}

/** The input is larger than a configured limit allows (the option is named). */
export class ImportLimitError extends CqliteError {
  constructor(readonly limit: string, readonly value: number, what: string) {
    super("IMPORT_LIMIT", `${what} exceeds the limit ${limit} = ${value}; raise it to import this`);
  }
}

const SHOWN = 160;

/** A name as errors show it: at most SHOWN characters. */
export function shown(name: string): string {
  return name.length <= SHOWN ? name : `${name.slice(0, SHOWN)}… (${name.length} characters)`;
}
