// Storage on a directory of a real file system. The rules live here once;
// node.ts and deno.ts supply only the system calls (FsOps). flush() is
// fsync. Creating a file, renaming and deleting also fsync the directory,
// because a file's data can be durable while the directory entry naming it
// is not: without that a crash could lose a whole WAL segment.
import { Storage, StorageFile, OpenOptions, Release, checkName, splitPrefix, wantsWrite } from "./storage.js";
import { BaseFile } from "./file-base.js";
import { OpenFiles } from "./open-files.js";
import { acquirePidLock, LockFs } from "./pid-lock.js";
import { CqliteError } from "../errors.js";
import {
  FileNotFoundError, InvalidStorageCallError, QuotaExceededError, StorageClosedError, StorageIOError,
} from "./errors.js";

/** What a runtime's error means to us; null: not a file-system error (a bug), passed on. */
export type FsErrorKind = "not-found" | "exists" | "quota" | "not-a-file" | "other" | null;

export interface FsHandle {
  /** fstat size */
  size(): Promise<number>;
  isFile(): Promise<boolean>;
  /** Reads into `buf` at file `offset`; 0 only at end of file. */
  readAt(buf: Uint8Array, offset: number): Promise<number>;
  /** Writes a prefix of `data` at `offset`; returns its length (> 0). */
  writeAt(data: Uint8Array, offset: number): Promise<number>;
  truncate(size: number): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface FsOps extends LockFs {
  /** An absolute, canonical form of `dir` (created first if missing). */
  root(dir: string): Promise<string>;
  join(base: string, parts: string[]): string;
  dirname(path: string): string;
  /** "read": existing, read-only; "write": existing, read-write; "create": O_CREAT|O_EXCL, read-write. */
  open(path: string, how: "read" | "write" | "create"): Promise<FsHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdirs(path: string): Promise<void>;
  /** true: a file; false: something else; throws not-found when missing */
  isFile(path: string): Promise<boolean>;
  /** names of the regular files directly in `dir` */
  files(dir: string): Promise<string[]>;
  /** fsync of a directory (a no-op where the system cannot) */
  syncDir(path: string): Promise<void>;
  errorKind(e: unknown): FsErrorKind;
}

/** Handles open in this process, by absolute path: shared by every instance. */
const openFiles = new OpenFiles();

export class FsStorage implements Storage {
  private readonly mine = new Set<BaseFile>();
  private readonly locks = new Set<Release>();
  private closed = false;

  protected constructor(
    private readonly fs: FsOps,
    readonly location: string,
  ) {}

  protected static async rootOf(fs: FsOps, dir: string): Promise<string> {
    try {
      return await fs.root(dir);
    } catch (e) {
      throw mapFsError(fs, e, null);
    }
  }

  private check(): void {
    if (this.closed) throw new StorageClosedError(null, "storage closed");
  }

  private path(name: string): string {
    return this.fs.join(this.location, checkName(name));
  }

  private kind(e: unknown): FsErrorKind {
    return e instanceof CqliteError ? null : this.fs.errorKind(e);
  }

  async open(name: string, options?: OpenOptions): Promise<StorageFile> {
    this.check();
    const path = this.path(name);
    const writable = wantsWrite(options);
    openFiles.acquire(path, name, writable);
    let h: FsHandle | null = null;
    try {
      if (!writable) h = await this.fs.open(path, "read");
      else if (options?.create) h = await this.openOrCreate(name, path);
      else h = await this.fs.open(path, "write");
      if (!(await h.isFile())) throw new InvalidStorageCallError(name, "is not a file");
      if (options?.truncate) await h.truncate(0);
      const f = new FsFile(this.fs, name, writable, h, await h.size(), (x) => {
        this.mine.delete(x);
        openFiles.release(path, writable);
      });
      this.mine.add(f);
      return f;
    } catch (e) {
      openFiles.release(path, writable);
      await h?.close().catch(() => undefined);
      throw mapFsError(this.fs, e, name);
    }
  }

  /** Opens for writing, creating the file (and its directories) durably when missing. */
  private async openOrCreate(name: string, path: string): Promise<FsHandle> {
    try {
      const h = await this.fs.open(path, "create");
      await this.fs.syncDir(this.fs.dirname(path));
      return h;
    } catch (e) {
      const k = this.kind(e);
      if (k === "exists") return this.fs.open(path, "write");
      if (k !== "not-found") throw e;
    }
    await this.makeParents(name);
    const h = await this.fs.open(path, "create");
    await this.fs.syncDir(this.fs.dirname(path));
    return h;
  }

  /** Creates the directories above `name`, and fsyncs each one's parent. */
  private async makeParents(name: string): Promise<void> {
    const parts = checkName(name).slice(0, -1);
    if (parts.length === 0) return;
    await this.fs.mkdirs(this.fs.join(this.location, parts));
    for (let i = 0; i < parts.length; i++) await this.fs.syncDir(this.fs.join(this.location, parts.slice(0, i)));
  }

