// Storage in memory: for tests, and for Workers, which have no file system.
// It models what a crash keeps: each file remembers how much of it the last
// flush made durable, and crash() turns every file back into that, optionally
// keeping part of what was appended since (a disk that wrote back some of its
// cache). Creating, renaming and deleting are durable at once, as they are on
// the file backends, which fsync the directory.
import {
  Storage, StorageFile, OpenOptions, Release, checkName, splitPrefix, wantsWrite,
} from "./storage.js";
import { BaseFile } from "./file-base.js";
import { OpenFiles } from "./open-files.js";
import {
  DatabaseLockedError, FileNotFoundError, InvalidStorageCallError, QuotaExceededError, StorageClosedError, invariant,
} from "./errors.js";

interface MemFile {
  buf: Uint8Array;
  len: number;
  /** bytes [0, durableLen) survive a crash */
  durableLen: number;
  /** the durable bytes, copied when a write or truncate first touches them after a flush */
  snapshot: Uint8Array | null;
}

/**
 * How many of a file's unflushed appended bytes survive a crash (clamped to
 * [0, pendingBytes]). Files overwritten or truncated below their durable
 * length since the last flush go back to their durable bytes whatever this says.
 */
export type KeepPending = (name: string, pendingBytes: number) => number;

export interface MemoryStorageOptions {
  /** total bytes of all files; writes beyond it fail with QuotaExceededError */
  quotaBytes?: number;
}

/** Files in memory, in every runtime: for tests, edge functions and scratch databases. Gone with the process. */
export class MemoryStorage implements Storage {
  readonly location = "memory:";
  private readonly files = new Map<string, MemFile>();
  private readonly locks = new Set<string>();
  private readonly handles = new OpenFiles();
  private readonly mine = new Set<MemoryFile>();
  /** the byte limit, changeable (a test frees space, as a user deleting files would) */
  quotaBytes: number;
  private total = 0;
  private closed = false;

  constructor(options: MemoryStorageOptions = {}) {
    this.quotaBytes = options.quotaBytes ?? Number.MAX_SAFE_INTEGER;
    invariant(Number.isSafeInteger(this.quotaBytes) && this.quotaBytes >= 0, "quotaBytes is a non-negative integer");
  }

  private check(): void {
    if (this.closed) throw new StorageClosedError(null, "storage closed");
  }

  async open(name: string, options?: OpenOptions): Promise<StorageFile> {
    this.check();
    checkName(name);
    const writable = wantsWrite(options);
    let f = this.files.get(name);
    if (!f) {
      if (!options?.create) throw new FileNotFoundError(name);
      this.checkCreatable(name);
      f = { buf: new Uint8Array(0), len: 0, durableLen: 0, snapshot: null };
      this.files.set(name, f);
    }
    this.handles.acquire(name, name, writable);
    const h = new MemoryFile(name, writable, f, this, (x) => {
      this.mine.delete(x as MemoryFile);
      this.handles.release(name, writable);
    });
    this.mine.add(h);
    if (options?.truncate) this.truncateFile(name, f, 0);
    return h;
  }

