// Reading Snappy- and Deflate-compressed Data.db: chunks re-compressed the way
// Cassandra's SnappyCompressor (raw Snappy) and DeflateCompressor (zlib) store them.
import { test, expect } from "vitest";
import "./helpers.js";
import { compress as snappy } from "snappyjs";
import { zlibSync } from "fflate";
import { Rng, randomSchema, randomPartitions, plain } from "./gen.js";
import { SSTableWriter, MemorySink } from "../src/sstable/writer.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { readCompressionInfo, writeCompressionInfo } from "../src/sstable/compression.js";
import { features } from "../src/sstable/version.js";
import { crc32 } from "../src/core/checksum.js";
import { ByteWriter } from "../src/util/bytes.js";
import { SNAPPY_CLASS, DEFLATE_CLASS } from "../src/schema/schema.js";

for (const [name, cls, pack] of [
  ["Snappy", SNAPPY_CLASS, (b: Uint8Array) => snappy(b)],
  ["Deflate", DEFLATE_CLASS, (b: Uint8Array) => zlibSync(b)],
] as const) {
  test(`${name} chunks`, async () => {
    const r = new Rng(99);
    let schema = randomSchema(r);
    while (!schema.options.compression.enabled) schema = randomSchema(r);
    schema.options.compression.chunkLengthKb = 4;
    const parts = randomPartitions(r, schema, 60);
    const sink = new MemorySink();
    const w = new SSTableWriter(schema, sink, { version: "nb", generation: 1, expectedKeys: parts.length });
    await w.append(parts);
    await w.finish();
    const lz4 = await SSTableReader.openFiles(sink.files("nb", 1), { schema });
    const f = features("nb");
    const ci = readCompressionInfo(sink.get("CompressionInfo.db")!, f);
    const data = new ByteWriter();
    const offsets: bigint[] = [];
    for (let i = 0; i < ci.offsets.length; i++) {
      const from = i * ci.chunkLength;
      const plainChunk = await lz4.dataRange(from, Math.min(lz4.dataLength, from + ci.chunkLength));
      const packed = pack(plainChunk);
      offsets.push(BigInt(data.len));
      data.bytes(packed).u32(crc32(packed));
    }
    const files = sink.files("nb", 1);
    files.set("nb-1-big-Data.db", data.result());
    files.set("nb-1-big-CompressionInfo.db", writeCompressionInfo({ ...ci, className: cls, offsets }, f));
    files.set("nb-1-big-Digest.crc32", new TextEncoder().encode(String(crc32(data.result()))));
    const other = await SSTableReader.openFiles(files, { schema });
    expect(other.compression!.className).toBe(cls);
    expect(plain(await other.partitions())).toEqual(plain(parts));
  });
}
