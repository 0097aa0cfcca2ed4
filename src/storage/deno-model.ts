// A model of the part of the Deno namespace that DenoFileStorage calls,
// built on node:fs, so deno.ts runs under Node (test/storage-*.test.ts). It
// mimics what deno.ts depends on: FsFile's seek/read/write (read() gives null
// at the end), Deno.errors.* classes, createNew failing with AlreadyExists,
// Deno.kill(pid, 0). Deno itself is not exercised here.
import { open, rename, rm, mkdir, realpath, stat, readdir, readFile, type FileHandle } from "node:fs/promises";
import process from "node:process";

class NotFound extends Error {}
class AlreadyExists extends Error {}
class PermissionDenied extends Error {}
class IsADirectory extends Error {}
class NotADirectory extends Error {}

/** Node's errno error as the Deno error class Deno would throw. */
function denoError(e: unknown): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  const msg = e instanceof Error ? e.message : String(e);
  switch (code) {
    case "ENOENT":
      return new NotFound(msg);
    case "EEXIST":
      return new AlreadyExists(msg);
    case "EACCES":
    case "EPERM":
      return new PermissionDenied(msg);
    case "EISDIR":
      return new IsADirectory(msg);
    case "ENOTDIR":
      return new NotADirectory(msg);
    case "ENOSPC":
      return Object.assign(new Error(`${msg} (os error 28)`), { code: "ENOSPC" });
    default:
      return e;
  }
}

async function wrap<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw denoError(e);
  }
}

class ModelFsFile {
  private pos = 0;
  constructor(private readonly fh: FileHandle) {}
  async read(p: Uint8Array): Promise<number | null> {
    const { bytesRead } = await wrap(this.fh.read(p, 0, p.length, this.pos));
    this.pos += bytesRead;
    return bytesRead === 0 && p.length > 0 ? null : bytesRead;
  }
  async write(p: Uint8Array): Promise<number> {
    // like Deno, a write may be partial: at most 40000 bytes at a time here
    const n = Math.min(p.length, 40_000);
    const { bytesWritten } = await wrap(this.fh.write(p, 0, n, this.pos));
    this.pos += bytesWritten;
    return bytesWritten;
  }
  async seek(offset: number, whence: number): Promise<number> {
    if (whence !== 0) throw new TypeError("model: only SeekMode.Start");
    this.pos = offset;
    return offset;
  }
  truncate(len?: number): Promise<void> {
    return wrap(this.fh.truncate(len ?? 0));
  }
  sync(): Promise<void> {
    return wrap(this.fh.sync());
  }
  async stat(): Promise<{ size: number; isFile: boolean }> {
    const s = await wrap(this.fh.stat());
    return { size: s.size, isFile: s.isFile() };
  }
  close(): void {
    void this.fh.close();
  }
}

/** The Deno namespace as deno.ts sees it. */
export function denoModel() {
  return {
    pid: process.pid,
    build: { os: process.platform === "win32" ? "windows" : process.platform },
    errors: { NotFound, AlreadyExists, PermissionDenied, IsADirectory, NotADirectory },
    async open(path: string, o: { read?: boolean; write?: boolean; createNew?: boolean; mode?: number }) {
      const flags = o.createNew ? (o.read ? "wx+" : "wx") : o.write ? "r+" : "r";
      return new ModelFsFile(await wrap(open(path, flags, o.mode)));
    },
    rename: (a: string, b: string) => wrap(rename(a, b)),
    async remove(path: string) {
      const s = await wrap(stat(path));
      if (s.isDirectory()) throw new Error("model: remove of a directory");
      await wrap(rm(path));
    },
    mkdir: async (path: string, o: { recursive: boolean }) => void (await wrap(mkdir(path, o))),
    realPath: (path: string) => wrap(realpath(path)),
    stat: async (path: string) => ({ isFile: (await wrap(stat(path))).isFile() }),
    async *readDir(path: string) {
      for (const e of await wrap(readdir(path, { withFileTypes: true }))) yield { name: e.name, isFile: e.isFile() };
    },
    readTextFile: (path: string) => wrap(readFile(path, "utf8")),
    kill(pid: number, signal: number) {
      try {
        process.kill(pid, signal);
      } catch (e) {
        throw denoError((e as { code?: string }).code === "ESRCH" ? Object.assign(new Error("ESRCH"), { code: "ENOENT" }) : e);
      }
    },
  };
}