  async exists(name: string): Promise<boolean> {
    this.check();
    const path = this.path(name);
    try {
      return await this.fs.isFile(path);
    } catch (e) {
      const k = this.kind(e);
      if (k === "not-found" || k === "not-a-file") return false;
      throw mapFsError(this.fs, e, name);
    }
  }

  async list(prefix: string): Promise<string[]> {
    this.check();
    const { dir, start } = splitPrefix(prefix);
    const base = dir.length ? dir.join("/") + "/" : "";
    try {
      const names = await this.fs.files(this.fs.join(this.location, dir));
      return names.filter((n) => n.startsWith(start)).map((n) => base + n).sort();
    } catch (e) {
      const k = this.kind(e);
      if (k === "not-found" || k === "not-a-file") return [];
      throw mapFsError(this.fs, e, prefix);
    }
  }

  async rename(from: string, to: string): Promise<void> {
    this.check();
    const a = this.path(from);
    const b = this.path(to);
    if (!(await this.exists(from))) throw new FileNotFoundError(from);
    if (a === b) return;
    openFiles.assertClosed(a, from, "rename");
    openFiles.assertClosed(b, to, "replace");
    try {
      try {
        await this.fs.rename(a, b);
      } catch (e) {
        // the source exists (checked), so a missing path is the target's directory
        if (this.kind(e) !== "not-found") throw e;
        await this.makeParents(to);
        await this.fs.rename(a, b);
      }
      await this.fs.syncDir(this.fs.dirname(b));
      if (this.fs.dirname(a) !== this.fs.dirname(b)) await this.fs.syncDir(this.fs.dirname(a));
    } catch (e) {
      throw mapFsError(this.fs, e, from);
    }
  }

  async delete(name: string): Promise<void> {
    this.check();
    const path = this.path(name);
    openFiles.assertClosed(path, name, "delete");
    try {
      await this.fs.unlink(path);
    } catch (e) {
      const k = this.kind(e);
      if (k === "not-found") return;
      throw mapFsError(this.fs, e, name);
    }
    try {
      await this.fs.syncDir(this.fs.dirname(path));
    } catch (e) {
      throw mapFsError(this.fs, e, name);
    }
  }

  async lock(name: string): Promise<Release> {
    this.check();
    const path = this.path(name);
    try {
      await this.makeParents(name);
      const release = await acquirePidLock(this.fs, path, name);
      const tracked: Release = async () => {
        this.locks.delete(tracked);
        await release();
      };
      this.locks.add(tracked);
      return tracked;
    } catch (e) {
      throw mapFsError(this.fs, e, name);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const f of [...this.mine]) await f.close();
    for (const r of [...this.locks]) await r();
  }
}

class FsFile extends BaseFile {
  constructor(
    private readonly fs: FsOps,
    name: string,
    writable: boolean,
    private readonly h: FsHandle,
    /** the size, tracked by the one writable handle; read-only handles ask the file */
    private end: number,
    onClose: (f: BaseFile) => void,
  ) {
    super(name, writable, onClose);
  }
  protected override mapError(e: unknown): unknown {
    return mapFsError(this.fs, e, this.name);
  }
  protected async sizeNow(): Promise<number> {
    if (!this.writable) this.end = await this.h.size();
    return this.end;
  }
  protected async readAt(offset: number, length: number): Promise<Uint8Array> {
    const buf = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const n = await this.h.readAt(buf.subarray(got), offset + got);
      if (n === 0) break;
      got += n;
    }
    return got === length ? buf : buf.slice(0, got);
  }
  protected async writeAt(offset: number, data: Uint8Array): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const n = await this.h.writeAt(data.subarray(done), offset + done);
      if (!(n > 0)) throw new StorageIOError(this.name, `write made no progress at ${offset + done}`);
      done += n;
      this.end = Math.max(this.end, offset + done);
    }
  }
  protected async truncateTo(size: number): Promise<void> {
    await this.h.truncate(size);
    this.end = size;
  }
  protected async flushNow(): Promise<void> {
    await this.h.sync();
  }
  protected async closeNow(): Promise<void> {
    await this.h.close();
  }
}

export function mapFsError(fs: FsOps, e: unknown, name: string | null): unknown {
  if (e instanceof CqliteError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  switch (fs.errorKind(e)) {
    case null:
      return e;
    case "not-found":
      return new FileNotFoundError(name ?? "?", e);
    case "quota":
      return new QuotaExceededError(name, e);
    case "not-a-file":
      return new InvalidStorageCallError(name, `not a file path (${msg})`);
    default:
      return new StorageIOError(name, msg, e);
  }
}
