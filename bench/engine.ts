// Engine benchmarks in Node: durable writes at several batch sizes, flush,
// compaction per policy (MB/s, write amplification, budget adherence), export
// with peak memory, and the CLI load of a large CSV.
import { mkdtempSync, rmSync, writeFileSync, createWriteStream, readFileSync, statSync, openSync, fsyncSync, closeSync } from "node:fs";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { NodeFileStorage } from "../src/storage/node.js";
import type { Storage } from "../src/storage/storage.js";
import { encodeValue } from "../src/types/codec.js";
import { Partition } from "../src/sstable/model.js";
import { PolicySpec } from "../src/compaction/policies.js";
import { Measure, measureAsync } from "./stats.js";
import { StatementCache, writeStatement } from "../src/cql/execute.js";
import { parseStatement } from "../src/cql/statements.js";
import { parseTable } from "../src/cql/ddl.js";

export interface Row {
  name: string;
  value: Measure;
  unit: string;
  note?: string;
}

export const KV = "CREATE TABLE bench.kv (id int PRIMARY KEY, payload text)";
const TEXT = "p".repeat(100);
let clock = 1_700_000_000_000_000n;

/** One row of the kv table, at the next timestamp. */
export function kv(id: number): Partition {
  const ts = clock++;
  return {
    key: encodeValue({ kind: "int" }, id), token: 0n,
    unfiltereds: [{ type: "row", row: { clustering: [], liveness: { timestamp: ts, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: ts, value: encodeValue({ kind: "text" }, TEXT + id) }] } }],
  };
}

const dirs: string[] = [];
async function files(): Promise<Storage> {
  const d = mkdtempSync(join(tmpdir(), "cqlite-bench-"));
  dirs.push(d);
  return NodeFileStorage.open(d);
}
export function cleanup(): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

export async function writes(smoke: boolean, runs: number): Promise<Row[]> {
  const out: Row[] = [];
  for (const [label, make] of [["files", files], ["memory", async () => new MemoryStorage()]] as const) {
    for (const batch of [1, 100, 10_000]) {
      const total = smoke ? Math.min(2000, batch * 4) : batch === 1 ? 5_000 : 200_000;
      const m = await measureAsync(runs, async () => {
        const e = await WriteEngine.open({ storage: await make(), schema: KV, flushThresholdBytes: 1 << 30 });
        const t = performance.now();
        if (batch === 1) {
          // many concurrent single-row writers: group commit shares the flushes
          const writers = 64;
          let next = 0;
          await Promise.all(Array.from({ length: writers }, async () => {
            while (next < total) await e.writePartitions([kv(next++)]);
          }));
        } else {
          for (let i = 0; i < total; i += batch) await e.writePartitions(Array.from({ length: batch }, (_, j) => kv(i + j)));
        }
        const rate = total / ((performance.now() - t) / 1000);
        await e.close();
        return rate;
      });
      out.push({ name: `durable writes, batch ${batch}${batch === 1 ? " (64 concurrent writers)" : ""}, ${label}`, value: m, unit: "rows/s" });
    }
  }
  // flush: memtable → SSTable
  const rows = smoke ? 20_000 : 300_000;
  let mb = 0;
  const flush = await measureAsync(runs, async () => {
    const e = await WriteEngine.open({ storage: await files(), schema: KV, flushThresholdBytes: 1 << 30, walSync: "none" });
    for (let i = 0; i < rows; i += 10_000) await e.writePartitions(Array.from({ length: 10_000 }, (_, j) => kv(i + j)));
    const t = performance.now();
    const info = await e.flush();
    const secs = (performance.now() - t) / 1000;
    mb = info!.dataLength / 1e6;
    await e.close();
    return mb / secs;
  });
  out.push({ name: `flush ${rows} rows (${mb.toFixed(1)} MB uncompressed) to files`, value: flush, unit: "MB/s" });
  return out;
}

