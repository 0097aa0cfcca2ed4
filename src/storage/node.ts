// Storage on a local directory in Node, through node:fs/promises: the system
// calls under FsStorage (fs-storage.ts holds the rules).
import { open, rename, readdir, unlink, mkdir, stat, readFile, realpath, type FileHandle } from "node:fs/promises";
import { constants } from "node:fs";
import { join, resolve, dirname } from "node:path";
import process from "node:process";
import { FsStorage, FsOps, FsHandle, FsErrorKind } from "./fs-storage.js";

/** A database in a directory of the local file system, in Node (fsync on flush, a lock file against a second writer). */
export class NodeFileStorage extends FsStorage {
  /** The storage rooted at `dir`, created (with its parents) if missing. */
  static async open(dir: string): Promise<NodeFileStorage> {
    return new NodeFileStorage(nodeOps, await FsStorage.rootOf(nodeOps, dir));
  }
}

function handle(fh: FileHandle): FsHandle {
  return {
    size: async () => (await fh.stat()).size,
    isFile: async () => (await fh.stat()).isFile(),
    readAt: async (buf, offset) => (await fh.read(buf, 0, buf.length, offset)).bytesRead,
    writeAt: async (data, offset) => (await fh.write(data, 0, data.length, offset)).bytesWritten,
    truncate: (size) => fh.truncate(size),
    sync: () => fh.sync(),
    close: () => fh.close(),
  };
}

const OPEN_FLAGS = {
  read: constants.O_RDONLY,
  write: constants.O_RDWR,
  create: constants.O_RDWR | constants.O_CREAT | constants.O_EXCL,
};

export const nodeOps: FsOps = {
  pid: process.pid,
  async root(dir) {
    await mkdir(resolve(dir), { recursive: true });
    // canonical, so one directory reached by two paths is one lock and one set of open files
    return realpath(dir);
  },
  join: (base, parts) => join(base, ...parts),
  dirname,
  open: async (path, how) => handle(await open(path, OPEN_FLAGS[how], 0o644)),
  rename,
  unlink,
  async mkdirs(path) {
    await mkdir(path, { recursive: true });
  },
  isFile: async (path) => (await stat(path)).isFile(),
  async files(dir) {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => e.name);
  },
  async syncDir(path) {
    if (process.platform === "win32") return; // a directory cannot be opened for fsync there
    const fh = await open(path, constants.O_RDONLY);
    try {
      await fh.sync();
    } catch (e) {
      if (errno(e) !== "EINVAL") throw e; // some file systems do not sync directories
    } finally {
      await fh.close();
    }
  },
  errorKind,

  // ---- LockFs
  async createExclusive(path, text) {
    let fh: FileHandle;
    try {
      fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    } catch (e) {
      if (errno(e) === "EEXIST") return false;
      throw e;
    }
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await nodeOps.syncDir(dirname(path));
    return true;
  },
  async readText(path) {
    try {
      return await readFile(path, "utf8");
    } catch (e) {
      if (errno(e) === "ENOENT") return null;
      throw e;
    }
  },
  async remove(path) {
    try {
      await unlink(path);
    } catch (e) {
      if (errno(e) === "ENOENT") return;
      throw e;
    }
    await nodeOps.syncDir(dirname(path));
  },
  isAlive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      const code = errno(e);
      if (code === "ESRCH") return false;
      return code === "EPERM" ? true : "unknown";
    }
  },
};

function errno(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function errorKind(e: unknown): FsErrorKind {
  const code = errno(e);
  if (code === undefined) return null;
  switch (code) {
    case "ENOENT":
      return "not-found";
    case "EEXIST":
      return "exists";
    case "ENOSPC":
    case "EDQUOT":
      return "quota";
    case "EISDIR":
    case "ENOTDIR":
      return "not-a-file";
    default:
      return "other";
  }
}
