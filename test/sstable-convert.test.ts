// Conversion between every pair of written versions (md, me, nb, oa, da) keeps
// every partition, row, cell, timestamp, TTL and tombstone; and a round trip
// through all of them gives back the first file's bytes, LZ4 chunks and
// digest included.
import { describe, test, expect } from "vitest";
import { fixtureTables } from "./helpers.js";
import { Rng, randomSchema, randomPartitions, plain } from "./gen.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { SSTableWriter, MemorySink } from "../src/sstable/writer.js";
import { convert } from "../src/sstable/convert.js";
import { FormatVersion, WRITABLE } from "../src/sstable/version.js";

// CRC.db is left out: Cassandra sometimes lists the CRC of an empty last chunk, which we never write
const BYTE_COMPONENTS = ["Data.db", "Index.db", "Summary.db", "Filter.db", "CompressionInfo.db", "Digest.crc32"];
// BTI ('da'): the tries in place of Index.db and Summary.db
const BTI_COMPONENTS = ["Data.db", "Partitions.db", "Rows.db", "Filter.db", "CompressionInfo.db", "Digest.crc32"];
const byteComponents = (v: string) => (v === "da" ? BTI_COMPONENTS : BYTE_COMPONENTS);

/** Converts through every other written version and back to the first; checks the rows at each step. */
async function roundTrip(files: Map<string, Uint8Array>, first: FormatVersion, opts = {}, indexBlockSize?: number) {
  const start = await SSTableReader.openFiles(files, opts);
  const rows = plain(await start.partitions());
  const order = [first, ...WRITABLE.filter((v) => v !== first), first];
  let reader = start;
  let last: MemorySink | null = null;
  for (let i = 1; i < order.length; i++) {
    const sink = new MemorySink();
    await convert(reader, sink, { version: order[i], generation: i, indexBlockSize });
    reader = await SSTableReader.openFiles(sink.files(order[i], i), opts);
    expect(reader.version).toBe(order[i]);
    await reader.verifyChecksums();
    expect(plain(await reader.partitions()), `${order.slice(0, i + 1).join(" -> ")}`).toEqual(rows);
    last = sink;
  }
  return last!;
}

function component(files: Map<string, Uint8Array>, c: string): Uint8Array | undefined {
  for (const [n, b] of files) if (n.endsWith(`-${c}`)) return b;
  return undefined;
}

describe("Cassandra's files through every written version and back", () => {
  const wanted = (rel: string, v: string) =>
    (v === "md" && (rel.startsWith("md/legacy_tables/") || rel.startsWith("md/test_keyspace") || rel.startsWith("md/baselines") || rel.startsWith("md/testtypes1/map"))) ||
    v === "nb" || v === "oa" || v === "da" || (v === "me" && rel.includes("clust"));
  for (const t of fixtureTables().filter((t) => wanted(t.rel, t.version))) {
    test(`${t.rel} ${t.version}`, async () => {
      const back = await roundTrip(t.files, t.version as FormatVersion, {}, t.version === "da" ? 4096 : undefined);
      for (const c of byteComponents(t.version)) {
        const theirs = component(t.files, c);
        if (!theirs) continue;
        expect(Buffer.compare(back.get(c)!, theirs), c).toBe(0);
      }
    });
  }
});

describe("random tables (every type, deletions, TTLs, range tombstones, wide partitions)", () => {
  for (let seed = 1; seed <= 8; seed++) {
    test(`seed ${seed}`, async () => {
      const r = new Rng(1000 + seed);
      const schema = randomSchema(r);
      const parts = randomPartitions(r, schema, 1 + r.int(30));
      const first = WRITABLE[seed % WRITABLE.length];
      const sink = new MemorySink();
      const w = new SSTableWriter(schema, sink, { version: first, generation: 1, expectedKeys: parts.length, indexBlockSize: 256 });
      await w.append(parts);
      await w.finish();
      const files = sink.files(first, 1);
      const back = await roundTrip(files, first, { schema }, 256);
      for (const c of byteComponents(first).filter((c) => c !== "CompressionInfo.db")) expect(Buffer.compare(back.get(c)!, component(files, c)!), c).toBe(0);
    });
  }
});

// BTI keeps BIG's Data.db: 5.0's 'da' tables re-encoded as 'oa' (its BIG
// sibling) keep Data.db as stored, CompressionInfo.db, Digest.crc32 and
// Filter.db byte for byte; only the indexes differ.
describe("da (BTI) to oa: the same Data.db", () => {
  for (const t of fixtureTables().filter((t) => t.version === "da")) {
    test(t.rel, async () => {
      const src = await SSTableReader.openFiles(t.files);
      const sink = new MemorySink();
      await convert(src, sink, { version: "oa", generation: 1, indexBlockSize: 4096 });
      for (const c of ["Data.db", "CompressionInfo.db", "Digest.crc32", "Filter.db"]) expect(Buffer.compare(sink.get(c)!, component(t.files, c)!), c).toBe(0);
      const oa = await SSTableReader.openFiles(sink.files("oa", 1));
      expect(plain(await oa.partitions())).toEqual(plain(await src.partitions()));
    });
  }
});

// Re-encoded in their own version, Cassandra's legacy tables come out with
// Statistics.db byte for byte too (the compression ratio counts chunks
// without their CRCs; commit log positions, host id, level and repair state
// are carried over); only TOC.txt's order, Cassandra's hash set's, may differ.
describe("same version: every component but TOC.txt byte-identical, Statistics.db included", () => {
  for (const t of fixtureTables().filter((t) => t.rel.includes("legacy_tables/") && (WRITABLE as readonly string[]).includes(t.version))) {
    test(`${t.rel} ${t.version}`, async () => {
      const sink = new MemorySink();
      await convert(await SSTableReader.openFiles(t.files), sink, { version: t.version as FormatVersion, generation: 1, indexBlockSize: 4096 });
      for (const c of [...byteComponents(t.version), "Statistics.db"]) expect(Buffer.compare(sink.get(c)!, component(t.files, c)!), c).toBe(0);
    });
  }
});

// Every ordered pair of written versions, on one random table with wide
// partitions, deletions, TTLs and range tombstones: a -> b keeps every row,
// and b -> a gives back a's bytes.
describe("every pair of written versions", () => {
  const r = new Rng(4242);
  const schema = randomSchema(r);
  const parts = randomPartitions(r, schema, 40);
  const written = new Map<FormatVersion, Map<string, Uint8Array>>();
  const files = async (v: FormatVersion) => {
    if (!written.has(v)) {
      const sink = new MemorySink();
      const w = new SSTableWriter(schema, sink, { version: v, generation: 1, expectedKeys: parts.length, indexBlockSize: 256 });
      await w.append(parts);
      await w.finish();
      written.set(v, sink.files(v, 1));
    }
    return written.get(v)!;
  };
  for (const a of WRITABLE) {
    for (const b of WRITABLE.filter((x) => x !== a)) {
      test(`${a} -> ${b} -> ${a}`, async () => {
        const src = await SSTableReader.openFiles(await files(a), { schema });
        const there = new MemorySink();
        await convert(src, there, { version: b, generation: 2, indexBlockSize: 256 });
        const mid = await SSTableReader.openFiles(there.files(b, 2), { schema });
        expect(plain(await mid.partitions())).toEqual(plain(parts));
        const back = new MemorySink();
        await convert(mid, back, { version: a, generation: 3, indexBlockSize: 256 });
        for (const c of byteComponents(a).filter((c) => c !== "CompressionInfo.db")) expect(Buffer.compare(back.get(c)!, component(await files(a), c)!), c).toBe(0);
      });
    }
  }
});
