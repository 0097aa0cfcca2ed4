// Open SSTables. Every live generation has one reader whose Statistics,
// Summary and bloom filter stay in memory; its component files are opened on
// demand and share one bounded set of storage handles. When more than
// `maxOpenFiles` are open, the least recently used idle one is closed (and
// reopened by its next read). A handle with a read in flight is never closed,
// so only reads in flight can take the count past the bound, for as long as
// they run. Nothing here decides what is live: the VersionSet does, and it
// evicts a generation only once no version that holds it is pinned.
import type { Storage, StorageFile } from "../storage/storage.js";
import { SSTableReader } from "../sstable/reader.js";
import { ByteSource, ComponentSources } from "../sstable/source.js";
import { fileName, tryParseFileName } from "../sstable/names.js";
import { settled } from "../util/settled.js";
import { TableSchema } from "../schema/schema.js";
import { SSTableEntry } from "./manifest.js";
import { invariant } from "../storage/errors.js";
import { ReadCaches } from "../sstable/read-caches.js";

/** Where the engine keeps SSTable components in its storage. */
export const DATA_PREFIX = "sstables/";

/**
 * Deletes every SSTable file whose generation `doomed` names, in one listing;
 * returns the names deleted. (What a crash or a failed step left: open
 * sweeps the generations the manifest does not list, a failed flush or
 * compaction its own.)
 */
export async function deleteSSTableFiles(storage: Storage, doomed: (generation: number) => boolean): Promise<string[]> {
  const deleted: string[] = [];
  for (const name of await storage.list(DATA_PREFIX)) {
    const p = tryParseFileName(name);
    if (p && doomed(Number(p.generation))) {
      await storage.delete(name);
      deleted.push(name);
    }
  }
  return deleted;
}

export function componentPath(version: string, generation: number, component: string): string {
  return DATA_PREFIX + fileName(version, generation, component);
}

/** Storage handles open at once by default (each live SSTable reads two or three files). */
export const DEFAULT_MAX_OPEN_FILES = 128;

interface Handle {
  file: Promise<StorageFile>;
  /** reads in flight */
  busy: number;
}

export class TableCache {
  private readonly readers = new Map<number, SSTableReader>();
  /** open handles by path, least recently used first (Map keeps insertion order) */
  private readonly handles = new Map<string, Handle>();
  private opens = 0;

  constructor(
    private readonly storage: Storage,
    private readonly schema: TableSchema,
    readonly maxOpenFiles = DEFAULT_MAX_OPEN_FILES,
    /** decompressed chunks and key positions, shared by every reader */
    readonly caches = new ReadCaches(),
  ) {
    invariant(maxOpenFiles >= 1, "maxOpenFiles must be at least 1");
  }

  /** Storage handles open now. */
  get openFiles(): number {
    return this.handles.size;
  }

  /** Files opened since the cache was made (a reopen after eviction counts again). */
  get fileOpens(): number {
    return this.opens;
  }

  /** The reader of an open generation, or undefined. */
  get(generation: number): SSTableReader | undefined {
    return this.readers.get(generation);
  }

  /** Opens the SSTable's reader (or returns the open one): reads its TOC, Statistics, Summary and filter. */
  async open(entry: SSTableEntry): Promise<SSTableReader> {
    const have = this.readers.get(entry.generation);
    if (have) return have;
    const comps: ComponentSources = new Map();
    const names = Object.keys(entry.files);
    const paths = names.map((c) => componentPath(entry.version, entry.generation, c));
    try {
      // side by side where the bound leaves room for all of them: an open is
      // an async round trip (OPFS: about 1.4 ms each one after another, 0.5 ms
      // each side by side)
      let sizes: number[];
      if (paths.length * 2 <= this.maxOpenFiles) {
        await this.makeRoom(paths.length);
        sizes = await settled(paths.map((p) => this.use(p, (f) => f.size())));
      } else {
        sizes = [];
        for (const p of paths) sizes.push(await this.use(p, (f) => f.size()));
      }
      names.forEach((c, i) => comps.set(c, new CachedSource(this, paths[i], sizes[i])));
      const name = fileName(entry.version, entry.generation, "").slice(0, -1);
      const r = await SSTableReader.open(comps, { schema: this.schema, version: entry.version, name, caches: this.caches });
      this.readers.set(entry.generation, r);
      return r;
    } catch (e) {
      for (const p of paths) await this.closeHandle(p);
      throw e;
    }
  }

  /** Forgets a generation and closes its files: no read of it may be in flight. */
  async evict(entry: SSTableEntry): Promise<void> {
    // its header's slot in the core goes too
    this.readers.get(entry.generation)?.release();
    this.readers.delete(entry.generation);
    await settled(Object.keys(entry.files).map((c) => this.closeHandle(componentPath(entry.version, entry.generation, c))));
  }

  /** Closes every handle and forgets every reader. */
  async close(): Promise<void> {
    for (const r of this.readers.values()) r.release();
    this.readers.clear();
    for (const path of [...this.handles.keys()]) await this.closeHandle(path, true);
  }

  /** Runs `f` on the open handle of `path`, opening it first if needed. */
  async use<T>(path: string, f: (file: StorageFile) => Promise<T>): Promise<T> {
    let h = this.handles.get(path);
    if (!h) {
      await this.makeRoom();
      h = this.handles.get(path); // opened by another read meanwhile
    }
    if (!h) {
      const opening: Handle = { file: this.storage.open(path, {}), busy: 0 };
      this.opens++;
      // a failed open leaves no handle behind
      opening.file.catch(() => this.handles.get(path) === opening && this.handles.delete(path));
      h = opening;
    }
    this.handles.delete(path); // re-inserted: now the most recently used
    this.handles.set(path, h);
    h.busy++;
    try {
      return await f(await h.file);
    } finally {
      h.busy--;
    }
  }

  // closes idle handles, least recently used first, until one more fits
  // under the bound (or only handles with reads in flight are left)
  private async makeRoom(n = 1): Promise<void> {
    for (const [path, h] of [...this.handles]) {
      if (this.handles.size + n <= this.maxOpenFiles) return;
      if (h.busy === 0 && this.handles.get(path) === h) await this.closeHandle(path);
    }
  }

  private async closeHandle(path: string, force = false): Promise<void> {
    const h = this.handles.get(path);
    if (!h) return;
    invariant(force || h.busy === 0, `closing ${path} with a read in flight`);
    this.handles.delete(path);
    const f = await h.file.catch(() => null);
    await f?.close();
  }
}

/** One component file read through the cache's handles. */
class CachedSource implements ByteSource {
  constructor(private readonly cache: TableCache, private readonly path: string, readonly size: number) {}

  read(offset: number, length: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(length, this.size - offset));
    return this.cache.use(this.path, (f) => f.read(offset, n));
  }

  readInto(offset: number, dest: Uint8Array): Promise<number> {
    const into = dest.subarray(0, Math.max(0, Math.min(dest.length, this.size - offset)));
    return this.cache.use(this.path, async (f) => {
      if (f.readInto) return f.readInto(offset, into);
      const b = await f.read(offset, into.length);
      into.set(b);
      return b.length;
    });
  }
}
