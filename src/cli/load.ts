// `cqlite-web load`: CSV or NDJSON streamed through the engine (on files in a
// temporary directory, so memory stays bounded) and exported as Cassandra
// SSTables in Cassandra's layout, as a zip or a directory. All or nothing:
// the output is written only once every row is in, and is durable (synced,
// a zip renamed into place whole) before the load reports success; a bad row
// without skipBad, a failure or a crash leaves no output, and an earlier one
// as it was. The engine in the working directory does not log its writes
// (durableWrites: false; nothing is acknowledged before the output is
// durable), so a crash leaves there a database that opens with what it had
// flushed.
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { DurableFile } from "./durable-file.js";
import { csvBatches, BadRowError, BATCH_ROWS, CsvBatch, CsvProgress } from "./csv-batch.js";
import { AHEAD, type CsvWorkerCredit, type CsvWorkerData, type CsvWorkerMessage } from "./csv-worker-protocol.js";
import { adoptEncoding } from "../batch/batch.js";
import { isMultiCell } from "../types/cqltype.js";
import { WriteEngine } from "../engine/engine.js";
import { ScratchStorage } from "./scratch-storage.js";
import { recordToPartition } from "../cql/records.js";
import { CqliteError, InvalidValueError } from "../errors.js";
import { encodeMutation, InvalidMutationError } from "../engine/mutation.js";
import { FormatVersion } from "../sstable/version.js";
import { readChunks, ExportReport } from "../export/export.js";

export interface LoadOptions {
  schema: string;
  input: string;
  out?: string;
  outDir?: string;
  keyspace?: string;
  table?: string;
  skipBad?: boolean;
  format?: FormatVersion;
  /** progress lines: a bar on a terminal, plain lines otherwise */
  progress?: (line: string, final: boolean) => void;
  tty?: boolean;
  /** false: CSV is read, staged and encoded in this thread, not the package's worker (default true) */
  stageInWorker?: boolean;
}

export { BadRowError };

export interface LoadReport {
  rows: number;
  skipped: number;
  bytesRead: number;
  seconds: number;
  /** of which reading the input and writing it into the engine (the rest merges, validates and writes the output) */
  ingestSeconds: number;
  files: { name: string; size: number }[];
  zipBytes: number;
  /** where the export's share of seconds went */
  exportPhases: ExportReport["phases"];
  /** CSV was read, staged and encoded on a thread of its own (csv-worker.ts) */
  stagedInWorker: boolean;
}

/** The input file, counting the bytes read so far (for the progress line). */
function counted(path: string, read: { bytes: number }) {
  // large reads: the CSV reader copies only an unfinished record from one to the next
  const rs = createReadStream(path, { highWaterMark: 1 << 20 });
  rs.on("data", (c) => (read.bytes += c.length));
  return rs;
}

const isNdjson = (path: string) => /\.(nd)?jsonl?$/i.test(path);

