// Zstd chunks byte for byte as Cassandra writes them (the references:
// test/zstd-reference.ts), and where the libzstd version makes no difference
// (raw and RLE blocks), ZSTD_compress2 itself in Debian's libzstd through
// python3's ctypes.
import { describe, test, expect, beforeAll } from "vitest";
import { execFileSync } from "node:child_process";
import { fixtureTables } from "./helpers.js";
import { core } from "../src/core/core.js";
import { crc32 } from "../src/core/checksum.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { SSTableWriter, MemorySink } from "../src/sstable/writer.js";
import { ZSTD_CLASS } from "../src/schema/schema.js";
import { CorruptSSTableError } from "../src/errors.js";
import { loadReference, cliChecksums, referenceFrame, storedChunks, compareWithCassandra } from "./zstd-reference.js";

beforeAll(loadReference);

async function rewrite(rel: string, level: number, chunkKb: number) {
  const src = fixtureTables().find((t) => t.rel === rel)!;
  const r = await SSTableReader.openFiles(src.files);
  const schema = r.schema;
  schema.options.compression = { enabled: true, className: ZSTD_CLASS, chunkLengthKb: chunkKb, minCompressRatio: 0, extra: { compression_level: String(level) } };
  const sink = new MemorySink();
  const version = r.version === "md" ? "md" : "nb";
  const w = new SSTableWriter(schema, sink, { version, generation: 1, expectedKeys: 5, indexBlockSize: 4096, byteOrdered: rel.includes("legacy"), encodingStats: r.statistics.header.stats });
  await w.append(await r.partitions());
  await w.finish();
  const files = sink.files(version, 1);
  const back = await SSTableReader.openFiles(files);
  const content = await r.dataRange(0, r.dataLength);
  return { back, files, data: sink.get("Data.db")!, content };
}

const TABLES = ["nb/legacy_tables/legacy_nb_clust", "md/baselines/iot-07958d80df8811eb86c59116fc548b6b"];

describe("chunks equal libzstd 1.5.7's ZSTD_compress2 frames with the checksum", () => {
  for (const rel of TABLES) {
    for (const chunkKb of [4, 16, 64]) {
      test(`${rel.split("/").pop()}, ${chunkKb} KiB chunks, levels 1, 3, 9, 19`, async () => {
        let checksums: Uint8Array[] | null = null;
        for (const level of [1, 3, 9, 19]) {
          const { back, data, content } = await rewrite(rel, level, chunkKb);
          const size = chunkKb * 1024;
          const chunks = Array.from({ length: Math.ceil(content.length / size) }, (_, i) => content.subarray(i * size, (i + 1) * size));
          checksums ??= cliChecksums(chunks);
          const got = storedChunks(data, back.compression!.offsets);
          expect(got.length).toBe(chunks.length);
          for (let i = 0; i < chunks.length; i++) {
            const want = referenceFrame(chunks[i], level, checksums[i]);
            expect(Buffer.compare(got[i], want), `level ${level}, chunk ${i}`).toBe(0);
          }
          await back.verifyChecksums();
        }
      });
    }
  }
});

test("raw and RLE blocks equal Debian libzstd's ZSTD_compress2 with the checksum flag", () => {
  // libzstd writes an incompressible chunk as one raw block and a constant
  // one as one RLE block at every version, so here the system library is the reference
  const random = new Uint8Array(4096);
  for (let i = 0, x = 0x9e3779b9; i < random.length; i++) random[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  const zeros = new Uint8Array(16384).fill(7);
  for (const [name, input] of [["random", random], ["constant", zeros]] as const) {
    for (const level of [1, 3, 19]) {
      const script = `import ctypes, sys
z = ctypes.CDLL("libzstd.so.1")
z.ZSTD_compress2.restype = ctypes.c_size_t
z.ZSTD_createCCtx.restype = ctypes.c_void_p
src = sys.stdin.buffer.read()
ctx = ctypes.c_void_p(z.ZSTD_createCCtx())
z.ZSTD_CCtx_setParameter(ctx, 100, ${level})  # ZSTD_c_compressionLevel
z.ZSTD_CCtx_setParameter(ctx, 201, 1)  # ZSTD_c_checksumFlag
dst = ctypes.create_string_buffer(len(src) + 1024)
n = z.ZSTD_compress2(ctx, dst, ctypes.c_size_t(len(src) + 1024), src, ctypes.c_size_t(len(src)))
sys.stdout.buffer.write(dst.raw[:n])`;
      const want = execFileSync("python3", ["-c", script], { input });
      const got = compressWithCore(input, level);
      expect(Buffer.compare(got, want), `${name} at level ${level}`).toBe(0);
    }
  }
});

function compressWithCore(input: Uint8Array, level: number): Uint8Array {
  const k = core();
  return k.call((x) => {
    const src = x.alloc(input.length);
    const cap = x.zstdBound(input.length);
    const dst = x.alloc(cap);
    k.bytes(src, input.length).set(input);
    const n = x.zstdCompress(src, input.length, dst, level);
    const out = k.bytes(dst, n).slice();
    x.free(src);
    x.free(dst);
    return out;
  });
}

test("the core's XXH64 gives the zstd CLI's content checksums at every tail length", () => {
  const lengths = [0, 1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 15, 16, 17, 24, 31, 32, 33, 36, 39, 40, 44, 47, 63, 64, 65, 100, 1000, 4097, 65536];
  const inputs = lengths.map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + n * 7) & 255));
  const want = cliChecksums(inputs);
  const k = core();
  inputs.forEach((b, i) => {
    const h = k.call((x) => {
      const p = x.alloc(Math.max(1, b.length));
      k.bytes(p, b.length).set(b);
      const v = x.xxh64(p, b.length);
      x.free(p);
      return v;
    });
    const low = new Uint8Array(4);
    new DataView(low.buffer).setUint32(0, Number(BigInt.asUintN(32, h)), true);
    expect(Buffer.compare(low, want[i]), `length ${lengths[i]}`).toBe(0);
  });
});

