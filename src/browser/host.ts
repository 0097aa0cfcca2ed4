// What the engine's worker exposes over comlink: a WriteEngine on OPFS, with
// the values and errors made fit to cross (wire.ts), counters for the LSM
// view, and export and import shaped for a page (zip chunks handed over by
// transfer, zips read slice by slice from a Blob the page passes by reference).
import { transfer } from "comlink";
import { loadCoreBrowser } from "../core/load-browser.js";
import { WriteEngine, MaintenanceReport, MaintenanceStats, ReadStats, ENGINE_LOCK } from "../engine/engine.js";
import { OpfsStorage } from "../storage/opfs.js";
import { ExportOptions, ExportReport } from "../export/export.js";
import type { ImportOptions, ImportProgress } from "../export/import.js";
import { inspectZip } from "../export/zip-inspect.js";
import { PolicySpec } from "../compaction/policies.js";
import { SSTableInfo } from "../sstable/writer.js";
import { CqliteError } from "../errors.js";
import type { Params } from "../cql/values.js";
import { toWire, fromWire, errorToWire } from "./wire.js";
import { DATABASE_ROOT } from "./names.js";
import { CursorTable, CursorPage, OpenedCursor, checkPageSize } from "./cursors.js";
import { encodeRows, RowSet } from "./rowset.js";
import { WorkerEngineConfig, OpenInfo, LsmState, WorkerDatabase, engineOptions } from "./api.js";

export type { WorkerEngineConfig, OpenInfo, LsmState } from "./api.js";

export type ZipChunkSink = (chunk: Uint8Array, zipBytes: number) => Promise<void> | void;

/** Zip chunks are gathered to this size before crossing to the page: fewer messages, one transfer each. */
const HANDOFF_BYTES = 1 << 20;


export class NotOpenError extends CqliteError {
  constructor() {
    super("NOT_OPEN", "no database is open in this worker: call open() first");
  }
}

export class EngineHost implements WorkerDatabase {
  private engine: WriteEngine | null = null;
  private storage: OpfsStorage | null = null;
  private readonly counters = { statements: 0, rowsWritten: 0, reads: 0, rowsRead: 0 };
  private readonly cursors = new CursorTable();

  private get e(): WriteEngine {
    if (!this.engine) throw new NotOpenError();
    return this.engine;
  }

