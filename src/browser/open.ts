// openInWorker: the engine for a page. A dedicated module worker owns the
// OPFS files; the page holds this thin proxy, which speaks comlink, rebuilds
// typed values and errors, schedules maintenance in idle time, and turns an
// export into a Blob without keeping the zip in JavaScript memory.
import { wrap, proxy, releaseProxy, Remote } from "comlink";
import type { EngineHost } from "./host.js";
import { WorkerEngineConfig, OpenInfo, LsmState, WorkerDatabase, engineOptions } from "./api.js";
import { DATABASE_ROOT } from "./names.js";
import { startWorker } from "./worker-url.js";
import { WorkerLoadError, CoreLoadError } from "./errors.js";
import { READY } from "./ready.js";
import { openDatabases } from "./registry.js";
import { noteOpened, noteClosed } from "./catalog.js";
import { fromWire, toWire, isWireError } from "./wire.js";
import { IdleMaintenance, IdleMaintenanceOptions } from "./idle.js";
import { RemoteRows } from "./paging.js";
import { decodeRows } from "./rowset.js";
import { DEFAULT_CURSOR_PAGE } from "./cursors.js";
import { CqliteError } from "../errors.js";
import { EngineClosedError, ENGINE_LOCK, MaintenanceReport, MaintenanceStats, ReadStats } from "../engine/engine.js";
import { opfsLockKey, opfsLocation } from "../storage/opfs.js";
import type { ExportOptions, ExportReport } from "../export/export.js";
import type { ImportOptions, ImportProgress } from "../export/import.js";
import type { PolicySpec } from "../compaction/policies.js";
import type { SSTableInfo } from "../sstable/writer.js";
import type { CqlRow } from "../read/materialize.js";
import type { Params } from "../cql/values.js";

export interface OpenInWorkerOptions extends WorkerEngineConfig {
  /** compact in the page's idle time (default true); options tune the budgets */
  idleMaintenance?: boolean | IdleMaintenanceOptions;
  /**
   * Another tab or worker holds the database. Without this, open fails with
   * LOCKED; with it, this is called and open waits until the holder closes.
   */
  onLocked?: (error: CqliteError) => void;
  /** ask the browser to keep this origin's storage under pressure (default true) */
  persist?: boolean;
  /** a worker running the package's worker.js (src/browser/worker.ts), if the app bundles it itself */
  worker?: Worker;
  /**
   * How long the worker may take to load before open fails with
   * WorkerLoadError (default 30 000 ms). A worker that fails to load (a
   * missing or broken script) fails open at once, whatever this says.
   */
  workerStartTimeoutMs?: number;
}

export interface BrowserExport {
  report: ExportReport;
  /** the zip: `<keyspace>/<table>-<id>/...` plus schema.cql */
  blob: Blob;
}

/** Error classes rebuilt by code on the page; any other code comes back as a CqliteError with its name. */
const REVIVED: Record<string, new (message: string) => CqliteError> = { CORE_LOAD: CoreLoadError, WORKER_LOAD: WorkerLoadError };

function revive(e: unknown): unknown {
  if (!isWireError(e)) return e;
  const Revived = REVIVED[e.code];
  if (Revived) {
    const err = new Revived("");
    err.message = e.message;
    return err;
  }
  const err = new CqliteError(e.code, e.message);
  err.name = e.name;
  return err;
}

export class BrowserEngine implements WorkerDatabase {
  private closing: Promise<void> | null = null;
  readonly maintenance: IdleMaintenance | null;

  private constructor(
    private readonly worker: Worker,
    private readonly host: Remote<EngineHost>,
    readonly info: OpenInfo,
    /** the browser's answer to navigator.storage.persist(), null when not asked or unsupported */
    readonly persisted: boolean | null,
    idle: boolean | IdleMaintenanceOptions,
    /** the database's name (its OPFS directory is cqlite/<name>/) */
    readonly name: string,
  ) {
    this.maintenance = idle ? new IdleMaintenance((b) => this.maintenanceStep(b), idle === true ? {} : idle) : null;
    this.maintenance?.kick(); // a previous session may have left compaction work
  }