  /** A file cannot sit where a directory is, or below a file. */
  private checkCreatable(name: string): void {
    const parts = name.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (this.files.has(dir)) throw new InvalidStorageCallError(name, `${dir} is a file`);
    }
    for (const k of this.files.keys()) if (k.startsWith(name + "/")) throw new InvalidStorageCallError(name, "is a directory");
  }

  async exists(name: string): Promise<boolean> {
    this.check();
    checkName(name);
    return this.files.has(name);
  }

  async list(prefix: string): Promise<string[]> {
    this.check();
    const { dir } = splitPrefix(prefix);
    const base = dir.length ? dir.join("/") + "/" : "";
    const out: string[] = [];
    for (const k of this.files.keys()) if (k.startsWith(prefix) && !k.slice(base.length).includes("/")) out.push(k);
    return out.sort();
  }

  async rename(from: string, to: string): Promise<void> {
    this.check();
    checkName(from);
    checkName(to);
    const f = this.files.get(from);
    if (!f) throw new FileNotFoundError(from);
    if (from === to) return;
    this.handles.assertClosed(from, from, "rename");
    this.handles.assertClosed(to, to, "replace");
    const old = this.files.get(to);
    if (old) this.total -= old.len;
    else this.checkCreatable(to);
    this.files.delete(from);
    this.files.set(to, f);
  }

  async delete(name: string): Promise<void> {
    this.check();
    checkName(name);
    const f = this.files.get(name);
    if (!f) return;
    this.handles.assertClosed(name, name, "delete");
    this.total -= f.len;
    this.files.delete(name);
  }

  async lock(name: string): Promise<Release> {
    this.check();
    checkName(name);
    if (this.locks.has(name)) throw new DatabaseLockedError(name, "another user of this memory storage");
    this.locks.add(name);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      this.locks.delete(name);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const h of [...this.mine]) await h.close();
    this.locks.clear();
    this.closed = true;
  }

  /**
   * Simulates power loss: every open handle dies, every lock is released, and
   * every file keeps only its flushed bytes (plus what `keep` allows of its
   * unflushed appends). The storage stays usable, as the disk would be after
   * a reboot.
   */
  crash(keep: KeepPending = () => 0): void {
    for (const h of this.mine) h.kill();
    this.mine.clear();
    this.handles.clear();
    this.locks.clear();
    this.closed = false;
    this.total = 0;
    for (const [name, f] of this.files) {
      if (f.snapshot) {
        f.buf = f.snapshot;
        f.len = f.snapshot.length;
      } else {
        const pending = f.len - f.durableLen;
        const k = Math.min(pending, Math.max(0, Math.floor(keep(name, pending))));
        f.len = f.durableLen + k;
      }
      invariant(f.len >= 0 && f.len <= f.buf.length, "crash leaves a file within its buffer");
      f.durableLen = f.len;
      f.snapshot = null;
      this.total += f.len;
    }
  }

  /** The total bytes of all files (what the quota counts). */
  get usedBytes(): number {
    return this.total;
  }

  // ---- used by MemoryFile

  writeFile(name: string, f: MemFile, offset: number, data: Uint8Array): void {
    const end = offset + data.length;
    const grow = Math.max(0, end - f.len);
    if (this.total + grow > this.quotaBytes) throw new QuotaExceededError(name);
    if (offset < f.durableLen && !f.snapshot) f.snapshot = f.buf.slice(0, f.durableLen);
    if (end > f.buf.length) {
      let cap = Math.max(f.buf.length * 2, 4096);
      while (cap < end) cap *= 2;
      const b = new Uint8Array(cap);
      b.set(f.buf.subarray(0, f.len));
      f.buf = b;
    }
    f.buf.set(data, offset);
    f.len += grow;
    this.total += grow;
  }

  truncateFile(name: string, f: MemFile, size: number): void {
    invariant(size <= f.len, `truncate of ${name} only shortens`);
    if (size < f.durableLen && !f.snapshot) f.snapshot = f.buf.slice(0, f.durableLen);
    this.total -= f.len - size;
    f.len = size;
  }

  flushFile(f: MemFile): void {
    f.durableLen = f.len;
    f.snapshot = null;
  }
}

class MemoryFile extends BaseFile {
  constructor(
    name: string,
    writable: boolean,
    private readonly f: MemFile,
    private readonly owner: MemoryStorage,
    onClose: (f: BaseFile) => void,
  ) {
    super(name, writable, onClose);
  }
  protected async sizeNow(): Promise<number> {
    return this.f.len;
  }
  protected async readAt(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.f.len, offset + length);
    return end <= offset ? new Uint8Array(0) : this.f.buf.slice(offset, end);
  }
  protected async writeAt(offset: number, data: Uint8Array): Promise<void> {
    this.owner.writeFile(this.name, this.f, offset, data);
  }
  protected async truncateTo(size: number): Promise<void> {
    this.owner.truncateFile(this.name, this.f, size);
  }
  protected async flushNow(): Promise<void> {
    this.owner.flushFile(this.f);
  }
  protected async closeNow(): Promise<void> {}
}
