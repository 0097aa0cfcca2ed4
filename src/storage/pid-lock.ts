// The lock of the file backends: a lock file created with O_EXCL that holds
// the owner's pid. A process that dies leaves its lock file behind, so a lock
// whose pid is no longer running is stale and taken over.
//
// Taking over is "delete the stale file, then create ours with O_EXCL", and
// two processes doing that at once could each delete the other's fresh file.
// So a takeover happens under a second O_EXCL file, `<lock>.takeover`, and
// re-reads the lock under it: whoever deletes the stale file saw the stale pid
// while no one else could be deleting. A takeover file left by a dead process
// is itself stale and removed. The residual race (two processes removing the
// same dead takeover file at the same instant) needs a crash mid-takeover
// plus two contenders within microseconds.
//
// Own pid: a pid in the file equal to ours is a lock of this process only if
// this process holds it (the set below); otherwise it was left by an earlier
// process that had the same pid (containers restart as pid 1) and is stale.
//
// A lock file that does not hold a pid (a crash between create and write, or
// someone else's file) is never taken over: the error says to remove it.
import { DatabaseLockedError } from "./errors.js";
import type { Release } from "./storage.js";

export interface LockFs {
  /** This process's pid. */
  readonly pid: number;
  /** Creates `path` only if absent (O_EXCL), writes `text` and syncs; false if it existed. */
  createExclusive(path: string, text: string): Promise<boolean>;
  /** The file's text, or null if it does not exist. */
  readText(path: string): Promise<string | null>;
  /** Removes `path`; a missing file is not an error. */
  remove(path: string): Promise<void>;
  /** Whether a process with this pid runs; "unknown" counts as running. */
  isAlive(pid: number): boolean | "unknown";
}

/** Lock paths this process holds, across every storage instance. */
const held = new Set<string>();

const MAX_ATTEMPTS = 4;

/** Takes the lock file at `path` (absolute; `name` is for messages). */
export async function acquirePidLock(fs: LockFs, path: string, name: string): Promise<Release> {
  if (held.has(path)) throw new DatabaseLockedError(name, `this process (pid ${fs.pid})`);
  // reserved before the first await, so a concurrent acquire in this process
  // fails here instead of reading our half-written file as an old own-pid lock
  held.add(path);
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (await fs.createExclusive(path, `${fs.pid}\n`)) return releaser(fs, path);
      const text = await fs.readText(path);
      if (text === null) continue; // released between our create and read: try again
      const pid = parsePid(text);
      if (pid === null) throw new DatabaseLockedError(name, `a lock file without a pid (remove ${path} if no process uses it)`);
      if (!isStale(fs, pid)) throw new DatabaseLockedError(name, `pid ${pid}`);
      await takeOver(fs, path, name, text);
    }
    throw new DatabaseLockedError(name, "contending processes (gave up after repeated takeovers)");
  } catch (e) {
    held.delete(path);
    throw e;
  }
}

function releaser(fs: LockFs, path: string): Release {
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    try {
      // only our own file: never remove a lock some other process took over
      if (parsePid((await fs.readText(path)) ?? "") === fs.pid) await fs.remove(path);
    } finally {
      // after the file is gone, so no acquire in this process reads our pid meanwhile
      held.delete(path);
    }
  };
}

function isStale(fs: LockFs, pid: number): boolean {
  if (pid === fs.pid) return true; // we do not hold it (checked above): an earlier process's
  return fs.isAlive(pid) === false;
}

/** Removes the stale lock file whose text was `staleText`, under the takeover file. */
async function takeOver(fs: LockFs, path: string, name: string, staleText: string): Promise<void> {
  const guard = `${path}.takeover`;
  if (!(await fs.createExclusive(guard, `${fs.pid}\n`))) {
    const text = await fs.readText(guard);
    if (text === null) return; // the other takeover just finished
    const pid = parsePid(text);
    if (pid !== null && pid !== fs.pid && fs.isAlive(pid) !== false)
      throw new DatabaseLockedError(name, `pid ${pid}, which is taking over a stale lock`);
    if ((await fs.readText(guard)) === text) await fs.remove(guard);
    return;
  }
  try {
    if ((await fs.readText(path)) === staleText) await fs.remove(path);
  } finally {
    await fs.remove(guard);
  }
}

function parsePid(text: string): number | null {
  const m = /^(\d{1,10})\n?$/.exec(text);
  if (!m) return null;
  const pid = Number(m[1]);
  return pid > 0 && pid <= 0x7fffffff ? pid : null;
}
