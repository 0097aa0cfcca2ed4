// WriteEngine: the storage engine users hold. Writes go to the WAL (group
// commit), then the memtable; flush turns the memtable into an SSTable, swaps
// the manifest, then drops the WAL segments it made redundant. Reads merge the
// memtables and every live SSTable. One writer per database (a storage lock).
import { parseTable } from "../cql/ddl.js";
import { TableSchema } from "../schema/schema.js";
import { Memtable } from "../memtable/memtable.js";
import { SSTableReader } from "../sstable/reader.js";
import { SSTableWriter, SSTableInfo, ComponentSink } from "../sstable/writer.js";
import { FormatVersion, DEFAULT_VERSION } from "../sstable/version.js";
import { fileName, tryParseFileName } from "../sstable/names.js";
import { Partition } from "../sstable/model.js";
import { encodePartitions, decodePartitions } from "../core/rowstream.js";
import { tokenOf } from "../core/token.js";
import { CqliteError } from "../errors.js";
import { ManifestData, SSTableEntry, MANIFEST, MANIFEST_TMP, emptyManifest, encodeManifest, decodeManifest } from "./manifest.js";
import { readPartition, scanPartitions, ReadStats } from "./reads.js";
import { encodeKey } from "../schema/keys.js";
import { materialize, CqlRow } from "../read/materialize.js";
import { CqlValue } from "../types/codec.js";
import type { Storage } from "../storage/storage.js";
import { Wal, WalSyncPolicy, TornTail } from "../wal/wal.js";
import { WalFailedError } from "../wal/errors.js";
import { QuotaExceededError } from "../storage/errors.js";
import { storageSource, ClosableSource } from "./sources.js";

export class EngineClosedError extends CqliteError {
  constructor() {
    super("ENGINE_CLOSED", "the engine is closed");
  }
}

export interface EngineConfig {
  storage: Storage;
  /** CREATE TABLE (with any CREATE TYPE it needs) */
  schema: string;
  /** flush when the memtable holds this many bytes (default 32 MiB) */
  flushThresholdBytes?: number;
  /** or this many rows (default 500 000) */
  flushThresholdRows?: number;
  walSync?: WalSyncPolicy;
  /** SSTable format version written by flush and compaction */
  format?: FormatVersion;
  /** clock in microseconds (default: Date.now() based, strictly increasing) */
  clock?: () => bigint;
}

export interface OpenReport {
  walRecordsReplayed: number;
  walTornTail: TornTail | null;
  orphansRemoved: string[];
}

const DATA_PREFIX = "sstables/";

export class WriteEngine {
  private memtable: Memtable;
  private flushing: Memtable | null = null;
  private readers = new Map<number, SSTableReader>();
  private closed = false;
  private flushChain: Promise<unknown> = Promise.resolve();
  private applyNext = 0;
  private readonly applyQueue = new Map<number, () => void>();
  private nextOrdinal = 0;
  private lastMicros = 0n;
  private autoFlush: Promise<unknown> | null = null;
  readonly readStats: ReadStats = { sstablesRead: 0, sstablesSkipped: 0 };

  private constructor(
    readonly schema: TableSchema,
    private readonly storage: Storage,
    private readonly wal: Wal,
    private manifest: ManifestData,
    private readonly unlock: () => Promise<void>,
    private readonly config: EngineConfig,
    readonly openReport: OpenReport,
  ) {
    this.memtable = this.newMemtable();
  }

  static async open(config: EngineConfig): Promise<WriteEngine> {
    const storage = config.storage;
    const schema = parseTable(config.schema);
    const unlock = await storage.lock("LOCK");
    try {
      if (await storage.exists(MANIFEST_TMP)) await storage.delete(MANIFEST_TMP);
      const manifest = (await storage.exists(MANIFEST)) ? decodeManifest(await readWhole(storage, MANIFEST)) : emptyManifest();
      const report: OpenReport = { walRecordsReplayed: 0, walTornTail: null, orphansRemoved: [] };
      // files of SSTables that never made it into the manifest (a crash mid-flush or mid-compaction)
      const live = new Set(manifest.sstables.map((s) => s.generation));
      for (const name of await storage.list(DATA_PREFIX)) {
        const p = tryParseFileName(name);
        if (p && !live.has(Number(p.generation))) {
          await storage.delete(name);
          report.orphansRemoved.push(name);
        }
      }
      const wal = await Wal.open(storage, {
        sync: config.walSync ?? "always",
        directory: "wal/",
        // never reuse a sequence number the SSTables already cover
        minNextSeq: BigInt(manifest.flushedSeq) + 1n,
      });
      const engine = new WriteEngine(schema, storage, wal, manifest, unlock, config, report);
      try {
        for (const s of manifest.sstables) engine.readers.set(s.generation, await engine.openReader(s));
        const flushed = BigInt(manifest.flushedSeq);
        const replay = await wal.replay((seq, payload) => {
          if (seq <= flushed) return;
          for (const p of decodePartitions(payload)) engine.memtable.apply(p, seq);
          report.walRecordsReplayed++;
        });
        report.walTornTail = replay.tornTail ?? null;
        return engine;
      } catch (e) {
        for (const g of [...engine.readers.keys()]) await engine.dropReader(g);
        await wal.close().catch(() => undefined);
        throw e;
      }
    } catch (e) {
      await unlock();
      throw e;
    }
  }

