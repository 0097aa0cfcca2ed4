// Writes a compressed Data.db anew from uncompressed bytes (LZ4 chunks with
// their CRCs, CompressionInfo.db's offsets and length, Digest.crc32), so a
// fuzz input can damage the partitions themselves of a compressed table and
// still get past every checksum to the decoder and to validation.
import { lz4Block } from "../helpers.js";
import { crc32 } from "../../src/core/checksum.js";
import { readCompressionInfo, writeCompressionInfo } from "../../src/sstable/compression.js";
import { features } from "../../src/sstable/version.js";
import { LZ4_CLASS } from "../../src/schema/schema.js";
import { ByteWriter, utf8 } from "../../src/util/bytes.js";

/** Whether `files` hold an LZ4-compressed table this can rewrite. */
export function canRechunk(files: Map<string, Uint8Array>, version: string): boolean {
  const ci = component(files, "CompressionInfo.db");
  if (!ci) return false;
  try {
    return readCompressionInfo(ci[1], features(version)).className === LZ4_CLASS;
  } catch {
    return false;
  }
}

export function rechunk(files: Map<string, Uint8Array>, version: string, plain: Uint8Array): void {
  const f = features(version);
  const [ciName, ciBytes] = component(files, "CompressionInfo.db")!;
  const ci = readCompressionInfo(ciBytes, f);
  const out = new ByteWriter(plain.length + 64);
  const offsets: bigint[] = [];
  for (let at = 0; at < plain.length; at += ci.chunkLength) {
    const raw = plain.subarray(at, at + ci.chunkLength);
    let stored = lz4(raw);
    if (stored.length >= ci.maxCompressedLength) stored = raw; // as Cassandra 4.x stores chunks compression does not shrink
    offsets.push(BigInt(out.len));
    out.bytes(stored).u32(crc32(stored));
  }
  const data = out.result();
  files.set(component(files, "Data.db")![0], data);
  files.set(ciName, writeCompressionInfo({ ...ci, dataLength: BigInt(plain.length), offsets }, f));
  const digest = component(files, "Digest.crc32");
  if (digest) files.set(digest[0], utf8(String(crc32(data))));
}

/** LZ4Compressor's chunk: the uncompressed length (i32, little-endian), then the LZ4 block. */
function lz4(raw: Uint8Array): Uint8Array {
  const block = lz4Block(raw);
  const out = new Uint8Array(4 + block.length);
  new DataView(out.buffer).setInt32(0, raw.length, true);
  out.set(block, 4);
  return out;
}

function component(files: Map<string, Uint8Array>, c: string): [string, Uint8Array] | undefined {
  return [...files].find(([n]) => n.endsWith(`-${c}`));
}