  static async open(options: OpenInWorkerOptions): Promise<BrowserEngine> {
    const worker = options.worker ?? startWorker(`cqlite-web ${options.name}`);
    const start = watchStart(worker, options.workerStartTimeoutMs ?? 30_000);
    const host = wrap<EngineHost>(worker);
    const config: WorkerEngineConfig = { ...engineOptions(options), name: options.name };
    try {
      // a worker the app made may have said READY before this listened: for it, only a failure counts
      await Promise.race([options.worker ? Promise.resolve() : start.ready, start.failed]);
      let info: OpenInfo;
      for (;;) {
        try {
          info = await Promise.race([host.open(config), start.failed]);
          break;
        } catch (e) {
          const err = revive(e);
          if (!(err instanceof CqliteError) || err.code !== "LOCKED" || !options.onLocked) throw err;
          options.onLocked(err);
          await waitForRelease(options.name);
        }
      }
      let persisted: boolean | null = null;
      if (options.persist !== false && typeof navigator !== "undefined" && navigator.storage?.persist) {
        persisted = await navigator.storage.persist().catch(() => null);
      }
      const engine = new BrowserEngine(worker, host, info, persisted, options.idleMaintenance ?? true, options.name);
      openDatabases<BrowserEngine>().set(options.name, engine);
      await noteOpened(options.name, options.schema).catch(() => undefined); // the catalog is a convenience: no IndexedDB, no entry
      return engine;
    } catch (e) {
      host[releaseProxy]();
      worker.terminate();
      throw e;
    }
  }

  private async call<T>(f: (h: Remote<EngineHost>) => Promise<T>): Promise<T> {
    if (this.closing) throw new EngineClosedError();
    try {
      return await f(this.host);
    } catch (e) {
      throw revive(e);
    }
  }

  private wrote(): void {
    this.maintenance?.kick();
  }

  /** INSERT / UPDATE / DELETE / BATCH (durable when resolved) or SELECT (its rows). */
  async execute(cql: string, params?: Params): Promise<{ rows: CqlRow[] }> {
    const rows = fromWire(await this.call((h) => h.execute(cql, toWire(params)))) as CqlRow[];
    this.wrote();
    return { rows };
  }

  /**
   * Runs one INSERT, UPDATE, DELETE or BATCH once per bind row as one
   * durable write: the rows cross to the worker in one message and are
   * encoded there in one batch. A bad row throws, naming it, and nothing is
   * written.
   */
  async executeMany(cql: string, rows: Params[]): Promise<void> {
    await this.call((h) => h.executeMany(cql, toWire(rows) as Params[]));
    this.wrote();
  }

  /**
   * Columns of equal length (column → array or typed array) as one durable
   * write: row r holds each column's r-th value (undefined: not written).
   * Typed arrays (Int32Array for int, Float64Array for double, BigInt64Array
   * for bigint or timestamp) cross as one copy each and are staged whole.
   */
  async insertColumns(columns: Record<string, ArrayLike<unknown>>): Promise<void> {
    await this.call((h) => h.insertColumns(toWire(columns) as Record<string, ArrayLike<unknown>>));
    this.wrote();
  }

  async select(cql: string, params?: Params): Promise<CqlRow[]> {
    return fromWire(await this.call((h) => h.select(cql, toWire(params)))) as CqlRow[];
  }

