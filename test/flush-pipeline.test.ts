// The flush and compaction pipelines: compaction hands the core Data.db as
// read (decoded, merged and written in one call) and gets the same SSTable as
// decoding, merging and appending the row stream step by step; a corrupt
// input still names its file; a flush reaches storage in large appends.
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { Rng, randomSchema, randomPartitions } from "./gen.js";
import { parseTable } from "../src/cql/ddl.js";
import { encodePartitions } from "../src/core/rowstream.js";
import { tokenOf } from "../src/core/token.js";
import { encodeValue } from "../src/types/codec.js";
import { comparePartitions } from "../src/schema/order.js";
import { merge } from "../src/core/merge.js";
import { SSTableWriter, MemorySink, ComponentSink, DRAIN_BYTES } from "../src/sstable/writer.js";
import { core } from "../src/core/core.js";
import { crc32 } from "../src/core/checksum.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { MergeCursor } from "../src/read/merge-cursor.js";
import { SSTableCursor } from "../src/read/sstable-cursor.js";
import { CorruptSSTableError } from "../src/errors.js";
import { Partition } from "../src/sstable/model.js";
import { TableSchema } from "../src/schema/schema.js";

const NOW = 1_700_000_000;

function sorted(ps: Partition[]): Partition[] {
  return [...ps].sort((a, b) => comparePartitions(a.token, a.key, b.token, b.key));
}

async function sstable(schema: TableSchema, ps: Partition[], generation: number): Promise<SSTableReader> {
  const sink = new MemorySink();
  const w = new SSTableWriter(schema, sink, { version: "nb", generation, expectedKeys: ps.length });
  await w.append(sorted(ps));
  await w.finish();
  return SSTableReader.openFiles(sink.files("nb", generation));
}

/** Merges `readers` into one SSTable, slice by slice: through mergeInto (Data.db to the core), or decoded, merged and appended as a stream. */
async function compact(schema: TableSchema, readers: SSTableReader[], undecoded: boolean, sliceBytes: number): Promise<MemorySink> {
  const cursor = new MergeCursor(readers.map((r) => new SSTableCursor(r)));
  const sink = new MemorySink();
  const w = new SSTableWriter(schema, sink, { version: "nb", generation: 9, expectedKeys: cursor.total });
  const purge = { gcBefore: NOW, maxPurgeableTimestamp: 1n << 62n };
  for (let s = await cursor.next(sliceBytes, undecoded); s; s = await cursor.next(sliceBytes, undecoded)) {
    if (undecoded) await w.appendMerged(s.inputs, NOW, purge, s.minToken, s.maxToken);
    else {
      const m = merge(schema, s.streams, NOW, purge);
      if (m.stream.length) await w.appendStream(m.stream, s.minToken, s.maxToken);
    }
  }
  await w.finish();
  return sink;
}

