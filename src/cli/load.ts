// `cqlite-web load`: CSV or NDJSON streamed through the engine (on files in a
// temporary directory, so memory stays bounded) and exported as Cassandra
// SSTables in Cassandra's layout, as a zip or a directory.
import { createReadStream, createWriteStream, mkdtempSync, rmSync, mkdirSync, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { Readable } from "node:stream";
import { csvRecords, BadRecordError } from "../tools/records.js";
import { WriteEngine } from "../engine/engine.js";
import { NodeFileStorage } from "../storage/node.js";
import { recordToPartition } from "../cql/records.js";
import { CqliteError, InvalidValueError } from "../errors.js";
import { encodeMutation, InvalidMutationError } from "../engine/mutation.js";
import { FormatVersion } from "../sstable/version.js";
import { readChunks } from "../export/export.js";

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
}

export class BadRowError extends CqliteError {
  constructor(readonly line: number, reason: string) {
    super("BAD_ROW", `line ${line}: ${reason}`);
  }
}

export interface LoadReport {
  rows: number;
  skipped: number;
  bytesRead: number;
  seconds: number;
  files: { name: string; size: number }[];
  zipBytes: number;
}

/** The input file, counting the bytes read so far (for the progress line). */
function counted(path: string, read: { bytes: number }) {
  const rs = createReadStream(path);
  rs.on("data", (c) => (read.bytes += c.length));
  return rs;
}

async function* records(path: string, read: { bytes: number }): AsyncGenerator<{ line: number; record: Record<string, unknown> | Error }> {
  if (/\.(nd)?jsonl?$/i.test(path)) {
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
    return;
  }
  // empty CSV fields are nulls, as cqlsh COPY reads them; a malformed record ends the input
  try {
    yield* csvRecords(Readable.toWeb(counted(path, read)) as ReadableStream<Uint8Array>, Infinity);
  } catch (e) {
    if (!(e instanceof BadRecordError)) throw e;
    yield { line: e.line, record: new Error(e.reason) };
  }
}

/** Records per write: the engine encodes each batch in one core call. */
const BATCH_ROWS = 2000;

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
  const storage = await NodeFileStorage.open(dir);
  const e = await WriteEngine.open({ storage, schema: o.schema, walSync: "none", flushThresholdBytes: 16 << 20, format: o.format });
  const report: LoadReport = { rows: 0, skipped: 0, bytesRead: 0, seconds: 0, files: [], zipBytes: 0 };
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
    let batch: Pending[] = [];
    const read = { bytes: 0 };
    for await (const { line, record } of records(o.input, read)) {
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
    report.bytesRead = inputBytes;
    let out: ReturnType<typeof createWriteStream> | null = null;
    if (o.out) {
      mkdirSync(dirname(o.out), { recursive: true });
      out = createWriteStream(o.out);
    }
    const exp = await e.exportSSTable({
      keyspace: o.keyspace, table: o.table, version: o.format,
      zip: out ? (chunk) => new Promise<void>((res, rej) => out!.write(chunk, (err) => (err ? rej(err) : res()))) : undefined,
    });
    if (out) await new Promise<void>((res) => out!.end(res));
    if (o.outDir) {
      for (const f of exp.files) {
        const target = join(o.outDir, f.name);
        mkdirSync(dirname(target), { recursive: true });
        const ws = createWriteStream(target);
        for await (const c of readChunks(storage, `export/${f.name}`)) await new Promise<void>((res, rej) => ws.write(c, (err) => (err ? rej(err) : res())));
        await new Promise<void>((res) => ws.end(res));
      }
    }
    report.files = exp.files;
    report.zipBytes = exp.zipBytes;
    report.seconds = (performance.now() - t0) / 1000;
    show(true);
    return report;
  } finally {
    await e.close().catch(() => undefined);
    await storage.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

