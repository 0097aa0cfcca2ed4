// The VersionSet: the one place that changes which SSTables are live. It owns
// the manifest (read at open, swapped atomically on every change), hands out
// generation numbers, installs a new Version for every flush, compaction and
// import (an edit: SSTables added, SSTables removed, the WAL position now
// covered) and counts, per SSTable, the versions that hold it. When that count
// drops to zero the SSTable is obsolete: the engine closes and deletes its
// files at its own pace (deleteObsolete). A crash before that leaves orphans,
// which open() removes, as it removes a half-written manifest.
import type { Storage } from "../storage/storage.js";
import { TableSchema } from "../schema/schema.js";
import { invariant } from "../storage/errors.js";
import { ManifestData, SSTableEntry, MANIFEST, MANIFEST_TMP, emptyManifest, encodeManifest, decodeManifest } from "./manifest.js";
import { TableCache, componentPath, deleteSSTableFiles } from "./table-cache.js";
import { settled } from "../util/settled.js";
import { Version, LiveTable } from "./version.js";
import { ReadCaches } from "../sstable/read-caches.js";

export interface VersionEdit {
  add?: SSTableEntry[];
  /** generations no longer live */
  remove?: number[];
  /** WAL records up to this sequence number are now in SSTables */
  flushedSeq?: bigint;
}

export interface VersionSetOptions {
  maxOpenFiles?: number;
  chunkCacheBytes?: number;
  keyCacheBytes?: number;
}

export class VersionSet {
  private manifestData: ManifestData;
  private cur: Version;
  /** per live-or-pinned generation: how many versions hold it */
  private readonly holders = new Map<number, number>();
  /** generations handed out but not yet in the manifest (outputs being written) */
  private reserved = 0;
  /** SSTables no version holds, whose files are still there */
  private readonly dead: SSTableEntry[] = [];

  private constructor(
    private readonly storage: Storage,
    readonly tables: TableCache,
    manifest: ManifestData,
    live: LiveTable[],
  ) {
    this.manifestData = manifest;
    this.cur = this.install(live);
  }

  /**
   * Reads the manifest (dropping a temporary one a crash left), removes the
   * files of SSTables it does not list, and opens the live ones' readers.
   */
  static async open(storage: Storage, schema: TableSchema, options: VersionSetOptions = {}): Promise<{ versions: VersionSet; orphans: string[] }> {
    if (await storage.exists(MANIFEST_TMP)) await storage.delete(MANIFEST_TMP);
    const manifest = (await storage.exists(MANIFEST)) ? decodeManifest(await readWhole(storage, MANIFEST)) : emptyManifest();
    const listed = new Set(manifest.sstables.map((s) => s.generation));
    const orphans = await deleteSSTableFiles(storage, (g) => !listed.has(g));
    const cache = new TableCache(storage, schema, options.maxOpenFiles, new ReadCaches(options.chunkCacheBytes, options.keyCacheBytes));
    const live: LiveTable[] = [];
    try {
      for (const entry of manifest.sstables) live.push({ entry, reader: await cache.open(entry) });
    } catch (e) {
      await cache.close();
      throw e;
    }
    return { versions: new VersionSet(storage, cache, manifest, live), orphans };
  }

  get manifest(): ManifestData {
    return this.manifestData;
  }

  /** The current version, unpinned: for a synchronous look only. */
  get current(): Version {
    return this.cur;
  }

  /** Pins the current version: the caller must unpin it when done. */
  pin(): Version {
    return this.cur.pin();
  }

  /** A new generation number, never handed out before (the manifest keeps the highest). */
  allocateGeneration(): number {
    this.reserved = Math.max(this.reserved, this.manifestData.generation) + 1;
    return this.reserved;
  }

  /** Opens an SSTable's reader ahead of the edit that makes it live. */
  prepare(entry: SSTableEntry): Promise<unknown> {
    return this.tables.open(entry);
  }

  /** Closes the reader of an SSTable prepared but never made live. */
  async discard(entry: SSTableEntry): Promise<void> {
    if (!this.holders.has(entry.generation)) await this.tables.evict(entry);
  }

  /**
   * Makes the edit durable (the manifest swap) and installs the version it
   * gives. The readers of added SSTables are opened first, so a failure
   * leaves the manifest and the current version as they were.
   */
  async apply(edit: VersionEdit): Promise<Version> {
    const m = this.manifestData;
    const gone = new Set(edit.remove ?? []);
    for (const g of gone) invariant(m.sstables.some((s) => s.generation === g), `edit removes generation ${g}, which is not live`);
    const add = edit.add ?? [];
    const live: LiveTable[] = this.cur.tables.filter((t) => !gone.has(t.entry.generation));
    try {
      for (const entry of add) live.push({ entry, reader: await this.tables.open(entry) });
    } catch (e) {
      for (const entry of add) await this.discard(entry);
      throw e;
    }
    const flushed = edit.flushedSeq !== undefined && edit.flushedSeq > BigInt(m.flushedSeq) ? edit.flushedSeq : BigInt(m.flushedSeq);
    const next: ManifestData = {
      generation: Math.max(m.generation, this.reserved),
      flushedSeq: String(flushed),
      sstables: live.map((t) => t.entry),
    };
    try {
      await this.swap(next);
    } catch (e) {
      // the old manifest stands: the added SSTables' readers go, so their files can
      for (const entry of add) await this.discard(entry);
      throw e;
    }
    this.manifestData = next;
    const old = this.cur;
    this.cur = this.install(live);
    old.unpin();
    return this.cur;
  }

  // the manifest written whole under a temporary name, synced, then renamed over the old
  private async swap(next: ManifestData): Promise<void> {
    try {
      const f = await this.storage.open(MANIFEST_TMP, { create: true, truncate: true });
      try {
        await f.write(0, encodeManifest(next));
        await f.flush();
      } finally {
        await f.close();
      }
      await this.storage.rename(MANIFEST_TMP, MANIFEST);
    } catch (e) {
      // the old manifest stands; a failed swap leaves nothing of its own behind
      await this.storage.delete(MANIFEST_TMP).catch(() => undefined);
      throw e;
    }
  }

  private install(live: LiveTable[]): Version {
    for (const t of live) this.holders.set(t.entry.generation, (this.holders.get(t.entry.generation) ?? 0) + 1);
    return Version.installed(live, (v) => this.released(v));
  }

  private released(v: Version): void {
    for (const t of v.tables) {
      const n = this.holders.get(t.entry.generation)! - 1;
      if (n > 0) this.holders.set(t.entry.generation, n);
      else {
        this.holders.delete(t.entry.generation);
        this.dead.push(t.entry);
      }
    }
  }

  /** SSTables no version holds any more, whose files are still to delete. */
  get obsolete(): readonly SSTableEntry[] {
    return this.dead;
  }

  /** Closes and deletes the files of the oldest obsolete SSTable; false when there is none. */
  async deleteObsolete(): Promise<boolean> {
    const entry = this.dead[0];
    if (!entry) return false;
    await this.tables.evict(entry);
    // side by side: each is an async round trip
    await settled(Object.keys(entry.files).map((c) => this.storage.delete(componentPath(entry.version, entry.generation, c))));
    this.dead.shift();
    return true;
  }

  /** Closes every file; pins still held are void from here on. */
  async close(): Promise<void> {
    await this.tables.close();
  }
}

async function readWhole(storage: Storage, name: string): Promise<Uint8Array> {
  const f = await storage.open(name, {});
  try {
    return await f.read(0, await f.size());
  } finally {
    await f.close();
  }
}
