// The core writes an unsigned vint of 2 to 8 bytes with one 8-byte store
// (assembly/util/out.ts) and a row's size vints into room reserved before its
// body (exact bytes, so the body stays whole). Timestamps whose deltas take
// every length, the 9-byte form included, go through Data.db and back.
import { test, expect } from "vitest";
import "./helpers.js";
import { parseTable } from "../src/cql/ddl.js";
import { SSTableWriter, MemorySink, NO_STATS } from "../src/sstable/writer.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { encodeValue } from "../src/types/codec.js";
import { tokenOf } from "../src/core/token.js";
import { comparePartitions } from "../src/schema/order.js";
import { Partition } from "../src/sstable/model.js";

const schema = parseTable("CREATE TABLE ks.t (k int PRIMARY KEY, v text) WITH compression = {'enabled': 'false'}");

// deltas against the timestamp epoch: the largest of each vint length, one
// past it, and deltas below the epoch (a huge unsigned value: 9 bytes)
function deltas(): bigint[] {
  const out: bigint[] = [0n, -1n, -(2n ** 40n)];
  for (let extra = 0; extra <= 8; extra++) {
    const bits = BigInt(Math.min(63, 7 + 7 * extra));
    out.push(2n ** bits - 1n);
    if (bits < 63n) out.push(2n ** bits);
  }
  return out;
}

test("timestamps whose deltas take every vint length survive Data.db", async () => {
  const ps: Partition[] = deltas().map((d, i) => {
    const key = encodeValue({ kind: "int" }, i);
    const ts = BigInt.asIntN(64, NO_STATS.minTimestamp + d);
    // values of several lengths move each row's size vint across its lengths
    const value = encodeValue({ kind: "text" }, "x".repeat((i * 37) % 300));
    return { key, token: tokenOf(key), unfiltereds: [{ type: "row", row: { clustering: [], liveness: { timestamp: ts, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: ts, value }] } }] };
  });
  ps.sort((a, b) => comparePartitions(a.token, a.key, b.token, b.key));
  const sink = new MemorySink();
  const w = new SSTableWriter(schema, sink, { version: "nb", generation: 1, expectedKeys: ps.length, encodingStats: NO_STATS });
  await w.append(ps);
  await w.finish();
  const back = await (await SSTableReader.openFiles(sink.files("nb", 1))).partitions();
  expect(back).toEqual(ps);
});
