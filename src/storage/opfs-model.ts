// An in-memory model of the part of the OPFS and Web Locks APIs that
// OpfsStorage calls, so its logic runs under Node (test/storage-*.test.ts).
// It follows the File System Standard where OpfsStorage depends on it: one
// SyncAccessHandle per file at a time (NoModificationAllowedError), no
// removing or moving a file that has one, NotFoundError / TypeMismatchError
// DOMExceptions, move() replacing its target, QuotaExceededError on writes.
// It is a model, not the browser: Chromium runs the real thing.
import type { OpfsAccessHandle, OpfsDirHandle, OpfsFileHandle, OpfsLocks } from "./opfs.js";

function dom(name: string, message: string): DOMException {
  return new DOMException(message, name);
}

class Volume {
  used = 0;
  constructor(readonly quota: number) {}
}

class ModelFile {
  data = new Uint8Array(0);
  access: ModelAccess | null = null;
}

class ModelAccess implements OpfsAccessHandle {
  private open = true;
  constructor(
    private readonly file: ModelFile,
    private readonly volume: Volume,
  ) {}
  private check(): void {
    if (!this.open) throw dom("InvalidStateError", "access handle closed");
  }
  read(buffer: Uint8Array, options: { at: number }): number {
    this.check();
    const src = this.file.data.subarray(Math.min(options.at, this.file.data.length));
    const n = Math.min(buffer.length, src.length);
    buffer.set(src.subarray(0, n));
    return n;
  }
  write(buffer: Uint8Array, options: { at: number }): number {
    this.check();
    const end = options.at + buffer.length;
    const grow = Math.max(0, end - this.file.data.length);
    if (this.volume.used + grow > this.volume.quota) throw dom("QuotaExceededError", "quota exceeded");
    if (grow > 0) {
      const d = new Uint8Array(end); // a write past the end fills the gap with zeros
      d.set(this.file.data);
      this.file.data = d;
      this.volume.used += grow;
    }
    this.file.data.set(buffer, options.at);
    return buffer.length;
  }
  truncate(size: number): void {
    this.check();
    const d = new Uint8Array(size);
    d.set(this.file.data.subarray(0, size));
    this.volume.used += size - this.file.data.length;
    this.file.data = d;
  }
  getSize(): number {
    this.check();
    return this.file.data.length;
  }
  flush(): void {
    this.check();
  }
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.file.access = null;
  }
}

class ModelFileHandle implements OpfsFileHandle {
  readonly kind = "file" as const;
  constructor(
    private dir: ModelDir,
    private name: string,
    private readonly volume: Volume,
  ) {}
  private file(): ModelFile {
    const f = this.dir.entries.get(this.name);
    if (!(f instanceof ModelFile)) throw dom("NotFoundError", `${this.name} is gone`);
    return f;
  }
  async createSyncAccessHandle(): Promise<OpfsAccessHandle> {
    const f = this.file();
    if (f.access) throw dom("NoModificationAllowedError", "a SyncAccessHandle is open on this file");
    f.access = new ModelAccess(f, this.volume);
    return f.access;
  }
  async move(dir: OpfsDirHandle, name: string): Promise<void> {
    const to = dir as ModelDir;
    const f = this.file();
    const target = to.entries.get(name);
    if (f.access || (target instanceof ModelFile && target.access)) throw dom("NoModificationAllowedError", "file in use");
    if (target instanceof ModelDir) throw dom("InvalidModificationError", "target is a directory");
    if (target instanceof ModelFile) this.volume.used -= target.data.length;
    this.dir.entries.delete(this.name);
    to.entries.set(name, f);
    this.dir = to;
    this.name = name;
  }
}

export class ModelDir implements OpfsDirHandle {
  readonly kind = "directory" as const;
  readonly entries = new Map<string, ModelFile | ModelDir>();
  private readonly volume: Volume;

  constructor(options: { quotaBytes?: number } = {}, volume?: Volume) {
    this.volume = volume ?? new Volume(options.quotaBytes ?? Number.MAX_SAFE_INTEGER);
  }

  async getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<OpfsDirHandle> {
    const e = this.entries.get(name);
    if (e instanceof ModelDir) return e;
    if (e) throw dom("TypeMismatchError", `${name} is a file`);
    if (!options?.create) throw dom("NotFoundError", `no directory ${name}`);
    const d = new ModelDir({}, this.volume);
    this.entries.set(name, d);
    return d;
  }

  async getFileHandle(name: string, options?: { create?: boolean }): Promise<OpfsFileHandle> {
    const e = this.entries.get(name);
    if (e instanceof ModelDir) throw dom("TypeMismatchError", `${name} is a directory`);
    if (!e) {
      if (!options?.create) throw dom("NotFoundError", `no file ${name}`);
      this.entries.set(name, new ModelFile());
    }
    return new ModelFileHandle(this, name, this.volume);
  }

  async removeEntry(name: string): Promise<void> {
    const e = this.entries.get(name);
    if (!e) throw dom("NotFoundError", `no entry ${name}`);
    if (e instanceof ModelFile && e.access) throw dom("NoModificationAllowedError", "file in use");
    if (e instanceof ModelDir && e.entries.size > 0) throw dom("InvalidModificationError", "directory not empty");
    if (e instanceof ModelFile) this.volume.used -= e.data.length;
    this.entries.delete(name);
  }

  async *values(): AsyncIterable<{ kind: "file" | "directory"; name: string }> {
    for (const [name, e] of [...this.entries]) yield { kind: e instanceof ModelDir ? "directory" : "file", name };
  }

  /** For tests: opens a SyncAccessHandle as another tab or worker would. */
  async holdElsewhere(path: string[]): Promise<() => void> {
    let d: OpfsDirHandle = this;
    for (const p of path.slice(0, -1)) d = await d.getDirectoryHandle(p);
    const h = await (await d.getFileHandle(path[path.length - 1])).createSyncAccessHandle();
    return () => h.close();
  }
}

/** Web Locks, exclusive mode, with ifAvailable. */
export class ModelLocks implements OpfsLocks {
  private readonly held = new Set<string>();
  async request(name: string, options: { ifAvailable: boolean }, callback: (lock: unknown) => Promise<void> | void): Promise<unknown> {
    if (!options.ifAvailable) throw new Error("model: only ifAvailable requests");
    if (this.held.has(name)) return callback(null);
    this.held.add(name);
    try {
      return await callback({ name, mode: "exclusive" });
    } finally {
      this.held.delete(name);
    }
  }
  isHeld(name: string): boolean {
    return this.held.has(name);
  }
}
