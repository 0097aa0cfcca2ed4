// A Summary.db below full sampling (Cassandra down-samples summaries under
// memory pressure, to as little as 8 of 128) need not sample Index.db's first
// entry, and may sample nothing at all: a key before the first sample is
// looked for from Index.db's start, as Cassandra's reader does, and a stretch
// of Index.db too long to read at once is walked a piece at a time. Found by
// the fuzzer (sstable-3131-12745: a one-partition table whose summary lost
// its only entry validated, and its key could not be found).
import { test, expect } from "vitest";
import "./helpers.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { MemorySink } from "../src/sstable/writer.js";
import { buildSSTable } from "../src/sstable/build.js";
import { parseTable } from "../src/cql/ddl.js";
import { readSummary, Summary } from "../src/sstable/summary-file.js";
import { validate } from "../src/tools/validate.js";
import { encodeValue } from "../src/types/codec.js";
import { tokenOf } from "../src/core/token.js";
import { comparePartitions } from "../src/schema/order.js";
import { Partition } from "../src/sstable/model.js";
import { ByteWriter } from "../src/util/bytes.js";

const schema = parseTable("CREATE TABLE ks.t (id int PRIMARY KEY, v text)");

async function table(n: number): Promise<{ files: Map<string, Uint8Array>; keys: Uint8Array[] }> {
  const ps: Partition[] = [];
  for (let i = 0; i < n; i++) {
    const key = encodeValue({ kind: "int" }, i);
    ps.push({ key, token: tokenOf(key), unfiltereds: [{ type: "row", row: { clustering: [], liveness: { timestamp: 1n, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: 1n, value: encodeValue({ kind: "text" }, `v${i}`) }] } }] });
  }
  ps.sort((a, b) => comparePartitions(a.token, a.key, b.token, b.key));
  const sink = new MemorySink();
  await buildSSTable(schema, sink, { version: "nb", generation: 1, expectedKeys: n }, [{ partitions: ps }]);
  return { files: sink.files("nb", 1), keys: ps.map((p) => p.key) };
}

/** Summary.db holding `entries` of `s` (its keys and Index.db positions) at `samplingLevel`, with s's header and first and last keys. */
function summaryOf(s: Summary, entries: Summary["entries"], samplingLevel: number): Uint8Array {
  const table = entries.length * 4;
  const size = table + entries.reduce((n, e) => n + e.key.length + 8, 0);
  const body = new Uint8Array(size);
  const dv = new DataView(body.buffer);
  let at = table;
  entries.forEach((e, i) => {
    dv.setInt32(i * 4, at, true);
    body.set(e.key, at);
    dv.setBigInt64(at + e.key.length, BigInt(e.indexPosition), true);
    at += e.key.length + 8;
  });
  const w = new ByteWriter();
  w.i32(s.minIndexInterval).i32(entries.length).i64(BigInt(size)).i32(samplingLevel).i32(s.sizeAtFullSampling).bytes(body);
  return w.i32(s.first.length).bytes(s.first).i32(s.last.length).bytes(s.last).result();
}

const name = (files: Map<string, Uint8Array>, c: string) => [...files.keys()].find((n) => n.endsWith(c))!;

test("a summary at sampling level 8 whose first sample is not Index.db's first entry: every key is found, and it validates", async () => {
  const { files, keys } = await table(5_000);
  const s = readSummary(files.get(name(files, "Summary.db"))!);
  expect(s.entries.length).toBeGreaterThan(4);
  // every other sample, from the second: the keys before it come before any sample
  const down = new Map(files).set(name(files, "Summary.db"), summaryOf(s, s.entries.filter((_, i) => i % 2 === 1), 8));
  const r = await SSTableReader.openFiles(down);
  await validate(r);
  for (let i = 0; i < keys.length; i += 7) expect((await r.locate(keys[i]))?.entry.key).toEqual(keys[i]);
  expect((await r.locate(encodeValue({ kind: "int" }, -1)))).toBeNull();
});

test("a summary that samples nothing, over an Index.db of more than 1 MiB: every key is found a piece at a time, and it validates", async () => {
  const { files, keys } = await table(120_000);
  expect(files.get(name(files, "Index.db"))!.length).toBeGreaterThan(1 << 20);
  const s = readSummary(files.get(name(files, "Summary.db"))!);
  const none = new Map(files).set(name(files, "Summary.db"), summaryOf(s, [], 8));
  const r = await SSTableReader.openFiles(none);
  await validate(r);
  for (const i of [0, 1, 59_999, 119_998, 119_999]) {
    const found = await r.locate(keys[i]);
    expect(found?.entry.key).toEqual(keys[i]);
    expect((await r.get(keys[i]))?.key).toEqual(keys[i]);
  }
  expect(await r.locate(encodeValue({ kind: "int" }, -1))).toBeNull();
});
