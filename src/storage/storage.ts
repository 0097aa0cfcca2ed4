// The one file API the engine uses, so the same code runs on OPFS (a dedicated
// worker's SyncAccessHandles), Node and Deno files, and memory. It is the
// intersection of what those give: positional reads and writes on a handle,
// an explicit durability barrier, renames that replace, and directories.
//
// Contract (test/storage-contract.test.ts runs it against every backend that
// Node can run):
// - Names are relative paths: "/"-separated segments, none empty, "." or "..",
//   none holding "\" or NUL; parent directories are created on demand.
// - A file has at most one writable handle at a time (OPFS allows no more);
//   read-only handles may coexist with it and see its writes at once.
// - A file with open handles cannot be renamed, replaced or deleted.
// - Bytes written are durable once `flush()` on their handle resolves. Creating
//   a file, `rename` and `delete` are durable when they resolve on the file
//   backends (the directory is fsynced); OPFS gives no directory barrier, see
//   docs/durability.md.
import { InvalidStorageCallError } from "./errors.js";

export interface OpenOptions {
  /** create the file if missing (implies writable) */
  create?: boolean;
  /** empty the file on open (implies writable) */
  truncate?: boolean;
  /** open an existing file for writing */
  write?: boolean;
}

export interface StorageFile {
  readonly name: string;
  readonly writable: boolean;
  /** Current length, including bytes not yet flushed. */
  size(): Promise<number>;
  /** Up to `length` bytes at `offset`: fewer only at the end of the file. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * As read, into `dest` (its length is the length asked); resolves to the
   * bytes read. Optional: a handle without it is read through read().
   */
  readInto?(offset: number, dest: Uint8Array): Promise<number>;
  /** Writes at the end of the file; done with `data` once it resolves (the caller may fill it again). */
  append(data: Uint8Array): Promise<void>;
  /** Writes at `offset`, which must be at most the current size (no holes); done with `data` once it resolves. */
  write(offset: number, data: Uint8Array): Promise<void>;
  /** Shortens the file to `size` bytes (never lengthens it). */
  truncate(size: number): Promise<void>;
  /** The durability barrier: fsync on files, flush() on OPFS. */
  flush(): Promise<void>;
  /** Idempotent. Does not flush. */
  close(): Promise<void>;
}

/** Releases a lock taken with `Storage.lock`; idempotent. */
export type Release = () => Promise<void>;

export interface Storage {
  /** Where this storage lives, for messages: a path, "memory:", "opfs:/db". */
  readonly location: string;
  /** Opens a file; read-only unless `options` ask for writing. */
  open(name: string, options?: OpenOptions): Promise<StorageFile>;
  exists(name: string): Promise<boolean>;
  /**
   * Files directly in the directory of `prefix` whose names start with it,
   * as full names, sorted: list("sstables/nb-") gives "sstables/nb-1-big-Data.db", ...
   */
  list(prefix: string): Promise<string[]>;
  /** Renames `from` to `to`, atomically replacing `to` if it exists. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; a missing file is not an error (recovery repeats deletes). */
  delete(name: string): Promise<void>;
  /**
   * Takes the exclusive lock `name` (across processes, tabs and workers as
   * far as the backend reaches); throws DatabaseLockedError if it is held.
   */
  lock(name: string): Promise<Release>;
  /** Closes every handle opened through this storage and releases its locks. */
  close(): Promise<void>;
}

/** Largest single read or write: callers go through files in bounded pieces. */
export const MAX_IO_BYTES = 256 << 20;
/** Longest name (whole path) and deepest directory nesting accepted. */
export const MAX_NAME_LENGTH = 1024;
export const MAX_NAME_DEPTH = 16;
const MAX_SEGMENT_LENGTH = 255;

/** True when any of the options asks for a writable handle. */
export function wantsWrite(o: OpenOptions | undefined): boolean {
  return !!(o && (o.create || o.truncate || o.write));
}

/** The name's path segments; throws InvalidStorageCallError when the name breaks the contract. */
export function checkName(name: string): string[] {
  if (typeof name !== "string" || name.length === 0 || name.length > MAX_NAME_LENGTH)
    throw new InvalidStorageCallError(null, `bad file name ${JSON.stringify(String(name).slice(0, 80))}`);
  const parts = name.split("/");
  if (parts.length > MAX_NAME_DEPTH) throw new InvalidStorageCallError(name, "name nested too deeply");
  for (const p of parts) {
    if (p === "" || p === "." || p === ".." || p.length > MAX_SEGMENT_LENGTH || /[\\\0]/.test(p))
      throw new InvalidStorageCallError(name, "bad file name");
  }
  return parts;
}

/** Splits a list() prefix into its directory segments and the start of the file name. */
export function splitPrefix(prefix: string): { dir: string[]; start: string } {
  const cut = prefix.lastIndexOf("/");
  if (cut < 0) return { dir: [], start: prefix };
  return { dir: checkName(prefix.slice(0, cut)), start: prefix.slice(cut + 1) };
}

export function checkRange(file: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidStorageCallError(file, `bad offset ${offset}`);
  if (!Number.isSafeInteger(length) || length < 0 || length > MAX_IO_BYTES)
    throw new InvalidStorageCallError(file, `bad length ${length} (at most ${MAX_IO_BYTES})`);
}