  private newMemtable(): Memtable {
    return new Memtable(this.schema, () => Math.floor(Date.now() / 1000));
  }

  private async openReader(s: SSTableEntry): Promise<SSTableReader> {
    const comps = new Map<string, ClosableSource>();
    try {
      for (const c of Object.keys(s.files)) comps.set(c, await storageSource(this.storage, DATA_PREFIX + fileName(s.version, s.generation, c)));
      const r = await SSTableReader.open(comps, { schema: this.schema, version: s.version, name: fileName(s.version, s.generation, "").slice(0, -1) });
      this.handles.set(s.generation, [...comps.values()]);
      return r;
    } catch (e) {
      for (const c of comps.values()) await c.close();
      throw e;
    }
  }

  /** Closes the files of an SSTable that is no longer live. */
  private async dropReader(generation: number): Promise<void> {
    this.readers.delete(generation);
    for (const h of this.handles.get(generation) ?? []) await h.close();
    this.handles.delete(generation);
  }
  private readonly handles = new Map<number, ClosableSource[]>();

  private check(): void {
    if (this.closed) throw new EngineClosedError();
  }

  /** Write timestamps: microseconds since epoch, strictly increasing. */
  nextTimestamp(): bigint {
    const now = this.config.clock ? this.config.clock() : BigInt(Date.now()) * 1000n;
    this.lastMicros = now > this.lastMicros ? now : this.lastMicros + 1n;
    return this.lastMicros;
  }

  get memtableSize(): number {
    return this.memtable.bytes + (this.flushing?.bytes ?? 0);
  }
  get memtableRowCount(): number {
    return this.memtable.rows + (this.flushing?.rows ?? 0);
  }
  /** The last SSTable generation handed out. */
  get generation(): number {
    return this.manifest.generation;
  }
  get sstables(): readonly SSTableEntry[] {
    return this.manifest.sstables;
  }

  /**
   * Applies partition updates durably: resolves once the WAL record is
   * durable under the sync policy and the memtable holds the update.
   */
  async writePartitions(updates: Partition[]): Promise<void> {
    this.check();
    if (updates.length === 0) return;
    for (const p of updates) p.token = tokenOf(p.key);
    const ordinal = this.nextOrdinal++;
    let seq: bigint;
    try {
      seq = (await this.wal.append(encodePartitions(updates))).seq;
    } catch (e) {
      this.skip(ordinal);
      // a full disk or quota is the storage's typed error, not the log's wrapper
      if (e instanceof WalFailedError && e.cause instanceof QuotaExceededError) throw e.cause;
      throw e;
    }
    // apply in the order the WAL assigned, so a flush never covers a sequence
    // number whose update is still on its way to the memtable
    await new Promise<void>((resolve) => {
      this.applyQueue.set(ordinal, () => {
        for (const p of updates) this.memtable.apply(p, seq);
        resolve();
      });
      this.drain();
    });
    this.maybeFlush();
  }

  private skip(ordinal: number): void {
    this.applyQueue.set(ordinal, () => {});
    this.drain();
  }

  private drain(): void {
    for (let f = this.applyQueue.get(this.applyNext); f; f = this.applyQueue.get(this.applyNext)) {
      this.applyQueue.delete(this.applyNext);
      this.applyNext++;
      f();
    }
  }

  private maybeFlush(): void {
    const bytes = this.config.flushThresholdBytes ?? 32 << 20;
    const rows = this.config.flushThresholdRows ?? 500_000;
    if (this.autoFlush || (this.memtable.bytes < bytes && this.memtable.rows < rows)) return;
    this.autoFlush = this.flush()
      .catch(() => undefined)
      .finally(() => (this.autoFlush = null));
  }

  /** Turns the memtable into a new SSTable; null when there was nothing to flush. */
  flush(): Promise<SSTableInfo | null> {
    this.check();
    const run = this.flushChain.then(() => this.flushNow());
    this.flushChain = run.catch(() => undefined);
    return run;
  }

  private async flushNow(): Promise<SSTableInfo | null> {
    if (this.memtable.empty) return null;
    const frozen = this.memtable;
    this.flushing = frozen;
    this.memtable = this.newMemtable();
    try {
      const generation = this.manifest.generation + 1;
      const version = this.config.format ?? DEFAULT_VERSION;
      const info = await this.writeSSTable(frozen, generation, version);
      const entry = entryOf(info, generation, version, 0);
      const next: ManifestData = {
        generation,
        flushedSeq: String(frozen.lastSeq > BigInt(this.manifest.flushedSeq) ? frozen.lastSeq : BigInt(this.manifest.flushedSeq)),
        sstables: [...this.manifest.sstables, entry],
      };
      await this.swapManifest(next);
      this.readers.set(generation, await this.openReader(entry));
      await this.wal.markFlushed(frozen.lastSeq);
      return info;
    } catch (e) {
      // the frozen memtable stays readable and in the WAL; fold it back
      this.restore(frozen);
      throw e;
    } finally {
      this.flushing = null;
    }
  }