  async open(config: WorkerEngineConfig): Promise<OpenInfo> {
    if (this.engine) throw new CqliteError("ALREADY_OPEN", "this worker already has a database open");
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(config.name)) throw new CqliteError("INVALID_NAME", `database name '${config.name}' must be 1-64 of A-Z a-z 0-9 _ . -`);
    await loadCoreBrowser();
    const storage = await OpfsStorage.open({ path: [DATABASE_ROOT, config.name] });
    try {
      this.engine = await WriteEngine.open({ ...engineOptions(config), storage });
    } catch (e) {
      await storage.close();
      throw e;
    }
    this.storage = storage;
    const r = this.engine.openReport;
    return {
      location: storage.location, walRecordsReplayed: r.walRecordsReplayed, walTornTail: r.walTornTail !== null,
      orphansRemoved: r.orphansRemoved.length, generation: this.engine.generation, sstables: this.engine.sstables.length,
    };
  }

  async execute(cql: string, params?: unknown): Promise<unknown[]> {
    this.counters.statements++;
    const { rows } = await this.e.execute(cql, fromWire(params) as never);
    this.countRead(rows.length);
    return toWire(rows) as unknown[];
  }

  async executeMany(cql: string, rows: Params[]): Promise<void> {
    await this.e.executeMany(cql, fromWire(rows) as Params[]);
    this.counters.statements += rows.length;
  }

  async insertColumns(columns: Record<string, ArrayLike<unknown>>): Promise<void> {
    // typed arrays pass fromWire as they are; plain arrays may hold tagged decimals and durations
    await this.e.insertColumns(fromWire(columns) as Record<string, ArrayLike<unknown>>);
    const first = Object.values(columns)[0];
    this.counters.rowsWritten += first?.length ?? 0;
  }

  async select(cql: string, params?: unknown): Promise<unknown[]> {
    const rows = await this.e.select(cql, fromWire(params) as never);
    this.countRead(rows.length);
    return toWire(rows) as unknown[];
  }

  /** Opens a cursor over a SELECT and returns its first page (paging.ts is the page's side). */
  async openCursor(cql: string, params: unknown, pageSize: number): Promise<OpenedCursor> {
    const e = this.e;
    const opened = await this.cursors.start(() => e.selectIter(cql, fromWire(params) as never), pageSize);
    this.countRead(opened.page.rows.length);
    return opened;
  }

  async nextPage(id: number, pageSize: number): Promise<CursorPage> {
    const page = await this.cursors.next(id, pageSize);
    this.counters.rowsRead += page.rows.length;
    return page;
  }

  closeCursor(id: number): Promise<void> {
    return this.cursors.close(id);
  }

  /** What reads have done, what the caches hold and hit (the engine's readStats). */
  readStats(): ReadStats {
    return this.e.readStats();
  }

  /** Cursors open in this worker (each pins the SSTables it started on). */
  openCursors(): number {
    return this.cursors.size;
  }

  /** One page of a SELECT, resumable with its pagingState (the engine's selectPage). */
  async selectPage(cql: string, params: unknown, options: { pageSize?: number; pagingState?: string | null }): Promise<RowSet & { pagingState: string | null }> {
    if (options.pageSize !== undefined) checkPageSize(options.pageSize);
    const { rows, pagingState } = await this.e.selectPage(cql, fromWire(params) as never, options);
    this.countRead(rows.length);
    return { ...encodeRows(rows), pagingState };
  }

  async get(key: unknown, clustering?: unknown): Promise<unknown[]> {
    const rows = await this.e.get(fromWire(key) as never, fromWire(clustering) as never);
    this.countRead(rows.length);
    return toWire(rows) as unknown[];
  }

  async insert(records: unknown[]): Promise<number> {
    await this.e.insert(fromWire(records) as Record<string, unknown>[]);
    this.counters.rowsWritten += records.length;
    return records.length;
  }

  flush(): Promise<SSTableInfo | null> {
    return this.e.flush();
  }

  setMergePolicy(spec: PolicySpec): void {
    this.e.setMergePolicy(spec);
  }

  maintenanceStep(budgetMs: number): Promise<MaintenanceReport> {
    return this.e.maintenanceStep(budgetMs);
  }

  maintenanceStats(): MaintenanceStats {
    return this.e.maintenanceStats();
  }

  state(): LsmState {
    const e = this.e;
    return {
      memtableBytes: e.memtableSize, memtableRows: e.memtableRowCount, generation: e.generation,
      sstables: e.sstables.map((s) => ({
        generation: s.generation, level: s.level, version: s.version, partitions: s.partitions, rows: s.rows,
        bytes: Object.values(s.files).reduce((a, b) => a + b, 0),
      })),
      compaction: e.activeCompaction, counters: { ...this.counters }, maintenance: e.maintenanceStats(),
    };
  }

  /** Exports a zip, handing it to `sink` in chunks of about a MiB, each transferred, never copied. */
  async exportZip(options: Omit<ExportOptions, "zip" | "onProgress">, sink: ZipChunkSink): Promise<ExportReport> {
    let parts: Uint8Array[] = [];
    let held = 0;
    let total = 0;
    const handoff = async () => {
      const chunk = new Uint8Array(held);
      let at = 0;
      for (const p of parts) {
        chunk.set(p, at);
        at += p.length;
      }
      parts = [];
      held = 0;
      await sink(transfer(chunk, [chunk.buffer]), total);
    };
    return this.e.exportSSTable({
      ...options,
      zip: async (chunk, final) => {
        parts.push(chunk);
        held += chunk.length;
        total += chunk.length;
        if (held >= HANDOFF_BYTES || (final && held > 0)) await handoff();
      },
    });
  }

  /** What a zip holds: its schema.cql (an export of this engine has one) and the SSTable files; read from its central directory. */
  inspectZip(zip: Blob | Uint8Array): Promise<{ schema: string | null; files: string[] }> {
    return inspectZip(zip);
  }

  /**
   * Imports the SSTables of a zip. A Blob (a File the page passed by
   * reference) is read slice by slice from the browser's blob store, and its
   * files are copied into OPFS piece by piece, so neither is ever held whole.
   */
  async importZip(
    zip: Blob | Uint8Array,
    options: Omit<ImportOptions, "onProgress"> = {},
    onProgress?: (p: ImportProgress) => unknown,
  ): Promise<{ generation: number; rows: number; partitions: number }[]> {
    // progress crosses as comlink messages the import does not wait for
    const added = await this.e.importSSTables(zip, { ...options, onProgress: onProgress && ((p) => void onProgress(p)) });
    return added.map((s) => ({ generation: s.generation, rows: s.rows, partitions: s.partitions }));
  }

  async close(): Promise<void> {
    const e = this.engine;
    const s = this.storage;
    this.engine = null;
    this.storage = null;
    try {
      await this.cursors.closeAll();
      await e?.close();
    } finally {
      await s?.close();
    }
  }

  /** Removes a database's files; it must not be open anywhere (the lock says so). */
  async destroy(name: string): Promise<void> {
    if (this.engine) throw new CqliteError("ALREADY_OPEN", "close the open database first");
    const storage = await OpfsStorage.open({ path: [DATABASE_ROOT, name] });
    try {
      await storage.lock(ENGINE_LOCK); // held while the files go, so no one opens them half-removed
      const root = await navigator.storage.getDirectory();
      const dir = await root.getDirectoryHandle(DATABASE_ROOT, { create: true });
      await dir.removeEntry(name, { recursive: true });
    } finally {
      await storage.close();
    }
  }

  private countRead(rows: number): void {
    this.counters.reads++;
    this.counters.rowsRead += rows;
  }
}

/** Every method of the host, with its errors turned into values comlink carries whole (code included). */
export function guarded(host: EngineHost): EngineHost {
  return new Proxy(host, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== "function") return v;
      return async (...args: unknown[]) => {
        try {
          return await v.apply(target, args);
        } catch (e) {
          throw errorToWire(e);
        }
      };
    },
  });
}
