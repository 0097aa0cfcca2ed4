// Every error the library throws is a CqliteError with a stable `code`, so
// callers can branch on kind without parsing messages.
import {
  ERR_TRUNCATED, ERR_CORRUPT, ERR_CHECKSUM, ERR_UNSUPPORTED, ERR_ORDER, ERR_INVALID,
} from "../assembly/format/constants.js";
import { MAX_MESSAGE } from "./util/limits.js";

export class CqliteError extends Error {
  constructor(readonly code: string, message: string) {
    // messages quote input (names, values, file content): never unboundedly
    super(message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}… (${message.length} characters)` : message);
    this.name = new.target.name;
  }
}

const CORE_CODES: Record<number, string> = {
  [ERR_TRUNCATED]: "TRUNCATED",
  [ERR_CORRUPT]: "CORRUPT",
  [ERR_CHECKSUM]: "CHECKSUM",
  [ERR_UNSUPPORTED]: "UNSUPPORTED",
  [ERR_ORDER]: "ORDER",
  [ERR_INVALID]: "INVALID",
};

/** A failure reported from inside the wasm core: `offset` is into its input. */
export class CoreError extends CqliteError {
  constructor(readonly coreCode: number, readonly offset: number, detail: string) {
    super(CORE_CODES[coreCode] ?? "CORE", `core: ${CORE_CODES[coreCode] ?? "failure"} at input offset ${offset} (${detail})`);
  }
}

/** The wasm core could not be fetched or compiled (in a worker or page). */
export class CoreLoadError extends CqliteError {
  constructor(message: string) {
    super("CORE_LOAD", message);
    this.name = "CoreLoadError";
  }
}

/** A file that is not what it should be: names the file and the offset. */
export class CorruptSSTableError extends CqliteError {
  constructor(readonly file: string, readonly offset: number, what: string, code = "CORRUPT") {
    super(code, `${file}: ${what} at offset ${offset}`);
  }
}

export class UnsupportedFormatError extends CqliteError {
  constructor(what: string) {
    super("UNSUPPORTED", what);
  }
}

/** Bad CQL (DDL or DML): names the line and column. */
export class CqlSyntaxError extends CqliteError {
  constructor(message: string, readonly line: number, readonly column: number) {
    super("SYNTAX", `${message} (line ${line}, column ${column})`);
  }
}

export class SchemaError extends CqliteError {
  constructor(message: string) {
    super("SCHEMA", message);
  }
}

export class InvalidValueError extends CqliteError {
  constructor(message: string) {
    super("INVALID_VALUE", message);
  }
}