describe("compaction merges Data.db in the core", () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    test(`random schema ${seed}: the same SSTable as decoding, merging and appending the stream`, async () => {
      const r = new Rng(seed);
      const schema = randomSchema(r);
      // overlapping inputs: some partitions in several SSTables, reconciled
      const all = randomPartitions(r, schema, 120);
      const readers = await Promise.all([0, 1, 2].map((i) => sstable(schema, all.filter((_, j) => j % 3 !== i), i + 1)));
      for (const sliceBytes of [512, 1 << 20]) {
        const fused = await compact(schema, readers, true, sliceBytes);
        const stepwise = await compact(schema, readers, false, sliceBytes);
        expect(fused.components()).toEqual(stepwise.components());
        for (const c of stepwise.components()) expect(Buffer.from(fused.get(c)!).equals(Buffer.from(stepwise.get(c)!)), c).toBe(true);
      }
    });
  }

  test("a corrupt input is reported as that SSTable's Data.db, at the offset of the bad byte", async () => {
    const schema = parseTable("CREATE TABLE ks.t (k int PRIMARY KEY, v text) WITH compression = {'enabled': 'false'}");
    const ps = (from: number): Partition[] =>
      Array.from({ length: 50 }, (_, i) => {
        const key = encodeValue({ kind: "int" }, from + i);
        return { key, token: tokenOf(key), unfiltereds: [{ type: "row" as const, row: { clustering: [], liveness: { timestamp: 1n, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: 1n, value: encodeValue({ kind: "text" }, "v") }] } }] };
      });
    const sink = new MemorySink();
    const w = new SSTableWriter(schema, sink, { version: "nb", generation: 2, expectedKeys: 50 });
    await w.append(sorted(ps(100)));
    await w.finish();
    const files = sink.files("nb", 2);
    const dataName = [...files.keys()].find((n) => n.endsWith("Data.db"))!;
    const data = files.get(dataName)!.slice();
    // the first partition's first row: its flags byte becomes one no row has
    const keyLen = (data[0] << 8) | data[1];
    const flagsAt = 2 + keyLen + 12;
    data[flagsAt] = 0xff;
    files.set(dataName, data);
    // CRC.db would catch the flip first: without it (and its TOC line), the decoder meets it
    const crcName = [...files.keys()].find((n) => n.endsWith("CRC.db"))!;
    files.delete(crcName);
    const tocName = [...files.keys()].find((n) => n.endsWith("TOC.txt"))!;
    files.set(tocName, new TextEncoder().encode(new TextDecoder().decode(files.get(tocName)!).replace("CRC.db\n", "")));
    const bad = await SSTableReader.openFiles(files);
    const good = await sstable(schema, ps(0), 1);
    const err = await compact(schema, [good, bad], true, 1 << 20).catch((e) => e);
    expect(err).toBeInstanceOf(CorruptSSTableError);
    expect(err.file).toMatch(/^nb-2-big\W+Data\.db$/); // the corrupt input, not the good one (generation 1)
    expect(err.offset).toBe(flagsAt);
    // the same flip in a partition met midway through the merge, the corrupt input first
    const later = files.get(dataName)!.slice();
    later[flagsAt] = sink.files("nb", 2).get(dataName)![flagsAt];
    const each = later.length / 50; // 50 partitions of the same size
    expect(Number.isInteger(each)).toBe(true);
    const laterAt = 30 * each + flagsAt;
    later[laterAt] = 0xff;
    files.set(dataName, later);
    const err2 = await compact(schema, [await SSTableReader.openFiles(files), good], true, 1 << 20).catch((e) => e);
    expect(err2).toBeInstanceOf(CorruptSSTableError);
    expect(err2.file).toMatch(/^nb-2-big\W+Data\.db$/);
    expect(err2.offset).toBe(laterAt);
  });
});

test("a Data.db input whose partitions are out of order is reported as that SSTable's Data.db", async () => {
  const schema = parseTable("CREATE TABLE ks.t (k int PRIMARY KEY, v text) WITH compression = {'enabled': 'false'}");
  const all = sorted(
    Array.from({ length: 40 }, (_, i) => {
      const key = encodeValue({ kind: "int" }, i);
      return { key, token: tokenOf(key), unfiltereds: [{ type: "row" as const, row: { clustering: [], liveness: { timestamp: 1n, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: 1n, value: encodeValue({ kind: "text" }, `v${i}`) }] } }] };
    }),
  );
  const dataOf = async (ps: Partition[], generation: number) => {
    const sink = new MemorySink();
    const w = new SSTableWriter(schema, sink, { version: "nb", generation, expectedKeys: ps.length });
    await w.append(ps);
    await w.finish();
    return { reader: await SSTableReader.openFiles(sink.files("nb", generation)), data: sink.get("Data.db")!.slice() };
  };
  const low = await dataOf(all.slice(0, 20), 3);
  const high = await dataOf(all.slice(20), 4);
  // the high tokens' partitions, then the low ones': each partition is well formed, their order is not
  const swapped = new Uint8Array(high.data.length + low.data.length);
  swapped.set(high.data);
  swapped.set(low.data, high.data.length);
  const good = encodePartitions([all[5]]);
  const sink = new MemorySink();
  const w = new SSTableWriter(schema, sink, { version: "nb", generation: 9, expectedKeys: 64 });
  const err = await w.appendMerged([{ bytes: good }, low.reader.dataInput(swapped, 0)], NOW, undefined, null, null).catch((e) => e);
  expect(err).toBeInstanceOf(CorruptSSTableError);
  expect(err.file).toMatch(/^nb-3-big\W+Data\.db$/);
  expect(err.offset).toBeGreaterThan(high.data.length);
});