async function* ndjsonRecords(path: string, read: { bytes: number }): AsyncGenerator<{ line: number; record: Record<string, unknown> | Error }> {
  const rl = createInterface({ input: counted(path, read), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (!text.trim()) continue;
    try {
      const r = JSON.parse(text);
      if (typeof r !== "object" || r === null || Array.isArray(r)) throw new Error("not a JSON object");
      yield { line, record: r };
    } catch (e) {
      yield { line, record: e as Error };
    }
  }
}

/**
 * CSV straight into batches (src/cli/csv-batch.ts), staged and encoded on a
 * thread of their own where the package's worker is there (csv-worker.ts)
 * and the table has no multi-cell column (whose cells are staged with the
 * write's time, which the worker learns only once a batch is staged); in
 * this thread otherwise, as when the source runs under a test runner. The
 * rows written are the same either way.
 */
async function loadCsv(e: WriteEngine, o: LoadOptions, report: LoadReport, show: (final: boolean) => void): Promise<void> {
  const progress = { bytesRead: 0, skipped: 0 };
  const worker = o.stageInWorker !== false && !e.schema.columns.some((c) => isMultiCell(c.type)) ? csvWorkerUrl() : null;
  report.stagedInWorker = worker !== null;
  const batches = worker
    ? workerBatches(worker, e, o, progress)
    : csvBatches(createReadStream(o.input, { highWaterMark: 1 << 20 }), e.schema, !!o.skipBad, progress, (lines) => e.newBatch(BATCH_ROWS, (r) => `line ${lines[r]}`));
  for await (const { batch } of batches) {
    await e.writeBatch(batch);
    report.rows += batch.rows;
    report.bytesRead = progress.bytesRead;
    show(false);
  }
  report.skipped = progress.skipped;
}

/** The package's CSV worker beside this module (dist/csv-worker.js), or null where there is none (the source). */
function csvWorkerUrl(): URL | null {
  const url = new URL("./csv-worker.js", import.meta.url);
  return url.protocol === "file:" && existsSync(fileURLToPath(url)) ? url : null;
}

/**
 * The worker's batches: each an engine batch, its write time reserved here
 * when its credit went to the worker, given the payload the worker encoded
 * with that time. Batches are applied in the order credits went out.
 */
async function* workerBatches(url: URL, e: WriteEngine, o: LoadOptions, progress: CsvProgress): AsyncGenerator<CsvBatch> {
  const data: CsvWorkerData = { input: o.input, schema: o.schema, skipBad: !!o.skipBad };
  const w = new Worker(url, { workerData: data });
  const inbox: (CsvWorkerMessage | Error)[] = [];
  let wake: (() => void) | null = null;
  const deliver = (m: CsvWorkerMessage | Error) => {
    inbox.push(m);
    wake?.();
  };
  w.on("message", deliver);
  w.on("error", deliver);
  w.on("exit", (code) => deliver(new Error(`the CSV worker exited (${code}) before the input's end`)));
  // the batches credited, oldest first, each naming its rows by the lines its message brings
  const credited: CsvBatch[] = [];
  const credit = () => {
    const slot: CsvBatch = { batch: e.newBatch(BATCH_ROWS, (r) => `line ${slot.lines[r]}`), lines: new Int32Array(0) };
    credited.push(slot);
    w.postMessage(slot.batch.write satisfies CsvWorkerCredit);
  };
  try {
    for (let i = 0; i < AHEAD; i++) credit();
    for (;;) {
      while (inbox.length === 0) await new Promise<void>((r) => (wake = r));
      const m = inbox.shift()!;
      if (m instanceof Error) throw m;
      if (m.kind === "bad") throw new BadRowError(m.line, m.reason);
      if (m.kind === "error") throw m.code ? new CqliteError(m.code, m.message) : new Error(m.message);
      progress.bytesRead = m.bytesRead;
      progress.skipped = m.skipped;
      if (m.kind === "done") return;
      const slot = credited.shift()!;
      slot.lines = m.lines;
      adoptEncoding(slot.batch, m.rows, m.payload);
      yield slot;
      credit();
    }
  } finally {
    await w.terminate();
  }
}

/** NDJSON as records, a batch of BATCH_ROWS at a time; a line that is not a JSON object is a bad row. */
async function loadNdjson(e: WriteEngine, o: LoadOptions, report: LoadReport, show: (final: boolean) => void): Promise<void> {
  let batch: Pending[] = [];
  const read = { bytes: 0 };
  for await (const { line, record } of ndjsonRecords(o.input, read)) {
    if (record instanceof Error) {
      if (!o.skipBad) throw new BadRowError(line, record.message);
      report.skipped++;
      continue;
    }
    batch.push({ line, record });
    report.bytesRead = read.bytes;
    if (batch.length >= BATCH_ROWS) {
      await writeBatch(e, batch, o, report);
      batch = [];
      show(false);
    }
  }
  if (batch.length) await writeBatch(e, batch, o, report);
}

interface Pending {
  line: number;
  record: Record<string, unknown>;
}

/**
 * Writes a batch of records in one insert. If a record is bad, the host's
 * per-record checks find which (and say why, by line): it stops the load,
 * or with skipBad is left out and the rest are written.
 */
async function writeBatch(e: WriteEngine, batch: Pending[], o: LoadOptions, report: LoadReport): Promise<void> {
  try {
    await e.insert(batch.map((b) => b.record));
    report.rows += batch.length;
    return;
  } catch (err) {
    if (!(err instanceof InvalidValueError || err instanceof InvalidMutationError)) throw err;
    const good = batch.filter((b) => {
      try {
        encodeMutation(e.schema, [recordToPartition(e.schema, b.record, 0n, 0)]);
        return true;
      } catch (bad) {
        if (!o.skipBad) throw new BadRowError(b.line, (bad as Error).message);
        report.skipped++;
        return false;
      }
    });
    if (good.length === batch.length) throw err;
    if (good.length) await e.insert(good.map((b) => b.record));
    report.rows += good.length;
  }
}

export async function load(o: LoadOptions): Promise<LoadReport> {
  const t0 = performance.now();
  const inputBytes = statSync(o.input).size;
  const dir = mkdtempSync(join(tmpdir(), "cqlite-load-"));
  const storage = await ScratchStorage.open(dir);
  const e = await WriteEngine.open({ storage, schema: o.schema, walSync: "none", durableWrites: false, flushThresholdBytes: 16 << 20, format: o.format });
  const report: LoadReport = { rows: 0, skipped: 0, bytesRead: 0, seconds: 0, ingestSeconds: 0, files: [], zipBytes: 0, exportPhases: { writeMs: 0, validateMs: 0, zipMs: 0 }, stagedInWorker: false };
  let lastShown = 0;
  const show = (final: boolean) => {
    const now = performance.now();
    if (!final && now - lastShown < (o.tty ? 150 : 5000)) return;
    lastShown = now;
    const secs = (now - t0) / 1000;
    const rate = Math.round(report.rows / Math.max(secs, 0.001));
    if (o.tty) {
      const frac = Math.min(1, report.bytesRead / Math.max(1, inputBytes));
      const bar = "#".repeat(Math.round(frac * 30)).padEnd(30, ".");
      o.progress?.(`\r[${bar}] ${(frac * 100).toFixed(0)}% ${report.rows} rows ${rate} rows/s ${(report.bytesRead / 1e6).toFixed(1)} MB`, final);
    } else o.progress?.(`${report.rows} rows, ${rate} rows/s, ${(report.bytesRead / 1e6).toFixed(1)} of ${(inputBytes / 1e6).toFixed(1)} MB`, final);
  };
  try {
    await (isNdjson(o.input) ? loadNdjson : loadCsv)(e, o, report, show);
    report.bytesRead = inputBytes;
    // the zip under a temporary name until it is whole and synced; each file of a directory synced
    report.ingestSeconds = (performance.now() - t0) / 1000;
    const out = o.out ? await DurableFile.create(o.out) : null;
    try {
      const exp = await e.exportSSTable({ keyspace: o.keyspace, table: o.table, version: o.format, keep: o.outDir ? true : undefined, zip: out ? (chunk) => out.write(chunk) : undefined });
      if (o.outDir) {
        for (const f of exp.files) {
          const target = join(o.outDir, f.name);
          const ws = await DurableFile.create(target);
          for await (const c of readChunks(storage, `export/${f.name}`)) await ws.write(c);
          await ws.commit();
        }
      }
      await out?.commit();
      report.files = exp.files;
      report.zipBytes = exp.zipBytes;
      report.exportPhases = exp.phases;
    } catch (err) {
      await out?.abandon();
      throw err;
    }
    report.seconds = (performance.now() - t0) / 1000;
    show(true);
    return report;
  } finally {
    await e.close().catch(() => undefined);
    await storage.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

