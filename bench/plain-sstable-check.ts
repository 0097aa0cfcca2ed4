// Checks bench/plain-sstable.ts against the wasm core (every component byte
// for byte), then times both on the benchmark's workload: row stream → all
// SSTable components, MB/s of Data.db.
import { loadCoreNode } from "../src/core/load-node.js";
import { parseTable } from "../src/cql/ddl.js";
import { encodePartitions } from "../src/core/rowstream.js";
import { tokenOf } from "../src/core/token.js";
import { encodeValue } from "../src/types/codec.js";
import { comparePartitions } from "../src/schema/order.js";
import { SSTableWriter, MemorySink, NO_STATS } from "../src/sstable/writer.js";
import { Partition } from "../src/sstable/model.js";
import { encodeSSTablePlain } from "./plain-sstable.js";
import { KV_PLAIN, kvSlices } from "./workload.js";
import { measureAsync, measure, fmt } from "./stats.js";

loadCoreNode();

const ROWS = 100_000;
const schema = KV_PLAIN;
const workload = kvSlices;

/**
 * A second, small correctness case off the benchmark's beaten path: text keys
 * of many lengths with bytes >= 0x80 (Murmur3 blocks and signed tails), rows
 * missing columns, cells with their own timestamps (one before the epoch: a
 * 9-byte vint), empty values, rows without liveness, partition deletions, a
 * sparse cardinality sketch.
 */
const mixed = parseTable("CREATE TABLE bench.mixed (k text PRIMARY KEY, a int, b text, c bigint) WITH compression = {'enabled': 'false'}");
function mixedWorkload(n: number): Uint8Array[] {
  const ts = 1_700_000_000_000_000n;
  const col = (name: string) => mixed.columnIndex(name);
  const ps: Partition[] = [];
  for (let i = 0; i < n; i++) {
    const key = encodeValue({ kind: "text" }, "k" + "é".repeat(i % 23) + "x".repeat(i % 7) + i);
    const cells = [];
    if (i % 3 !== 0) cells.push({ column: col("a"), timestamp: ts, value: encodeValue({ kind: "int" }, i) });
    if (i % 5 !== 1) cells.push({ column: col("b"), timestamp: i % 11 === 0 ? ts + BigInt(i) : ts, value: encodeValue({ kind: "text" }, "v".repeat(i % 200)) });
    if (i % 4 === 2) cells.push({ column: col("c"), timestamp: i === 42 ? 1000n : ts - 5n, value: encodeValue({ kind: "bigint" }, BigInt(i)) });
    cells.sort((x, y) => x.column - y.column);
    const p: Partition = { key, token: tokenOf(key), unfiltereds: [] };
    if (i % 13 === 0) p.deletion = { markedForDeleteAt: ts - 100n, localDeletionTime: 1_700_000_000 + (i % 3) * 90 };
    if (i % 17 !== 0) p.unfiltereds.push({ type: "row", row: { clustering: [], liveness: i % 9 === 0 ? undefined : { timestamp: ts, ttl: 0, localExpirationTime: 0x7fffffff }, cells } });
    ps.push(p);
  }
  ps.sort((a, b) => comparePartitions(a.token, a.key, b.token, b.key));
  const slices: Uint8Array[] = [];
  for (let i = 0; i < ps.length; i += 700) slices.push(encodePartitions(ps.slice(i, i + 700)));
  return slices;
}

/** The core path, all components collected as encodeSSTablePlain returns them. */
async function coreEncode(slices: Uint8Array[], rows: number, table = schema): Promise<Map<string, Uint8Array>> {
  const sink = new MemorySink();
  const w = new SSTableWriter(table, sink, { version: "nb", generation: 1, expectedKeys: rows, encodingStats: NO_STATS });
  for (const s of slices) await w.appendStream(s, null, null);
  await w.finish();
  const out = new Map<string, Uint8Array>();
  for (const c of sink.components()) out.set(c, sink.get(c)!);
  return out;
}

function compare(core: Map<string, Uint8Array>, plain: Map<string, Uint8Array>): string[] {
  const same: string[] = [];
  for (const [name, mine] of plain) {
    const ref = core.get(name);
    if (!ref) throw new Error(`${name}: the core wrote no such component`);
    const n = Math.min(ref.length, mine.length);
    let i = 0;
    while (i < n && ref[i] === mine[i]) i++;
    if (i < n || ref.length !== mine.length)
      throw new Error(`${name}: differs from the core at offset ${i} (core ${ref.length} bytes, plain ${mine.length} bytes)`);
    same.push(name);
  }
  return same;
}

async function main(): Promise<void> {
  const small = mixedWorkload(3000);
  const sameSmall = compare(await coreEncode(small, 2500, mixed), encodeSSTablePlain(mixed, NO_STATS, small, 2500));
  console.log(`mixed check, byte-identical: ${sameSmall.join(", ")}`);
  const slices = workload(ROWS);
  const ref = await coreEncode(slices, ROWS);
  const plain = encodeSSTablePlain(schema, NO_STATS, slices, ROWS);
  const same = compare(ref, plain);
  const missing = [...ref.keys()].filter((c) => !plain.has(c));
  console.log(`byte-identical: ${same.join(", ")}${missing.length ? `; not produced: ${missing.join(", ")}` : ""}`);
  const mb = ref.get("Data.db")!.length / 1e6;
  for (let i = 0; i < 3; i++) {
    await coreEncode(slices, ROWS);
    encodeSSTablePlain(schema, NO_STATS, slices, ROWS);
  }
  const core = await measureAsync(7, async () => {
    const t = performance.now();
    await coreEncode(slices, ROWS);
    return mb / ((performance.now() - t) / 1000);
  });
  const ts = measure(7, () => {
    const t = performance.now();
    encodeSSTablePlain(schema, NO_STATS, slices, ROWS);
    return mb / ((performance.now() - t) / 1000);
  });
  console.log(`core: row stream → SSTable (${ROWS} rows, Data.db ${mb.toFixed(1)} MB): ${fmt(core, "MB/s")}`);
  console.log(`plain TypeScript: row stream → SSTable: ${fmt(ts, "MB/s")}`);
  console.log(`ratio core/plain (medians): ×${(core.median / ts.median).toFixed(2)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