test("a table written by the engine with ZstdCompressor: the CLI checks every chunk, each libzstd's frame", async () => {
  const { WriteEngine } = await import("../src/engine/engine.js");
  const { MemoryStorage } = await import("../src/storage/memory.js");
  const { unzipSync } = await import("fflate");
  const schema = "CREATE TABLE ks.z (k int PRIMARY KEY, v text, n bigint) WITH compression = {'class': 'ZstdCompressor', 'chunk_length_in_kb': '4'}";
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema, walSync: "none" });
  await e.execute("BEGIN BATCH " + Array.from({ length: 2000 }, (_, i) => `INSERT INTO z (k, v, n) VALUES (${i}, 'sensor ${i % 37} reading ${(i * 7919) % 1000}', ${i * i})`).join("; ") + " APPLY BATCH");
  const zipParts: Uint8Array[] = [];
  await e.exportSSTable({ zip: (c) => void zipParts.push(c.slice()) });
  await e.close();
  const files = unzipSync(Buffer.concat(zipParts));
  const sst = new Map(Object.entries(files).filter(([n]) => n.includes("-big-")).map(([n, b]) => [n.split("/").pop()!, b]));
  const r = await SSTableReader.openFiles(sst);
  expect(r.compression!.className).toBe(ZSTD_CLASS);
  await r.verifyChecksums();
  const data = [...sst].find(([n]) => n.endsWith("Data.db"))![1];
  const got = storedChunks(data, r.compression!.offsets);
  const content = await r.dataRange(0, r.dataLength);
  const size = r.compression!.chunkLength;
  // `zstd -d --check` verifies each frame's content checksum as it decodes
  for (let i = 0; i < got.length; i++) {
    const out = execFileSync("zstd", ["-d", "-q", "-c", "--check"], { input: got[i] });
    expect(Buffer.compare(out, content.subarray(i * size, (i + 1) * size)), `chunk ${i}`).toBe(0);
  }
  const { chunks, mismatches } = await compareWithCassandra(sst, 3);
  expect(chunks).toBeGreaterThan(3);
  expect(mismatches).toEqual([]);
});

test("a chunk whose Zstd content checksum does not match is a typed error naming file and chunk", async () => {
  const { back, files, data } = await rewrite("nb/legacy_tables/legacy_nb_clust", 3, 16);
  const offs = back.compression!.offsets.map(Number);
  const chunk = 2;
  const end = offs[chunk + 1] - 4; // the frame's end: its checksum's last byte is before this
  const bad = data.slice();
  bad[end - 1] ^= 0x10;
  // the chunk's CRC32 made right again, so only the content checksum can tell
  new DataView(bad.buffer).setUint32(end, crc32(bad.subarray(offs[chunk], end)));
  const broken = await SSTableReader.openFiles(new Map([...files].map(([n, b]) => [n, n.endsWith("Data.db") ? bad : b])));
  const err = await broken.partitions().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CorruptSSTableError);
  expect((err as CorruptSSTableError).code).toBe("CHECKSUM");
  expect((err as Error).message).toMatch(/Data\.db: chunk 2: its Zstd content checksum does not match/);
});
