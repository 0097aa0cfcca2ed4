// The page's catalog of databases, kept in IndexedDB with idb-keyval: name,
// schema, when it was created and last opened, and its size. It answers
// listDatabases() and destroyDatabase() from the page itself, with no worker:
// the files are OPFS directories the page can walk and remove, and the lock
// that guards a database is a Web Lock the page can test.
import { createStore, get, set, del, values, UseStore } from "idb-keyval";
import { DATABASE_ROOT } from "./names.js";
import { opfsLockKey, opfsLocation } from "../storage/opfs.js";
import { ENGINE_LOCK } from "../engine/engine.js";
import { DatabaseLockedError } from "../storage/errors.js";

export interface DatabaseInfo {
  /** the name given to openInWorker (its files are in OPFS under cqlite/<name>/) */
  name: string;
  /** the CREATE TABLE it was last opened with; null for a database found in OPFS but never opened by this version */
  schema: string | null;
  /** when openInWorker first created it (ms since the epoch), null when not known */
  created: number | null;
  /** when it was last opened, null when not known */
  lastOpened: number | null;
  /** bytes of its files: counted now, or as of its last close while it is open */
  size: number;
  /** open in this page or another tab or worker of the origin (its lock is held) */
  open: boolean;
}

interface Entry {
  name: string;
  schema: string;
  created: number;
  lastOpened: number;
  size: number;
}

let store: UseStore | null = null;
function catalog(): UseStore {
  return (store ??= createStore("cqlite-web", "databases"));
}

/** Called by openInWorker once a database is open. */
export async function noteOpened(name: string, schema: string): Promise<void> {
  const now = Date.now();
  const old = await get<Entry>(name, catalog());
  await set(name, { name, schema, created: old?.created ?? now, lastOpened: now, size: old?.size ?? 0 } satisfies Entry, catalog());
}

/** Called by BrowserEngine.close once the worker let go of the files: their size, for listings while it is open again. */
export async function noteClosed(name: string): Promise<void> {
  const old = await get<Entry>(name, catalog());
  const dir = await (await databasesDir(false))?.getDirectoryHandle(name).catch(() => null);
  const size = dir ? await sizeOf(dir) : null;
  if (old && size !== null) await set(name, { ...old, size }, catalog());
}

function lockKey(name: string): string {
  return opfsLockKey(opfsLocation([DATABASE_ROOT, name]), ENGINE_LOCK);
}

async function databasesDir(create: boolean): Promise<FileSystemDirectoryHandle | null> {
  const root = await navigator.storage.getDirectory();
  try {
    return await root.getDirectoryHandle(DATABASE_ROOT, { create });
  } catch (e) {
    if ((e as DOMException).name === "NotFoundError") return null;
    throw e;
  }
}

/** Bytes below `dir`, or null when a file cannot be read (an open database's files are held by its worker). */
async function sizeOf(dir: FileSystemDirectoryHandle): Promise<number | null> {
  let total = 0;
  for await (const h of (dir as unknown as { values(): AsyncIterable<FileSystemHandle> }).values()) {
    if (h.kind === "directory") {
      const s = await sizeOf(h as FileSystemDirectoryHandle);
      if (s === null) return null;
      total += s;
    } else {
      try {
        total += (await (h as FileSystemFileHandle).getFile()).size;
      } catch {
        return null;
      }
    }
  }
  return total;
}

/**
 * The databases of this origin: the catalog's entries and any OPFS directory
 * under cqlite/ it does not know, by name. Runs in the page; starts no worker.
 */
export async function listDatabases(): Promise<DatabaseInfo[]> {
  const entries = new Map((await values<Entry>(catalog())).map((e) => [e.name, e]));
  const dir = await databasesDir(false);
  const dirs = new Map<string, FileSystemDirectoryHandle>();
  if (dir) {
    for await (const h of (dir as unknown as { values(): AsyncIterable<FileSystemHandle> }).values()) {
      if (h.kind === "directory") dirs.set(h.name, h as FileSystemDirectoryHandle);
    }
  }
  const held = new Set((await navigator.locks.query()).held?.map((l) => l.name) ?? []);
  const names = [...new Set([...entries.keys(), ...dirs.keys()])].sort();
  const out: DatabaseInfo[] = [];
  for (const name of names) {
    const d = dirs.get(name);
    if (!d) {
      await del(name, catalog()); // its files are gone (removed by hand, or the origin's storage was cleared)
      continue;
    }
    const e = entries.get(name);
    const open = held.has(lockKey(name));
    const measured = open ? null : await sizeOf(d);
    out.push({ name, schema: e?.schema ?? null, created: e?.created ?? null, lastOpened: e?.lastOpened ?? null, size: measured ?? e?.size ?? 0, open });
  }
  return out;
}

/**
 * Removes the database `name`, its files and its catalog entry. Runs in the
 * page; starts no worker. Fails with DatabaseLockedError (LOCKED) while it is
 * open anywhere in the origin; holds its lock while the files go, so no one
 * opens it half-removed.
 */
export async function destroyDatabase(name: string): Promise<void> {
  const done = await navigator.locks.request(lockKey(name), { ifAvailable: true }, async (lock) => {
    if (lock === null) return false;
    const dir = await databasesDir(false);
    if (dir) {
      await dir.removeEntry(name, { recursive: true }).catch((e: DOMException) => {
        if (e.name !== "NotFoundError") throw e;
      });
    }
    await del(name, catalog());
    return true;
  });
  if (!done) throw new DatabaseLockedError(ENGINE_LOCK, "another tab or worker of this origin (close it first)");
}
