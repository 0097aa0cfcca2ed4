// Storage on a local directory in Deno, through the Deno namespace: the system
// calls under FsStorage (fs-storage.ts holds the rules). The Deno global is
// looked up when a storage is opened, and typed here with just what we use,
// so this file type-checks (and loads) under Node too.
//
// Deno has no positional read or write, so each is a seek then a read or
// write; BaseFile runs one operation per handle at a time, which keeps the
// pair together. Needs --allow-read and --allow-write on the directory;
// taking over a stale lock also needs --allow-run (Deno.kill(pid, 0), Deno
// 2.6+): without it a lock left by a dead process must be removed by hand.
import { FsStorage, FsOps, FsHandle, FsErrorKind } from "./fs-storage.js";
import { StorageUnavailableError } from "./errors.js";

interface DenoFsFile {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  seek(offset: number, whence: number): Promise<number>;
  truncate(len?: number): Promise<void>;
  sync(): Promise<void>;
  stat(): Promise<{ size: number; isFile: boolean }>;
  close(): void;
}

interface DenoOpenOptions {
  read?: boolean;
  write?: boolean;
  createNew?: boolean;
  mode?: number;
}

type ErrorClass = abstract new (...args: never[]) => Error;

interface DenoApi {
  readonly pid: number;
  readonly build: { readonly os: string };
  readonly errors: Record<"NotFound" | "AlreadyExists" | "PermissionDenied", ErrorClass> &
    Partial<Record<"IsADirectory" | "NotADirectory", ErrorClass>>;
  open(path: string, options: DenoOpenOptions): Promise<DenoFsFile>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  mkdir(path: string, options: { recursive: boolean }): Promise<void>;
  realPath(path: string): Promise<string>;
  stat(path: string): Promise<{ isFile: boolean }>;
  readDir(path: string): AsyncIterable<{ name: string; isFile: boolean }>;
  readTextFile(path: string): Promise<string>;
  kill(pid: number, signal: number): void;
}

const SEEK_START = 0; // Deno.SeekMode.Start

function denoApi(): DenoApi {
  const d = (globalThis as { Deno?: DenoApi }).Deno;
  if (!d || typeof d.open !== "function") throw new StorageUnavailableError("DenoFileStorage needs the Deno runtime");
  return d;
}

/** A database in a directory of the local file system, in Deno (its own file API; needs --allow-read and --allow-write). */
export class DenoFileStorage extends FsStorage {
  /** The storage rooted at `dir`, created (with its parents) if missing. */
  static async open(dir: string): Promise<DenoFileStorage> {
    const ops = denoOps(denoApi());
    return new DenoFileStorage(ops, await FsStorage.rootOf(ops, dir));
  }
}

function handle(f: DenoFsFile): FsHandle {
  return {
    size: async () => (await f.stat()).size,
    isFile: async () => (await f.stat()).isFile,
    async readAt(buf, offset) {
      await f.seek(offset, SEEK_START);
      return (await f.read(buf)) ?? 0;
    },
    async writeAt(data, offset) {
      await f.seek(offset, SEEK_START);
      return f.write(data);
    },
    truncate: (size) => f.truncate(size),
    sync: () => f.sync(),
    close: async () => f.close(),
  };
}

const OPEN_OPTIONS: Record<"read" | "write" | "create", DenoOpenOptions> = {
  read: { read: true },
  write: { read: true, write: true },
  create: { read: true, write: true, createNew: true, mode: 0o644 },
};

export function denoOps(d: DenoApi): FsOps {
  const windows = d.build.os === "windows";
  const kind = (e: unknown): FsErrorKind => errorKind(d, e);
  const ops: FsOps = {
    pid: d.pid,
    async root(dir) {
      await d.mkdir(dir, { recursive: true });
      return d.realPath(dir);
    },
    join: (base, parts) => [base.replace(/[\\/]+$/, ""), ...parts].join("/"),
    dirname: (path) => path.slice(0, Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"), 0)) || "/",
    open: async (path, how) => handle(await d.open(path, OPEN_OPTIONS[how])),
    rename: (a, b) => d.rename(a, b),
    unlink: (path) => d.remove(path),
    mkdirs: (path) => d.mkdir(path, { recursive: true }),
    isFile: async (path) => (await d.stat(path)).isFile,
    async files(dir) {
      const out: string[] = [];
      for await (const e of d.readDir(dir)) if (e.isFile) out.push(e.name);
      return out;
    },
    async syncDir(path) {
      if (windows) return; // a directory cannot be opened for fsync there
      const f = await d.open(path, { read: true });
      try {
        await f.sync();
      } catch (e) {
        if (!/\(os error 22\)/.test(String(e))) throw e; // EINVAL: some file systems do not sync directories
      } finally {
        f.close();
      }
    },
    errorKind: kind,

    // ---- LockFs
    async createExclusive(path, text) {
      let f: DenoFsFile;
      try {
        f = await d.open(path, { write: true, createNew: true, mode: 0o644 });
      } catch (e) {
        if (kind(e) === "exists") return false;
        throw e;
      }
      try {
        const bytes = new TextEncoder().encode(text);
        let done = 0;
        while (done < bytes.length) done += await f.write(bytes.subarray(done));
        await f.sync();
      } finally {
        f.close();
      }
      await ops.syncDir(ops.dirname(path));
      return true;
    },
    async readText(path) {
      try {
        return await d.readTextFile(path);
      } catch (e) {
        if (kind(e) === "not-found") return null;
        throw e;
      }
    },
    async remove(path) {
      try {
        await d.remove(path);
      } catch (e) {
        if (kind(e) === "not-found") return;
        throw e;
      }
      await ops.syncDir(ops.dirname(path));
    },
    isAlive(pid) {
      try {
        d.kill(pid, 0);
        return true;
      } catch (e) {
        if (e instanceof d.errors.NotFound) return false;
        // PermissionDenied: it runs as another user; anything else (no
        // --allow-run, a Deno without signal 0): we cannot tell
        return e instanceof d.errors.PermissionDenied ? true : "unknown";
      }
    },
  };
  return ops;
}

function errorKind(d: DenoApi, e: unknown): FsErrorKind {
  if (!(e instanceof Error)) return null;
  // a plain boolean test: instanceof on these classes would narrow `e` away
  const is = (c: ErrorClass | undefined): boolean => c !== undefined && e instanceof c;
  if (is(d.errors.NotFound)) return "not-found";
  if (is(d.errors.AlreadyExists)) return "exists";
  if (is(d.errors.IsADirectory) || is(d.errors.NotADirectory)) return "not-a-file";
  const code = (e as { code?: unknown }).code;
  // Deno reports a full disk as a plain error naming the errno (28 ENOSPC, 122 EDQUOT on Linux)
  if (code === "ENOSPC" || code === "EDQUOT" || /\(os error (28|122)\)/.test(e.message)) return "quota";
  if (e instanceof TypeError || e instanceof RangeError) return null; // a bug, not the file system
  return "other";
}
