// Profiling aid: the core's row stream → SSTable path alone, for `node --cpu-prof`.
import { loadCoreNode } from "../src/core/load-node.js";
import { parseTable } from "../src/cql/ddl.js";
import { encodePartitions } from "../src/core/rowstream.js";
import { tokenOf } from "../src/core/token.js";
import { encodeValue } from "../src/types/codec.js";
import { comparePartitions } from "../src/schema/order.js";
import { SSTableWriter, MemorySink, NO_STATS } from "../src/sstable/writer.js";
import { Partition } from "../src/sstable/model.js";

loadCoreNode();
const schema = parseTable("CREATE TABLE bench.kv (id int PRIMARY KEY, payload text) WITH compression = {'enabled': 'false'}");
const ps: Partition[] = [];
for (let i = 0; i < 100_000; i++) {
  const key = encodeValue({ kind: "int" }, i);
  ps.push({ key, token: tokenOf(key), unfiltereds: [{ type: "row", row: { clustering: [], liveness: { timestamp: 1n, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: 1n, value: encodeValue({ kind: "text" }, "x".repeat(100) + i) }] } }] });
}
ps.sort((a, b) => comparePartitions(a.token, a.key, b.token, b.key));
const slices: Uint8Array[] = [];
for (let i = 0; i < ps.length; i += 6000) slices.push(encodePartitions(ps.slice(i, i + 6000)));
for (let r = 0; r < 15; r++) {
  const t = performance.now();
  const sink = new MemorySink();
  const w = new SSTableWriter(schema, sink, { version: "nb", generation: 1, expectedKeys: 100_000, encodingStats: NO_STATS });
  for (const s of slices) await w.appendStream(s, null, null);
  await w.finish();
  const mb = sink.get("Data.db")!.length / 1e6;
  if (r % 5 === 4) console.log(`${(mb / ((performance.now() - t) / 1000)).toFixed(0)} MB/s`);
}