describe("flush writes in large appends", () => {
  test(`Data.db and Index.db reach the sink in appends of at least ${DRAIN_BYTES} bytes, the last excepted, and the bytes are the same`, async () => {
    const schema = parseTable("CREATE TABLE ks.kv (id int PRIMARY KEY, payload text) WITH compression = {'enabled': 'false'}");
    const ps: Partition[] = [];
    for (let i = 0; i < 60_000; i++) {
      const key = encodeValue({ kind: "int" }, i);
      ps.push({ key, token: tokenOf(key), unfiltereds: [{ type: "row", row: { clustering: [], liveness: { timestamp: 1n, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: 1n, value: encodeValue({ kind: "text" }, "p".repeat(60) + i) }] } }] });
    }
    const slices: Uint8Array[] = [];
    const all = sorted(ps);
    for (let i = 0; i < all.length; i += 500) slices.push(encodePartitions(all.slice(i, i + 500)));
    const sizes = new Map<string, number[]>();
    const recording = new MemorySink();
    const sink: ComponentSink = {
      append(component, bytes) {
        sizes.set(component, [...(sizes.get(component) ?? []), bytes.length]);
        recording.append(component, bytes);
      },
    };
    const w = new SSTableWriter(schema, sink, { version: "nb", expectedKeys: ps.length });
    for (const s of slices) await w.appendStream(s, null, null);
    await w.finish();
    const data = sizes.get("Data.db")!;
    expect(data.length).toBeGreaterThan(2);
    for (const n of data.slice(0, -1)) expect(n).toBeGreaterThanOrEqual(DRAIN_BYTES);
    for (const n of sizes.get("Index.db")!.slice(0, -1)) expect(n).toBeGreaterThanOrEqual(DRAIN_BYTES);
    // the same files as drained after every slice (compaction's setting)
    const each = new MemorySink();
    const w2 = new SSTableWriter(schema, each, { version: "nb", expectedKeys: ps.length, drainBytes: 0 });
    for (const s of slices) await w2.appendStream(s, null, null);
    await w2.finish();
    for (const c of each.components()) expect(Buffer.from(recording.get(c)!).equals(Buffer.from(each.get(c)!)), c).toBe(true);
  });
});

describe("a sink that takes views", () => {
  // the same bytes through views of the core's memory as through copies, drained whole or a budget's piece at a time
  // an uncompressed table's chunks are drained from where its rows were written, a compressed one's from a buffer of their own
  for (const compressed of [true, false])
  test(`gets views of the core's memory and the same files as a sink that keeps copies, in whole and partial drains (${compressed ? "LZ4" : "uncompressed"})`, async () => {
    const rng = new Rng(77);
    const random = randomSchema(rng);
    const schema = new TableSchema(random.keyspace, random.name, random.id, [...random.byName.values()], { ...random.options, compression: { ...random.options.compression, enabled: compressed } });
    const ps = sorted(randomPartitions(rng, schema, 400));
    const slices: Uint8Array[] = [];
    for (let i = 0; i < ps.length; i += 40) slices.push(encodePartitions(ps.slice(i, i + 40)));
    const write = async (sink: ComponentSink, piece: number) => {
      const w = new SSTableWriter(schema, sink, { version: "nb", expectedKeys: ps.length, drainBytes: Infinity });
      for (const s of slices) {
        await w.appendStream(s, null, null);
        await w.drainPending(piece);
      }
      return w.finish();
    };
    const kept = new MemorySink();
    const keeping: ComponentSink = { append: (c, b) => kept.append(c, b.slice()) };
    const keptInfo = await write(keeping, 700);
    for (const piece of [1, 700, Infinity]) {
      const views = new MemorySink();
      let fromCore = 0;
      const viewing: ComponentSink = {
        takesView: true,
        append(c, b) {
          if (b.buffer === core().exports.memory.buffer) fromCore++;
          views.append(c, b);
        },
      };
      const info = await write(viewing, piece);
      expect(fromCore).toBeGreaterThan(0);
      // the sizes the writer counted (TOC, statistics) as well as the bytes
      expect(info.files).toEqual(keptInfo.files);
      expect(info.totalSize).toBe(keptInfo.totalSize);
      expect(views.components().sort()).toEqual(kept.components().sort());
      for (const c of kept.components()) expect(Buffer.from(views.get(c)!).equals(Buffer.from(kept.get(c)!)), `${c}, pieces of ${piece}`).toBe(true);
    }
    // the checksums hold for the bytes drained: the digest over the file, CRC.db over each chunk
    const data = kept.get("Data.db")!;
    expect(new TextDecoder().decode(kept.get("Digest.crc32")!)).toBe(String(crc32(data)));
    if (!compressed) {
      const crcs = kept.get("CRC.db")!;
      const view = new DataView(crcs.buffer, crcs.byteOffset, crcs.length);
      const chunk = view.getInt32(0);
      const n = Math.ceil(data.length / chunk);
      expect(n).toBeGreaterThan(2);
      expect(crcs.length).toBe(4 + 4 * n);
      for (let i = 0; i < n; i++) expect(view.getInt32(4 + 4 * i) >>> 0, `chunk ${i}`).toBe(crc32(data.subarray(i * chunk, (i + 1) * chunk)));
    }
  });
});
