// The encode benchmarks' rows, in one place: (id int, ~100-byte text), one
// row per partition, as row-stream slices of 6000 partitions in token order,
// the way a memtable flush hands them to the writer.
import { parseTable } from "../src/cql/ddl.js";
import { encodePartitions } from "../src/core/rowstream.js";
import { tokenOf } from "../src/core/token.js";
import { encodeValue } from "../src/types/codec.js";
import { comparePartitions } from "../src/schema/order.js";
import { Partition } from "../src/sstable/model.js";

export const KV_PLAIN = parseTable("CREATE TABLE bench.kv (id int PRIMARY KEY, payload text) WITH compression = {'enabled': 'false'}");

export function kvSlices(rows: number): Uint8Array[] {
  const text = "x".repeat(100);
  const ts = 1_700_000_000_000_000n;
  const ps: Partition[] = [];
  for (let i = 0; i < rows; i++) {
    const key = encodeValue({ kind: "int" }, i);
    ps.push({
      key, token: tokenOf(key),
      unfiltereds: [{ type: "row", row: { clustering: [], liveness: { timestamp: ts, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: ts, value: encodeValue({ kind: "text" }, text + i) }] } }],
    });
  }
  ps.sort((a, b) => comparePartitions(a.token, a.key, b.token, b.key));
  const slices: Uint8Array[] = [];
  for (let i = 0; i < ps.length; i += 6000) slices.push(encodePartitions(ps.slice(i, i + 6000)));
  return slices;
}