export async function compaction(smoke: boolean, runs: number): Promise<Row[]> {
  const out: Row[] = [];
  const flushes = smoke ? 4 : 8;
  const perFlush = smoke ? 5000 : 40_000;
  const policies: PolicySpec[] = [
    { kind: "size-tiered" },
    { kind: "leveled", sstableSize: 2 << 20 },
    { kind: "time-window", windowUnit: "MINUTES", windowSize: 1 },
  ];
  for (const policy of policies) {
    let amp = 0, mb = 0, overs: number[] = [];
    const m = await measureAsync(runs, async () => {
      const storage = await files();
      const e = await WriteEngine.open({ storage, schema: KV, flushThresholdBytes: 1 << 30, walSync: "none" });
      let flushedBytes = 0;
      for (let f = 0; f < flushes; f++) {
        // overlapping keys, so merges reconcile real duplicates
        await e.writePartitions(Array.from({ length: perFlush }, (_, j) => kv((f * perFlush) / 2 + j)));
        flushedBytes += (await e.flush())!.dataLength;
      }
      e.setMergePolicy(policy);
      const budget = 16;
      overs = [];
      const t = performance.now();
      for (;;) {
        const s = performance.now();
        const r = await e.maintenanceStep(budget);
        const took = performance.now() - s;
        if (r.compaction !== null) overs.push(took / budget); // every call that had work
        if (!r.pending) break;
      }
      const secs = (performance.now() - t) / 1000;
      const st = e.maintenanceStats();
      mb = st.bytesRead / 1e6;
      amp = (flushedBytes + st.bytesWritten) / flushedBytes;
      await e.close();
      return mb / secs;
    });
    overs.sort((a, b) => a - b);
    const p = (q: number) => overs[Math.min(overs.length - 1, Math.floor(q * overs.length))] ?? 0;
    out.push({
      name: `compaction, ${policy.kind} (${flushes} flushes of ${perFlush} rows)`, value: m, unit: "MB/s",
      note: `write amplification ${amp.toFixed(2)}; ${overs.length} calls of 16 ms, time/budget p10 ${p(0.1).toFixed(2)}, median ${p(0.5).toFixed(2)}, p90 ${p(0.9).toFixed(2)}, max ${p(1).toFixed(2)}; ${Math.round((100 * overs.filter((x) => x >= 0.9 && x <= 1.1).length) / Math.max(1, overs.length))}% within ±10%, ${Math.round((100 * overs.filter((x) => x <= 1.1).length) / Math.max(1, overs.length))}% at most +10%`,
    });
  }
  return out;
}

function peakDuring<T>(f: () => Promise<T>): Promise<{ result: T; peakMB: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  return f().then((result) => {
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, peakMB: peak / 1e6 };
  });
}

export async function exports(smoke: boolean, runs: number): Promise<Row[]> {
  const out: Row[] = [];
  for (const rows of smoke ? [10_000] : [100_000, 400_000]) {
    let zipMB = 0, zipRate = 0, grew = 0, peak = 0;
    const rate = await measureAsync(runs, async () => {
      const e = await WriteEngine.open({ storage: await files(), schema: KV, flushThresholdBytes: 16 << 20, walSync: "none" });
      for (let i = 0; i < rows; i += 10_000) await e.writePartitions(Array.from({ length: 10_000 }, (_, j) => kv(i + j)));
      await e.flush();
      (globalThis as { gc?: () => void }).gc?.();
      const zipPath = join(mkdtempSync(join(tmpdir(), "cqlite-zip-")), "export.zip");
      const ws = createWriteStream(zipPath);
      const base = process.memoryUsage().rss / 1e6;
      const t = performance.now();
      const { result, peakMB } = await peakDuring(() =>
        e.exportSSTable({ zip: (c) => new Promise<void>((res, rej) => ws.write(c, (err) => (err ? rej(err) : res()))) }),
      );
      const secs = (performance.now() - t) / 1000;
      ws.end();
      await e.close();
      zipMB = result.zipBytes / 1e6;
      zipRate = zipMB / secs;
      grew = Math.max(grew, peakMB - base);
      peak = Math.max(peak, peakMB);
      return rows / secs;
    });
    out.push({
      name: `export ${rows} rows (${zipMB.toFixed(1)} MB zip of LZ4 SSTables), with validation`, value: rate, unit: "rows/s",
      note: `${zipRate.toFixed(1)} MB/s of zip (last run); RSS grew at most ${grew.toFixed(0)} MB during an export (peak ${peak.toFixed(0)} MB)`,
    });
  }
  return out;
}

/**
 * The CLI's load, in a child process per input size (its own peak RSS, read
 * from /proc), so a flat peak across sizes shows memory bounded by the
 * engine's thresholds, not by the input.
 */
/** The export's phases of the median run (by their sum), in seconds. */
function exportPhases(runs: number[][]): string {
  const [write, validate, zip] = [...runs].sort((a, b) => a[0] + a[1] + a[2] - (b[0] + b[1] + b[2]))[runs.length >> 1];
  return `merge and write ${write} s, validation ${validate} s, zip ${zip} s`;
}

