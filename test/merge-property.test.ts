// The core's k-way merge against a plain oracle: for every row and cell, the
// winner across sources after every deletion any source holds.
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { Rng, randomSchema, randomPartitions, plain } from "./gen.js";
import { mergeStreams, merge } from "../src/core/merge.js";
import { encodePartitions, decodePartitions } from "../src/core/rowstream.js";
import { materialize } from "../src/read/materialize.js";
import { Partition, Row } from "../src/sstable/model.js";
import { toHex } from "../src/util/bytes.js";
import { oracle, sortRows, NOW } from "./oracle.js";
import { SSTableWriter, MemorySink } from "../src/sstable/writer.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { MergeInput } from "../src/core/merge.js";

describe("core merge agrees with the oracle", () => {
  for (let seed = 1; seed <= 60; seed++) {
    test(`seed ${seed}`, () => {
      const r = new Rng(seed * 7919);
      const schema = randomSchema(r);
      // overlapping key spaces: re-seed the key generator for each source
      const nsrc = 2 + r.int(3);
      const sources: Partition[][] = [];
      for (let i = 0; i < nsrc; i++) {
        const kr = new Rng(seed * 31 + (i % 2));
        const parts = randomPartitions(kr, schema, 1 + kr.int(12));
        // vary the contents but keep the keys: mutate timestamps with r
        sources.push(parts.map((p) => rewriteTimes(p, r)));
      }
      const merged = decodePartitions(mergeStreams(schema, sources.map(encodePartitions), NOW));
      const got = merged.flatMap((p) => materialize(schema, p, { nowSeconds: NOW }));
      expect(sortRows(got)).toEqual(sortRows(oracle(schema, sources)));
      // merging the merge with nothing changes nothing
      const again = decodePartitions(mergeStreams(schema, [encodePartitions(merged)], NOW));
      expect(plain(again)).toEqual(plain(merged));
      // a full compaction past gc_grace purges every tombstone and changes no visible row
      const purged = merge(schema, sources.map(encodePartitions), NOW, { gcBefore: NOW + 1, maxPurgeableTimestamp: 2n ** 62n });
      const compacted = decodePartitions(purged.stream);
      expect(sortRows(compacted.flatMap((p) => materialize(schema, p, { nowSeconds: NOW })))).toEqual(sortRows(got));
      for (const p of compacted) {
        expect(p.deletion).toBeUndefined();
        for (const u of p.unfiltereds) {
          expect(u.type).toBe("row");
          if (u.type === "row") {
            expect(u.row.deletion).toBeUndefined();
            expect(u.row.cells.every((c) => !c.deleted && !(c.ttl && c.localDeletionTime! <= NOW))).toBe(true);
          }
        }
      }
      // nothing is purged while something outside may hold older data
      const kept = merge(schema, sources.map(encodePartitions), NOW, { gcBefore: NOW + 1, maxPurgeableTimestamp: -(2n ** 62n) });
      expect(kept.purged).toBe(0);
    });
  }
});

function rewriteTimes(p: Partition, r: Rng): Partition {
  const shift = (ts: bigint) => ts + BigInt(r.int(2000) - 1000) * 1000n;
  const row = (x: Row): Row => ({
    ...x,
    liveness: x.liveness && { ...x.liveness, timestamp: shift(x.liveness.timestamp) },
    cells: x.cells.map((c) => ({ ...c, timestamp: shift(c.timestamp) })),
  });
  return {
    ...p,
    staticRow: p.staticRow && row(p.staticRow),
    unfiltereds: p.unfiltereds.map((u) => (u.type === "row" ? { type: "row" as const, row: row(u.row) } : u)),
  };
}

test("the merge property test exercises overlaps, deletions and range tombstones", () => {
  let overlapping = 0, rangeMarkers = 0, partitionDeletions = 0, rows = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const r = new Rng(seed * 7919);
    const schema = randomSchema(r);
    const nsrc = 2 + r.int(3);
    const keys = new Map<string, number>();
    for (let i = 0; i < nsrc; i++) {
      const kr = new Rng(seed * 31 + (i % 2));
      for (const p of randomPartitions(kr, schema, 1 + kr.int(12))) {
        keys.set(toHex(p.key), (keys.get(toHex(p.key)) ?? 0) + 1);
        rangeMarkers += p.unfiltereds.filter((u) => u.type === "marker").length;
        if (p.deletion) partitionDeletions++;
        rows += p.unfiltereds.length;
      }
    }
    overlapping += [...keys.values()].filter((n) => n > 1).length;
  }
  expect(overlapping).toBeGreaterThan(100);
  expect(rangeMarkers).toBeGreaterThan(20);
  expect(partitionDeletions).toBeGreaterThan(10);
  expect(rows).toBeGreaterThan(500);
});

describe("compaction's merge straight into the writer", () => {
  // mergeInto (the merger reads Data.db inputs in place and calls the
  // writer's steps itself) against merge then appendStream (the writer
  // parses the merged row stream): every component byte for byte, with and
  // without purging; odd seeds with index blocks of 40 bytes, so that the
  // merger's rows (outside a batch) end blocks often
  for (let seed = 1; seed <= 30; seed++) {
    test(`seed ${seed}`, async () => {
      const r = new Rng(seed * 7919);
      const schema = randomSchema(r);
      const nsrc = 2 + r.int(3);
      const streams: Uint8Array[] = [];
      for (let i = 0; i < nsrc; i++) {
        const kr = new Rng(seed * 31 + (i % 2));
        streams.push(encodePartitions(randomPartitions(kr, schema, 1 + kr.int(12)).map((p) => rewriteTimes(p, r))));
      }
      // the even sources as the compaction reads them, uncompressed Data.db
      // read in place; the stream path gets the same SSTable decoded
      const inputs: MergeInput[] = [];
      for (let i = 0; i < nsrc; i++) {
        if (i % 2) {
          inputs.push({ bytes: streams[i] });
          continue;
        }
        const sink = new MemorySink();
        const w = new SSTableWriter(schema, sink, { version: "nb", generation: 9, expectedKeys: 16, compression: { ...schema.options.compression, enabled: false } });
        await w.appendStream(streams[i], null, null);
        await w.finish();
        const reader = await SSTableReader.openFiles(sink.files("nb", 9));
        const data = sink.get("Data.db")!.slice();
        inputs.push(reader.dataInput(data, 0));
        streams[i] = await reader.streamRange(0, reader.dataLength);
      }
      for (const purge of [undefined, { gcBefore: NOW + 1, maxPurgeableTimestamp: 2n ** 62n }]) {
        const options = { version: "nb" as const, generation: 1, expectedKeys: 64, ...(seed % 2 ? { indexBlockSize: 40 } : {}) };
        const direct = new MemorySink();
        const a = new SSTableWriter(schema, direct, options);
        const into = await a.appendMerged(inputs, NOW, purge, null, null);
        const info = await a.finish();
        const viaStream = new MemorySink();
        const b = new SSTableWriter(schema, viaStream, options);
        const merged = merge(schema, streams, NOW, purge);
        if (merged.stream.length) await b.appendStream(merged.stream, null, null);
        await b.finish();
        expect(into.purged).toBe(merged.purged);
        expect(into.partitions).toBe(merged.partitions);
        expect(into.dataBytes).toBe(info.dataLength);
        expect(direct.components()).toEqual(viaStream.components());
        for (const c of direct.components()) expect([c, toHex(direct.get(c)!)]).toEqual([c, toHex(viaStream.get(c)!)]);
      }
    });
  }
});
