// Node benchmarks: the wasm core against plain-TypeScript peers of the same
// paths (row stream → SSTable, merge), each held to the core's bytes first;
// then the engine. Run with `npm run bench [-- --smoke]`.
import { mkdirSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { loadCoreNode } from "../src/core/load-node.js";
import { SSTableWriter, MemorySink, NO_STATS } from "../src/sstable/writer.js";
import { encodeStreamPlain } from "./plain-encoder.js";
import { encodeSSTablePlain } from "./plain-sstable.js";
import { KV_PLAIN, kvSlices } from "./workload.js";
import { mergeBenchmark } from "./plain-merge-check.js";
import { measureRoundRobin, fmt, Measure } from "./stats.js";
import { writes, compaction, exports, cliLoad, cql, cleanup, Row } from "./engine.js";
import { largeReads } from "./reads.js";
import { partitionDecode } from "./decode.js";
import { pipeline } from "./pipeline.js";
import { memtableBench } from "./memtable.js";

const smoke = process.argv.includes("--smoke");
loadCoreNode();

const schema = KV_PLAIN;
const workload = kvSlices;

/** The core's SSTable: every component, as the writer produced them. */
async function coreEncode(slices: Uint8Array[], rows: number): Promise<Map<string, Uint8Array>> {
  // Data.db's buffer sized from the input, as the plain peer sizes its own
  const sink = new MemorySink({ "Data.db": slices.reduce((n, s) => n + s.length, 0) });
  const w = new SSTableWriter(schema, sink, { version: "nb", generation: 1, expectedKeys: rows, encodingStats: NO_STATS });
  for (const s of slices) await w.appendStream(s, null, null);
  await w.finish();
  return new Map(sink.components().map((c) => [c, sink.get(c)!]));
}

function plainEncode(slices: Uint8Array[]): Uint8Array[] {
  return slices.map((s) => encodeStreamPlain(schema, NO_STATS, s));
}

export interface Result {
  name: string;
  value: Measure;
  unit: string;
  peer?: string;
  ratio?: number;
  note?: string;
}

async function coreParts(): Promise<Result[]> {
  const rows = smoke ? 5_000 : 100_000;
  const runs = smoke ? 2 : 7;
  const stream = workload(rows);
  const ref = await coreEncode(stream, rows);
  const data = ref.get("Data.db")!;
  // the peers are held to the core's bytes before they are timed
  if (Buffer.compare(Buffer.from(data), Buffer.concat(plainEncode(stream))) !== 0) throw new Error("plain encoder disagrees with the core");
  for (const [component, bytes] of encodeSSTablePlain(schema, NO_STATS, stream, rows))
    if (Buffer.compare(Buffer.from(ref.get(component)!), Buffer.from(bytes)) !== 0) throw new Error(`plain SSTable encoder: ${component} disagrees with the core`);
  const mb = data.length / 1e6;
  // warm all up: V8 tiers wasm and JS up by call count
  for (let i = 0; i < 3; i++) {
    await coreEncode(stream, rows);
    encodeSSTablePlain(schema, NO_STATS, stream, rows);
    plainEncode(stream);
  }
  // interleaved: the core and its peers meet the same phases of the machine
  const { core, full, ts } = await measureRoundRobin(runs, {
    core: async () => {
      const t = performance.now();
      await coreEncode(stream, rows);
      return mb / ((performance.now() - t) / 1000);
    },
    full: () => {
      const t = performance.now();
      encodeSSTablePlain(schema, NO_STATS, stream, rows);
      return mb / ((performance.now() - t) / 1000);
    },
    ts: () => {
      const t = performance.now();
      plainEncode(stream);
      return mb / ((performance.now() - t) / 1000);
    },
  });
  const results: Result[] = [
    { name: `core: row stream → SSTable (${rows} rows, Data.db ${mb.toFixed(1)} MB, all eight components)`, value: core, unit: "MB/s", peer: "plain TypeScript SSTable encoder", ratio: core.median / full.median },
    { name: "plain TypeScript: the same SSTable, byte-identical components", value: full, unit: "MB/s" },
    { name: "plain TypeScript: Data.db alone (no index, filter, summary, statistics or checksums)", value: ts, unit: "MB/s", note: `the core is ×${(core.median / ts.median).toFixed(2)} of this, while doing all of it` },
  ];
  const m = mergeBenchmark(smoke);
  results.push(
    { name: `core: merge ${m.inputs} overlapping inputs of ${m.perInput} partitions (${m.inMB.toFixed(1)} MB)`, value: m.core, unit: "MB/s", peer: "plain TypeScript merge", ratio: m.core.median / m.plain.median },
    { name: "plain TypeScript: the same merge, byte-identical output", value: m.plain, unit: "MB/s" },
  );
  return results;
}

const print = (r: Result) => console.log(`${r.name}: ${fmt(r.value, r.unit)}${r.ratio ? `  ×${r.ratio.toFixed(2)} vs ${r.peer}` : ""}${r.note ? `  (${r.note})` : ""}`);

async function main(): Promise<void> {
  const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7);
  // the core's figures come from a full run or --only=core; another part alone leaves them as they were
  const results: Result[] = !only || only === "core" ? await coreParts() : [];
  results.forEach(print);
  const engineRuns = smoke ? 1 : 5;
  const parts: [string, () => Promise<Row[]>][] = [
    ["writes", () => writes(smoke, engineRuns)], ["compaction", () => compaction(smoke, smoke ? 1 : 3)],
    ["export", () => exports(smoke, engineRuns)], ["load", () => cliLoad(smoke, engineRuns)], ["cql", () => cql(smoke, smoke ? 1 : 5)],
    ["reads", () => largeReads(smoke)], ["decode", () => partitionDecode(smoke)], ["pipeline", () => pipeline(smoke, smoke ? 1 : 5)],
    ["memtable", () => memtableBench(smoke, smoke ? 1 : 5)],
  ];
  const byPart: Record<string, Result[]> = { core: results.slice() };
  const ran = (name: string) => !only || only === name;
  for (const [name, part] of parts) {
    if (!ran(name)) continue;
    const rs: Row[] = await part();
    rs.forEach(print);
    results.push(...rs);
    byPart[name] = rs;
  }
  const partNames = [["core"], ...parts];
  cleanup();
  if (!smoke) {
    // results by part, so a run of one part (--only=NAME) keeps the others
    mkdirSync("bench/results", { recursive: true });
    const file = "bench/results/latest.json";
    const prev = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
    const parts = { ...(prev.node?.parts ?? {}) } as Record<string, unknown>;
    for (const [name] of partNames) if (ran(name)) parts[name] = byPart[name];
    const json = JSON.stringify({ ...prev, node: { date: new Date().toISOString(), parts } }, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2);
    writeFileSync(file, json);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