  /**
   * The rows of a SELECT as the worker reads them: they cross in pages
   * (the first small, so the first row comes quickly, then growing to
   * `pageSize` rows, default 1000), the next page fetched while this one
   * is consumed, so neither side holds the result. Break out of the loop (or
   * call return()) to stop the reading and release the worker's cursor.
   */
  selectIter(cql: string, params?: Params, options: { pageSize?: number } = {}): AsyncIterableIterator<CqlRow> {
    const pageSize = options.pageSize ?? DEFAULT_CURSOR_PAGE;
    const host = this.host;
    const remote = {
      nextPage: (id: number, n: number) => this.call((h) => h.nextPage(id, n)),
      // a closed engine's worker is gone, and its cursors with it
      closeCursor: (id: number) => (this.closing ? Promise.resolve() : host.closeCursor(id).catch((e) => Promise.reject(revive(e)))),
    };
    return new RemoteRows(remote, (first) => this.call((h) => h.openCursor(cql, toWire(params), first)), pageSize);
  }

  /**
   * One page of a SELECT, as Cassandra's drivers page: at most `pageSize`
   * rows (default 5000) and a `pagingState` to pass back for the next page,
   * null after the last. Nothing stays open in the worker between pages.
   */
  async selectPage(cql: string, params?: Params, options: { pageSize?: number; pagingState?: string | null } = {}): Promise<{ rows: CqlRow[]; pagingState: string | null }> {
    const page = await this.call((h) => h.selectPage(cql, toWire(params), options));
    return { rows: decodeRows(page), pagingState: page.pagingState };
  }

  /** What reads have done so far, and what the chunk and key caches hold and hit. */
  readStats(): Promise<ReadStats> {
    return this.call((h) => h.readStats());
  }

  /** Cursors of unfinished selectIter loops open in the worker. */
  openCursors(): Promise<number> {
    return this.call((h) => h.openCursors());
  }

  async get(key: Record<string, unknown>, clustering?: Record<string, unknown>): Promise<CqlRow[]> {
    return fromWire(await this.call((h) => h.get(toWire(key), toWire(clustering)))) as CqlRow[];
  }

  /** Plain objects (column → value), one INSERT each; durable when resolved. */
  async insert(records: Record<string, unknown>[]): Promise<void> {
    await this.call((h) => h.insert(toWire(records) as unknown[]));
    this.wrote();
  }

  async flush(): Promise<SSTableInfo | null> {
    const info = await this.call((h) => h.flush());
    this.wrote();
    return info;
  }

  async setMergePolicy(spec: PolicySpec): Promise<void> {
    await this.call((h) => h.setMergePolicy(spec));
    this.wrote();
  }

  maintenanceStep(budgetMs: number): Promise<MaintenanceReport> {
    return this.call((h) => h.maintenanceStep(budgetMs));
  }

  maintenanceStats(): Promise<MaintenanceStats> {
    return this.call((h) => h.maintenanceStats());
  }

  /** Memtable, SSTables by level, compaction in progress, counters: one round trip. */
  state(): Promise<LsmState> {
    return this.call((h) => h.state());
  }

  get memtableSize(): Promise<number> {
    return this.state().then((s) => s.memtableBytes);
  }
  get memtableRowCount(): Promise<number> {
    return this.state().then((s) => s.memtableRows);
  }
  get generation(): Promise<number> {
    return this.state().then((s) => s.generation);
  }

  /**
   * Exports every live row as Cassandra SSTables and returns the zip as a
   * Blob. The zip crosses from the worker in transferred chunks of about a
   * MiB, each turned into a Blob at once, so the browser (not the JS heap)
   * holds it and may keep it on disk.
   */
  async exportSSTable(options: Omit<ExportOptions, "zip" | "onProgress"> & { onProgress?: (zipBytes: number) => void } = {}): Promise<BrowserExport> {
    const { onProgress, ...rest } = options;
    const parts: Blob[] = [];
    const sink = proxy((chunk: Uint8Array, zipBytes: number) => {
      parts.push(new Blob([chunk as BlobPart]));
      onProgress?.(zipBytes);
    });
    const report = await this.call((h) => h.exportZip(rest, sink));
    return { report, blob: new Blob(parts, { type: "application/zip" }) };
  }

  /** What a zip holds: its schema.cql, if any, and its files. The Blob is passed by reference. */
  inspectZip(zip: Blob): Promise<{ schema: string | null; files: string[] }> {
    return this.call((h) => h.inspectZip(zip));
  }

