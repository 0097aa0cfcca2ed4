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
