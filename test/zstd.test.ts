// Zstandard chunks: the core decodes frames the reference zstd tool wrote at
// several levels, with and without checksums, and an SSTable whose chunks
// are Zstd frames reads back to the same rows as the LZ4 original.
import { describe, test, expect } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { fixtureTables } from "./helpers.js";
import { zstdDecompress } from "../src/sstable/compression.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { CorruptSSTableError, CoreError } from "../src/errors.js";
import { ZSTD_CLASS } from "../src/schema/schema.js";
import { plain } from "./gen.js";
import { execFileSync } from "node:child_process";
import { SSTableWriter, MemorySink } from "../src/sstable/writer.js";

const DIR = new URL("./fixtures/zstd/", import.meta.url).pathname;
const LZ4_DIR = new URL("./fixtures/lz4/", import.meta.url).pathname;

describe("frames from the reference zstd tool", () => {
  for (const name of readdirSync(DIR).filter((f) => f.endsWith(".zst")).sort()) {
    test(name, () => {
      const input = new Uint8Array(readFileSync(LZ4_DIR + name.replace(/\.l[^.]*\.zst$/, ".bin")));
      const frame = new Uint8Array(readFileSync(DIR + name));
      const out = zstdDecompress(frame, input.length);
      expect(out.length).toBe(input.length);
      expect(Buffer.compare(out, input)).toBe(0);
    });
  }
});

test("corrupt frames fail with the core's typed error, never a wrong output", () => {
  const frame = new Uint8Array(readFileSync(DIR + "text-100000.l3.zst"));
  const input = new Uint8Array(readFileSync(LZ4_DIR + "text-100000.bin"));
  let refused = 0;
  for (let i = 0; i < frame.length; i += 97) {
    const bad = frame.slice();
    bad[i] ^= 0x5a;
    try {
      const out = zstdDecompress(bad, input.length);
      // a flip in literal bytes gives other bytes: the chunk's CRC32 is what catches those
      if (Buffer.compare(out, input) !== 0) continue;
    } catch (e) {
      expect(e, String(e)).toBeInstanceOf(CoreError);
      refused++;
    }
  }
  expect(refused).toBeGreaterThan(0);
  expect(() => zstdDecompress(frame.subarray(0, frame.length >> 1), input.length)).toThrow(CoreError);
  expect(() => zstdDecompress(frame, input.length - 1)).toThrow(CoreError);
});

test("an SSTable with ZstdCompressor chunks reads back to the LZ4 original's rows", async () => {
  const lz4 = fixtureTables().find((t) => t.rel === "nb/legacy_tables/legacy_nb_clust")!;
  const files = new Map<string, Uint8Array>();
  for (const n of readdirSync(DIR + "sstable")) files.set(n, new Uint8Array(readFileSync(`${DIR}sstable/${n}`)));
  const r = await SSTableReader.openFiles(files);
  expect(r.compression!.className).toBe(ZSTD_CLASS);
  await r.verifyChecksums();
  const original = await SSTableReader.openFiles(lz4.files);
  expect(plain(await r.partitions())).toEqual(plain(await original.partitions()));
  // a flipped byte inside a chunk is caught by its CRC32
  const data = files.get("nb-1-big-Data.db")!.slice();
  data[100] ^= 1;
  const broken = await SSTableReader.openFiles(new Map([...files, ["nb-1-big-Data.db", data]]));
  await expect(broken.partitions()).rejects.toThrow(CorruptSSTableError);
});

describe("writing Zstd chunks", () => {
  for (const level of [1, 3, 19]) {
    for (const chunkKb of [4, 64]) {
      test(`level ${level}, ${chunkKb} KiB chunks: the reference tool and the reader decode them`, async () => {
        const src = fixtureTables().find((t) => t.rel === "nb/legacy_tables/legacy_nb_clust")!;
        const r = await SSTableReader.openFiles(src.files);
        const schema = r.schema;
        schema.options.compression = { enabled: true, className: ZSTD_CLASS, chunkLengthKb: chunkKb, minCompressRatio: 0, extra: { compression_level: String(level) } };
        const sink = new MemorySink();
        const w = new SSTableWriter(schema, sink, { version: "nb", generation: 1, expectedKeys: 5, indexBlockSize: 4096, byteOrdered: true, encodingStats: r.statistics.header.stats });
        await w.append(await r.partitions());
        await w.finish();
        const back = await SSTableReader.openFiles(sink.files("nb", 1));
        expect(back.compression!.className).toBe(ZSTD_CLASS);
        await back.verifyChecksums();
        expect(plain(await back.partitions())).toEqual(plain(await r.partitions()));
        // decompressed, the same Data.db as Cassandra's LZ4 original
        expect(Buffer.compare(await back.dataRange(0, back.dataLength), await r.dataRange(0, r.dataLength))).toBe(0);
        // every chunk is a frame the reference decoder accepts: their
        // concatenation (CRCs left out) decodes to the whole Data.db
        const data = sink.get("Data.db")!;
        const offs = back.compression!.offsets.map(Number);
        const frames = Buffer.concat(offs.map((o, i) => data.subarray(o, (i + 1 < offs.length ? offs[i + 1] : data.length) - 4)));
        const ref = execFileSync("zstd", ["-d", "-q", "-c"], { input: frames });
        expect(Buffer.compare(ref, await back.dataRange(0, back.dataLength))).toBe(0);
        expect(data.length).toBeLessThan(back.dataLength / 4);
      });
    }
  }
});

test("a table declared WITH compression = ZstdCompressor writes, exports and reads Zstd chunks", async () => {
  const { WriteEngine } = await import("../src/engine/engine.js");
  const { MemoryStorage } = await import("../src/storage/memory.js");
  const { unzipSync } = await import("fflate");
  const schema = "CREATE TABLE ks.z (k int PRIMARY KEY, v text) WITH compression = {'class': 'ZstdCompressor', 'compression_level': '5', 'chunk_length_in_kb': '16'}";
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema, walSync: "none" });
  await e.execute("BEGIN BATCH " + Array.from({ length: 300 }, (_, i) => `INSERT INTO z (k, v) VALUES (${i}, 'value number ${i % 17}')`).join("; ") + " APPLY BATCH");
  const rows = await e.select("SELECT * FROM z");
  const chunks: Uint8Array[] = [];
  await e.exportSSTable({ zip: (c) => void chunks.push(c.slice()) });
  const files = unzipSync(Buffer.concat(chunks));
  const cql = new TextDecoder().decode(Object.entries(files).find(([n]) => n.endsWith("schema.cql"))![1]);
  expect(cql).toMatch(/'class': 'org\.apache\.cassandra\.io\.compress\.ZstdCompressor'.*'compression_level': '5'/);
  const sst = new Map(Object.entries(files).filter(([n]) => n.includes("-big-")).map(([n, b]) => [n.split("/").pop()!, b]));
  const r = await SSTableReader.openFiles(sst);
  expect(r.compression!.className).toBe(ZSTD_CLASS);
  expect(r.compression!.options).toEqual({ compression_level: "5" });
  await r.verifyChecksums();
  const e2 = await WriteEngine.open({ storage: new MemoryStorage(), schema });
  await e2.importSSTables(Buffer.concat(chunks));
  expect(await e2.select("SELECT * FROM z")).toEqual(rows);
  await e.close();
  await e2.close();
});