  /**
   * Adopts the SSTables in a zip (written by Cassandra or by this engine) as
   * new generations. The worker reads the Blob slice by slice; `onProgress`
   * hears bytes read, files and bytes written (see ImportProgress).
   */
  async importZip(zip: Blob, options: Omit<ImportOptions, "onProgress"> & { onProgress?: (p: ImportProgress) => void } = {}): Promise<{ generation: number; rows: number; partitions: number }[]> {
    const { onProgress, ...rest } = options;
    const added = await this.call((h) => h.importZip(zip, rest, onProgress && proxy(onProgress)));
    this.wrote();
    return added;
  }

  /** Flushes, releases the database and ends the worker. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.maintenance?.stop();
      const open = openDatabases<BrowserEngine>();
      if (open.get(this.name) === this) open.delete(this.name);
      try {
        await this.host.close().catch((e) => {
          throw revive(e);
        });
      } finally {
        this.host[releaseProxy]();
        this.worker.terminate();
      }
      await noteClosed(this.name).catch(() => undefined);
    })();
    return this.closing;
  }
}

/**
 * How a worker's start goes. `ready` resolves when worker.ts posts READY
 * (once its module has run) and rejects with WorkerLoadError when the
 * timeout passes first; `failed` rejects with WorkerLoadError when the worker
 * fires an error before it is ready (its script was not found, or threw). A
 * failed module script gives a bare Event with no reason, so the reason is
 * asked of the server: the script's URL is fetched once for its status.
 */
function watchStart(worker: Worker, timeoutMs: number): { ready: Promise<void>; failed: Promise<never> } {
  let fail!: (e: Error) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined); // observed by whoever races it
  const ready = new Promise<void>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      worker.removeEventListener("message", onMessage);
      worker.removeEventListener("error", onError);
    };
    const onMessage = (ev: MessageEvent): void => {
      if ((ev.data as Record<string, unknown> | null)?.[READY] !== true) return;
      done();
      resolve();
    };
    const onError = (ev: Event): void => {
      done();
      ev.preventDefault();
      void workerFailure(worker, ev).then((why) => {
        const e = new WorkerLoadError(why);
        fail(e);
        reject(e);
      });
    };
    const timer = setTimeout(() => {
      done();
      reject(new WorkerLoadError(`it did not load within ${timeoutMs} ms`));
    }, timeoutMs);
    worker.addEventListener("message", onMessage);
    worker.addEventListener("error", onError);
  });
  ready.catch(() => undefined);
  return { ready, failed };
}

async function workerFailure(worker: Worker, ev: Event): Promise<string> {
  if (ev instanceof ErrorEvent && ev.message) return ev.message;
  const url = (worker as Worker & { scriptUrl?: string }).scriptUrl;
  const why = "its script failed to load or to run (the browser gives no reason)";
  if (!url) return why;
  try {
    const r = await fetch(url, { cache: "no-store" });
    if (!r.ok) return `${why}; a request for ${url} answers ${r.status} ${r.statusText}`.trim();
    return `${why}; ${url} is there (${r.headers.get("content-type") ?? "no content type"}), so it threw or one of its imports failed`;
  } catch (e) {
    return `${why}; a request for ${url} fails: ${(e as Error).message}`;
  }
}

/** Resolves when no one holds the database's lock (it is released at once, for the open that follows to take). */
function waitForRelease(name: string): Promise<void> {
  const key = opfsLockKey(opfsLocation([DATABASE_ROOT, name]), ENGINE_LOCK);
  return navigator.locks.request(key, async () => undefined).then(() => undefined);
}

/** Opens (creating if needed) the database `name` in a dedicated worker. */
export function openInWorker(options: OpenInWorkerOptions): Promise<BrowserEngine> {
  return BrowserEngine.open(options);
}

export type { WorkerEngineConfig, OpenInfo, LsmState };
