// Storage in the Origin Private File System, for a dedicated worker: every
// file goes through a FileSystemSyncAccessHandle, the only OPFS API with
// positional writes and an explicit flush(). A file allows one such handle
// at a time, across the whole origin, so all handles of a file opened here
// share one, counted, and closed with the last of them.
//
// The lock is a Web Lock (navigator.locks) requested with ifAvailable: it
// excludes other tabs and workers of the origin and is held until released
// or close(); the browser drops it if the worker dies.
//
// Durability: flush() is the barrier for a file's bytes. OPFS offers none for
// directory entries; see docs/durability.md.
import { Storage, StorageFile, OpenOptions, Release, checkName, splitPrefix, wantsWrite } from "./storage.js";
import { BaseFile } from "./file-base.js";
import { OpenFiles } from "./open-files.js";
import { CqliteError } from "../errors.js";
import {
  DatabaseLockedError, FileBusyError, FileNotFoundError, InvalidStorageCallError, QuotaExceededError,
  StorageClosedError, StorageIOError, StorageUnavailableError, invariant,
} from "./errors.js";

// The parts of the File System API used here (TypeScript's DOM library lacks
// move() and directory iteration).
export interface OpfsAccessHandle {
  read(buffer: Uint8Array, options: { at: number }): number;
  write(buffer: Uint8Array, options: { at: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}
export interface OpfsFileHandle {
  readonly kind: "file";
  createSyncAccessHandle(): Promise<OpfsAccessHandle>;
  /** Moves (and renames) the file, replacing a file of that name. */
  move?(dir: OpfsDirHandle, name: string): Promise<void>;
}
export interface OpfsDirHandle {
  readonly kind: "directory";
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<OpfsDirHandle>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<OpfsFileHandle>;
  removeEntry(name: string): Promise<void>;
  values(): AsyncIterable<{ readonly kind: "file" | "directory"; readonly name: string }>;
}
export interface OpfsLocks {
  request(name: string, options: { ifAvailable: boolean }, callback: (lock: unknown) => Promise<void> | void): Promise<unknown>;
}

export interface OpfsStorageOptions {
  /** directories under the origin's OPFS root, created if missing (default: the root) */
  path?: string[];
  /** for tests: a directory handle instead of navigator.storage.getDirectory() */
  root?: OpfsDirHandle;
  /** for tests: a lock manager instead of navigator.locks */
  locks?: OpfsLocks;
}

/** The Web Lock that guards `name` of the storage at `location`; a page may wait on it to learn when a holder is gone. */
export function opfsLockKey(location: string, name: string): string {
  return `cqlite-web:${location}/${name}`;
}

/** Where OpfsStorage.open({ path }) puts a database. */
export function opfsLocation(path: string[]): string {
  return `opfs:/${path.join("/")}`;
}

interface Shared {
  refs: number;
  ready: Promise<OpfsAccessHandle>;
  handle: OpfsAccessHandle | null;
}

/** A database in the origin's private file system (OPFS), in a dedicated worker (sync access handles exist only there); guarded by a Web Lock. */
export class OpfsStorage implements Storage {
  private readonly handles = new OpenFiles();
  private readonly shared = new Map<string, Shared>();
  private readonly mine = new Set<BaseFile>();
  private readonly locks = new Set<Release>();
  /** directory handles by path (see dirOf) */
  private readonly dirs = new Map<string, OpfsDirHandle>();
  private closed = false;

  private constructor(
    private readonly root: OpfsDirHandle,
    private readonly lockManager: OpfsLocks,
    readonly location: string,
  ) {}

  static async open(options: OpfsStorageOptions = {}): Promise<OpfsStorage> {
    const nav = (globalThis as { navigator?: { storage?: { getDirectory?(): Promise<unknown> }; locks?: unknown } }).navigator;
    let dir = options.root;
    if (!dir) {
      if (!nav?.storage?.getDirectory) throw new StorageUnavailableError("OPFS is not available (navigator.storage.getDirectory)");
      const F = (globalThis as { FileSystemFileHandle?: { prototype: object } }).FileSystemFileHandle;
      if (!F || !("createSyncAccessHandle" in F.prototype))
        throw new StorageUnavailableError("OPFS SyncAccessHandles exist only in a dedicated worker");
      dir = (await nav.storage.getDirectory()) as OpfsDirHandle;
    }
    const locks = options.locks ?? (nav?.locks as OpfsLocks | undefined);
    if (!locks) throw new StorageUnavailableError("Web Locks are not available (navigator.locks)");
    const path = options.path ?? [];
    for (const p of path) {
      invariant(checkName(p).length === 1, "OPFS path entries are single directory names");
      dir = await dir.getDirectoryHandle(p, { create: true }).catch((e: unknown) => {
        throw mapDomError(e, p);
      });
    }
    return new OpfsStorage(dir, locks, opfsLocation(path));
  }

  private check(): void {
    if (this.closed) throw new StorageClosedError(null, "storage closed");
  }

  /**
   * The directory holding `parts`' last entry; NotFoundError when missing and
   * not `create`. Handles found are kept: each lookup is an async round trip
   * to the browser, once per file an SSTable creates, opens or deletes, and
   * nothing here removes a directory.
   */
  private dirOf(parts: string[], create: boolean): Promise<OpfsDirHandle> {
    return this.dirAt(parts.slice(0, -1), create);
  }

  /** The directory at `path` (the root for none), as dirOf. */
  private async dirAt(path: string[], create: boolean): Promise<OpfsDirHandle> {
    if (path.length === 0) return this.root;
    const key = path.join("/");
    const kept = this.dirs.get(key);
    if (kept) return kept;
    let d = this.root;
    for (const p of path) d = await d.getDirectoryHandle(p, { create });
    this.dirs.set(key, d);
    return d;
  }

  async open(name: string, options?: OpenOptions): Promise<StorageFile> {
    this.check();
    const parts = checkName(name);
    const writable = wantsWrite(options);
    const create = !!options?.create;
    this.handles.acquire(name, name, writable);
    let access: OpfsAccessHandle | null = null;
    try {
      const fh = await (await this.dirOf(parts, create)).getFileHandle(parts[parts.length - 1], { create });
      access = await this.share(name, fh);
      // truncating costs a round trip to the browser even for an empty file (a quarter ms; 8 per SSTable written); its size is local
      if (options?.truncate && access.getSize() > 0) access.truncate(0);
      const f = new OpfsFile(name, writable, access, (x) => {
        this.mine.delete(x);
        this.unshare(name);
        this.handles.release(name, writable);
      });
      this.mine.add(f);
      return f;
    } catch (e) {
      if (access) this.unshare(name);
      this.handles.release(name, writable);
      throw mapDomError(e, name);
    }
  }

  private async share(name: string, fh: OpfsFileHandle): Promise<OpfsAccessHandle> {
    let s = this.shared.get(name);
    if (!s) {
      const entry: Shared = { refs: 0, ready: fh.createSyncAccessHandle(), handle: null };
      this.shared.set(name, entry);
      entry.ready.then(
        (h) => (entry.handle = h),
        () => this.shared.get(name) === entry && this.shared.delete(name),
      );
      s = entry;
    }
    s.refs++;
    try {
      return await s.ready;
    } catch (e) {
      s.refs--;
      throw e;
    }
  }

  private unshare(name: string): void {
    const s = this.shared.get(name);
    invariant(s && s.refs > 0 && s.handle, `${name} is shared when released`);
    if (--s.refs > 0) return;
    this.shared.delete(name);
    s.handle.close();
  }

  async exists(name: string): Promise<boolean> {
    this.check();
    const parts = checkName(name);
    try {
      await (await this.dirOf(parts, false)).getFileHandle(parts[parts.length - 1]);
      return true;
    } catch (e) {
      if (errorName(e) === "NotFoundError" || errorName(e) === "TypeMismatchError") return false;
      throw mapDomError(e, name);
    }
  }

  async list(prefix: string): Promise<string[]> {
    this.check();
    const { dir, start } = splitPrefix(prefix);
    const out: string[] = [];
    try {
      const d = await this.dirAt(dir, false);
      for await (const e of d.values()) if (e.kind === "file" && e.name.startsWith(start)) out.push(e.name);
    } catch (e) {
      if (errorName(e) === "NotFoundError" || errorName(e) === "TypeMismatchError") return [];
      throw mapDomError(e, prefix);
    }
    const base = dir.length ? dir.join("/") + "/" : "";
    return out.map((n) => base + n).sort();
  }

  async rename(from: string, to: string): Promise<void> {
    this.check();
    const a = checkName(from);
    const b = checkName(to);
    this.handles.assertClosed(from, from, "rename");
    this.handles.assertClosed(to, to, "replace");
    try {
      const fh = await (await this.dirOf(a, false)).getFileHandle(a[a.length - 1]);
      if (from === to) return;
      if (!fh.move) throw new StorageUnavailableError("this browser lacks FileSystemFileHandle.move(), needed for rename");
      await fh.move(await this.dirOf(b, true), b[b.length - 1]);
    } catch (e) {
      throw mapDomError(e, from);
    }
  }

  async delete(name: string): Promise<void> {
    this.check();
    const parts = checkName(name);
    this.handles.assertClosed(name, name, "delete");
    try {
      await (await this.dirOf(parts, false)).removeEntry(parts[parts.length - 1]);
    } catch (e) {
      if (errorName(e) === "NotFoundError") return;
      throw mapDomError(e, name);
    }
  }

  async lock(name: string): Promise<Release> {
    this.check();
    checkName(name);
    const key = opfsLockKey(this.location, name);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const granted = await new Promise<boolean>((resolve, reject) => {
      this.lockManager
        .request(key, { ifAvailable: true }, (lock) => {
          resolve(lock !== null);
          // the lock is held until the callback's promise settles
          return lock === null ? undefined : held;
        })
        .catch(reject);
    });
    if (!granted) throw new DatabaseLockedError(name, "another tab or worker of this origin");
    let done = false;
    const tracked: Release = async () => {
      if (done) return;
      done = true;
      this.locks.delete(tracked);
      release();
    };
    this.locks.add(tracked);
    return tracked;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const f of [...this.mine]) await f.close();
    for (const r of [...this.locks]) await r();
  }
}

class OpfsFile extends BaseFile {
  constructor(
    name: string,
    writable: boolean,
    private readonly h: OpfsAccessHandle,
    onClose: (f: BaseFile) => void,
  ) {
    super(name, writable, onClose);
  }
  protected override mapError(e: unknown): unknown {
    return mapDomError(e, this.name);
  }
  protected async sizeNow(): Promise<number> {
    return this.h.getSize();
  }
  protected async readAt(offset: number, length: number): Promise<Uint8Array> {
    const buf = new Uint8Array(length);
    const n = this.h.read(buf, { at: offset });
    return n === length ? buf : buf.slice(0, n);
  }
  protected override async readIntoAt(offset: number, dest: Uint8Array): Promise<number> {
    return this.h.read(dest, { at: offset });
  }
  protected async writeAt(offset: number, data: Uint8Array): Promise<void> {
    const n = this.h.write(data, { at: offset });
    if (n === data.length) return;
    // Chromium does not always throw QuotaExceededError when the origin's
    // quota runs out mid-write: it can return a short or nonsensical count
    // (measured: 4294967288 for 2109 bytes). OPFS has no other reason to
    // write short, so it is the quota, with the count kept as the cause.
    throw new QuotaExceededError(this.name, new StorageIOError(this.name, `short write: ${n} of ${data.length} bytes at ${offset}`));
  }
  protected async truncateTo(size: number): Promise<void> {
    this.h.truncate(size);
  }
  protected async flushNow(): Promise<void> {
    this.h.flush();
  }
  protected async closeNow(): Promise<void> {
    // the shared access handle is closed by the storage with its last user
  }
}

function errorName(e: unknown): string | undefined {
  const n = (e as { name?: unknown } | null)?.name;
  return typeof n === "string" ? n : undefined;
}

function mapDomError(e: unknown, name: string | null): unknown {
  if (e instanceof CqliteError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  switch (errorName(e)) {
    case "NotFoundError":
      return new FileNotFoundError(name ?? "?", e);
    case "QuotaExceededError":
      return new QuotaExceededError(name, e);
    case "NoModificationAllowedError":
    case "InvalidModificationError":
      return new FileBusyError(name ?? "?", `in use by another tab or worker (${msg})`, e);
    case "TypeMismatchError":
      return new InvalidStorageCallError(name, `not a file path (${msg})`);
    default:
      // other DOMExceptions (InvalidStateError, NotReadableError, ...) are I/O
      // failures; anything else is a bug and passes unchanged
      return typeof DOMException !== "undefined" && e instanceof DOMException ? new StorageIOError(name, msg, e) : e;
  }
}
