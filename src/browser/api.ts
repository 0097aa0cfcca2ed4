// What the page's handle (open.ts, BrowserEngine) and the worker's host
// (host.ts, EngineHost) share: one config type, derived from the engine's,
// and one interface for the operations that cross unchanged. Both sides
// implement it, so a method added to one and not the other fails to compile.
import type { EngineConfig, MaintenanceReport, MaintenanceStats, ReadStats } from "../engine/engine.js";
import type { PolicySpec } from "../compaction/policies.js";
import type { SSTableInfo } from "../sstable/writer.js";
import type { Params } from "../cql/values.js";

/** The engine options a worker's database takes (the storage is OPFS, chosen by name). */
const FORWARDED = ["schema", "flushThresholdBytes", "flushThresholdRows", "walSync", "durableWrites", "format", "importLimits"] as const;

export type WorkerEngineConfig = Pick<EngineConfig, (typeof FORWARDED)[number]> & {
  /** the database: its files live in OPFS under cqlite/<name>/ */
  name: string;
};

/** The engine options in `options` (a WorkerEngineConfig or more), and nothing else: what crosses to the worker and on to the engine. */
export function engineOptions(options: WorkerEngineConfig): Omit<WorkerEngineConfig, "name"> {
  const out: Partial<Record<(typeof FORWARDED)[number], unknown>> = {};
  for (const k of FORWARDED) if (options[k] !== undefined) out[k] = options[k];
  return out as Omit<WorkerEngineConfig, "name">;
}

export interface OpenInfo {
  location: string;
  walRecordsReplayed: number;
  walTornTail: boolean;
  orphansRemoved: number;
  generation: number;
  sstables: number;
}

export interface LsmState {
  memtableBytes: number;
  memtableRows: number;
  generation: number;
  sstables: { generation: number; level: number; version: string; partitions: number; rows: number; bytes: number }[];
  compaction: { reason: string; inputs: number[]; outputs: number[]; level: number } | null;
  counters: { statements: number; rowsWritten: number; reads: number; rowsRead: number };
  maintenance: MaintenanceStats;
}

type Async<T> = T | Promise<T>;

/** The operations whose arguments and results cross as they are (the page's side answers each with a promise). */
export interface WorkerDatabase {
  /** one INSERT, UPDATE, DELETE or BATCH run once per bind row, as one durable write (the engine's executeMany) */
  executeMany(cql: string, rows: Params[]): Promise<void>;
  /** columns of equal length (arrays or typed arrays) as one durable write (the engine's insertColumns) */
  insertColumns(columns: Record<string, ArrayLike<unknown>>): Promise<void>;
  flush(): Async<SSTableInfo | null>;
  setMergePolicy(spec: PolicySpec): Async<void>;
  maintenanceStep(budgetMs: number): Async<MaintenanceReport>;
  maintenanceStats(): Async<MaintenanceStats>;
  /** memtable, SSTables by level, compaction in progress, counters: one round trip */
  state(): Async<LsmState>;
  /** what reads have done, what the caches hold and hit */
  readStats(): Async<ReadStats>;
  /** cursors the worker holds open for selectIter (closed on break, end or close) */
  openCursors(): Async<number>;
  /** what a zip holds: its schema.cql, if any, and its files */
  inspectZip(zip: Blob): Async<{ schema: string | null; files: string[] }>;
  close(): Promise<void>;
}