  private restore(frozen: Memtable): void {
    const current = this.memtable;
    this.memtable = frozen;
    for (const s of current.sortedStreams()) for (const p of decodePartitions(s)) frozen.apply(p, current.lastSeq);
  }

  private async writeSSTable(m: Memtable, generation: number, version: FormatVersion): Promise<SSTableInfo> {
    const sink = new StorageSink(this.storage, (c) => DATA_PREFIX + fileName(version, generation, c));
    const header = [...m.columns].sort((a, b) => a - b);
    const w = new SSTableWriter(this.schema, sink, {
      version,
      generation,
      expectedKeys: m.partitionCount,
      encodingStats: m.stats.get(),
      staticColumns: header.filter((i) => this.schema.columns[i].kind === "static"),
      regularColumns: header.filter((i) => this.schema.columns[i].kind === "regular"),
    });
    try {
      const keys = m.sortedKeys();
      for (const s of m.sortedStreams()) await w.appendStream(s, null, null);
      const info = await w.finish();
      info.minToken = keys[0]?.token ?? null;
      info.maxToken = keys.at(-1)?.token ?? null;
      return info;
    } finally {
      w.close();
      await sink.close();
    }
  }

  private async swapManifest(next: ManifestData): Promise<void> {
    const f = await this.storage.open(MANIFEST_TMP, { create: true, truncate: true });
    try {
      await f.write(0, encodeManifest(next));
      await f.flush();
    } finally {
      await f.close();
    }
    await this.storage.rename(MANIFEST_TMP, MANIFEST);
    this.manifest = next;
  }

  // ---- reads

  private now(): number {
    return Math.floor(Date.now() / 1000);
  }

  private memtables(): Memtable[] {
    return this.flushing ? [this.memtable, this.flushing] : [this.memtable];
  }

  /** One partition, merged across memtables and SSTables, as raw data. */
  async getPartition(key: Uint8Array): Promise<Partition | null> {
    this.check();
    return readPartition(this.schema, this.memtables(), [...this.readers.values()], key, this.now(), this.readStats);
  }

  /** CQL rows of one partition (optionally one clustering) by column values. */
  async get(key: Record<string, CqlValue>, clustering?: Record<string, CqlValue>): Promise<CqlRow[]> {
    const p = await this.getPartition(encodeKey(this.schema, key));
    if (!p) return [];
    let rows = materialize(this.schema, p, { nowSeconds: this.now() });
    if (clustering) rows = rows.filter((r) => Object.entries(clustering).every(([k, v]) => sameValue(r[k], v)));
    return rows;
  }

  /** Every row, in token then clustering order. */
  async *scan(): AsyncGenerator<CqlRow> {
    this.check();
    for await (const p of scanPartitions(this.schema, this.memtables(), [...this.readers.values()], this.now()))
      yield* materialize(this.schema, p, { nowSeconds: this.now() });
  }

  /** Flushes, syncs and releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
      await this.autoFlush;
      await this.wal.close();
    } finally {
      this.closed = true;
      for (const g of [...this.readers.keys()]) await this.dropReader(g);
      await this.unlock();
    }
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === "bigint" || typeof b === "bigint") return String(a) === String(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

function entryOf(info: SSTableInfo, generation: number, version: string, level: number): SSTableEntry {
  return {
    generation,
    version,
    level,
    files: Object.fromEntries(info.files.map((f) => [f.component, f.size])),
    partitions: info.partitions,
    rows: info.rows,
    dataLength: info.dataLength,
    minTimestamp: info.minTimestamp?.toString() ?? null,
    maxTimestamp: info.maxTimestamp?.toString() ?? null,
    minToken: info.minToken?.toString() ?? null,
    maxToken: info.maxToken?.toString() ?? null,
    createdAt: Date.now(),
  };
}

async function readWhole(storage: Storage, name: string): Promise<Uint8Array> {
  const f = await storage.open(name, {});
  try {
    return await f.read(0, await f.size());
  } finally {
    await f.close();
  }
}

/** Writes SSTable components to storage files, synced before the manifest names them. */
class StorageSink implements ComponentSink {
  private files = new Map<string, Awaited<ReturnType<Storage["open"]>>>();
  private offsets = new Map<string, number>();
  constructor(private readonly storage: Storage, private readonly nameOf: (component: string) => string) {}
  async append(component: string, bytes: Uint8Array): Promise<void> {
    let f = this.files.get(component);
    if (!f) {
      f = await this.storage.open(this.nameOf(component), { create: true, truncate: true });
      this.files.set(component, f);
      this.offsets.set(component, 0);
    }
    const at = this.offsets.get(component)!;
    await f.write(at, bytes);
    this.offsets.set(component, at + bytes.length);
  }
  async close(): Promise<void> {
    for (const f of this.files.values()) {
      await f.flush();
      await f.close();
    }
    this.files.clear();
  }
}