export async function cliLoad(smoke: boolean, runs: number): Promise<Row[]> {
  const out: Row[] = [];
  for (const rows of smoke ? [20_000] : [1_000_000, 3_000_000]) {
    // the larger input runs once: it is the memory check, the smaller one the throughput figure
    const times = rows > 1_000_000 ? 1 : runs;
    const dir = mkdtempSync(join(tmpdir(), "cqlite-load-bench-"));
    dirs.push(dir);
    const csv = join(dir, "rows.csv");
    const ws = createWriteStream(csv);
    ws.write("id,payload\n");
    for (let i = 0; i < rows; i++) if (!ws.write(`${i},${TEXT}${i}\n`)) await new Promise<void>((r) => ws.once("drain", () => r()));
    await new Promise<void>((res) => ws.end(res));
    // on disk before the first timed run: the kernel writing back 100+ MB of fresh pages fell inside the runs
    const fd = openSync(csv, "r+");
    fsyncSync(fd);
    closeSync(fd);
    writeFileSync(join(dir, "schema.cql"), KV);
    let peak = 0;
    const ingest: number[] = [];
    const phases: number[][] = [];
    const rate = await measureAsync(times, async () => {
      const t = performance.now();
      const child = spawn(process.execPath, ["bin/cqlite-web.mjs", "load", "--schema", join(dir, "schema.cql"), "--input", csv, "--out", join(dir, "out.zip")], { stdio: ["ignore", "pipe", "ignore"] });
      let said = "";
      child.stdout.on("data", (c) => (said += c));
      const sample = setInterval(() => {
        try {
          peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))![1]) / 1024);
        } catch {
          // exited between samples
        }
      }, 50);
      const code = await new Promise<number | null>((r) => child.on("exit", r));
      clearInterval(sample);
      if (code !== 0) throw new Error(`load exited with ${code}`);
      // the CLI's last line says how long reading the rows in took; the rest is the export
      const reading = /\(([\d.]+) s reading them in, then the export: ([\d.]+) s merging and writing, ([\d.]+) s validating, ([\d.]+) s zipping/.exec(said);
      if (reading) {
        ingest.push(rows / Number(reading[1]));
        phases.push(reading.slice(2, 5).map(Number));
      }
      return rows / ((performance.now() - t) / 1000);
    });
    const inRates = ingest.sort((a, b) => a - b);
    out.push({
      name: `cqlite-web load: ${rows} CSV rows to a zip of SSTables (a process of its own${times === 1 && !smoke ? "; the memory check, one run" : ""})`, value: rate,
      unit: "rows/s", note: `peak RSS ${peak.toFixed(0)} MB; input ${(statSync(csv).size / 1e6).toFixed(0)} MB${inRates.length ? `; reading the rows in alone ${Math.round(inRates[inRates.length >> 1])} rows/s (median), the rest is the export's merge, validation and zip` : ""}${phases.length ? `; the export's ${exportPhases(phases)}` : ""}`,
    });
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

export async function cql(smoke: boolean, runs: number): Promise<Row[]> {
  const schema = parseTable("CREATE TABLE bench.ev (id int, at timestamp, name text, tags set<text>, PRIMARY KEY (id, at))");
  const n = smoke ? 2000 : 100_000;
  const ctx = { schema, timestamp: () => clock++, nowSeconds: 1_700_000_000 };
  const cache = new StatementCache();
  const prepared = await measureAsync(runs, async () => {
    const t = performance.now();
    for (let i = 0; i < n; i++) writeStatement(ctx, cache.get("INSERT INTO ev (id, at, name, tags) VALUES (?, ?, ?, ?)"), [i, BigInt(i), "name", ["a", "b"]]);
    return n / ((performance.now() - t) / 1000);
  });
  const literal = await measureAsync(runs, async () => {
    const t = performance.now();
    for (let i = 0; i < n; i++) writeStatement(ctx, parseStatement(`INSERT INTO ev (id, at, name, tags) VALUES (${i}, ${i}, 'name ${i}', {'a', 'b'})`), undefined);
    return n / ((performance.now() - t) / 1000);
  });
  const rate = await measureAsync(runs, async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE bench.ev (id int, at timestamp, name text, tags set<text>, PRIMARY KEY (id, at))", walSync: "none" });
    const t = performance.now();
    await Promise.all(Array.from({ length: Math.min(n, 20_000) }, (_, i) => e.execute("INSERT INTO ev (id, at, name) VALUES (?, ?, ?)", [i % 100, BigInt(i), "x"])));
    const r = Math.min(n, 20_000) / ((performance.now() - t) / 1000);
    await e.close();
    return r;
  });
  // the batch path: one statement prepared once, 1 000 bind rows per call, durable (walSync as configured by default)
  const total = smoke ? 5_000 : 200_000;
  const many = await measureAsync(runs, async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE bench.ev (id int, at timestamp, name text, tags set<text>, PRIMARY KEY (id, at))" });
    const t = performance.now();
    for (let i = 0; i < total; i += 1000) await e.executeMany("INSERT INTO ev (id, at, name) VALUES (?, ?, ?)", Array.from({ length: 1000 }, (_, k) => [i + k, BigInt(i + k), "x"]));
    const r = total / ((performance.now() - t) / 1000);
    await e.close();
    return r;
  });
  const columns = await measureAsync(runs, async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: KV });
    const t = performance.now();
    for (let i = 0; i < total; i += 10_000) {
      const id = new Int32Array(10_000), payload = new Array<string>(10_000);
      for (let k = 0; k < 10_000; k++) (id[k] = i + k), (payload[k] = TEXT + (i + k));
      await e.insertColumns({ id, payload });
    }
    const r = total / ((performance.now() - t) / 1000);
    await e.close();
    return r;
  });
  return [
    { name: `executeMany() prepared INSERT, ${total} bind rows in calls of 1000, memory storage`, value: many, unit: "statements/s" },
    { name: `insertColumns(), ${total} rows (int, 100-byte text) in calls of 10000, memory storage`, value: columns, unit: "rows/s" },
    { name: "CQL parse + convert, prepared (cached text, bind markers)", value: prepared, unit: "statements/s" },
    { name: "CQL parse + convert, a new text each time (literals)", value: literal, unit: "statements/s" },
    { name: "execute() INSERT end to end, 20k concurrent, memory storage, walSync none", value: rate, unit: "statements/s" },
  ];
}
