// CompressionInfo.db and the chunked Data.db it describes.
import { ByteReader, ByteWriter } from "../util/bytes.js";
import { CorruptSSTableError, UnsupportedFormatError, CoreError } from "../errors.js";
import { core } from "../core/core.js";
import { unzlibSync } from "fflate";
import { uncompress as snappyUncompress } from "snappyjs";
import { LZ4_CLASS, SNAPPY_CLASS, DEFLATE_CLASS, ZSTD_CLASS } from "../schema/schema.js";
import { VersionFeatures } from "./version.js";
import { ERR_CHECKSUM } from "../../assembly/format/constants.js";

export interface CompressionInfo {
  className: string;
  options: Record<string, string>;
  chunkLength: number;
  /** chunks stored at or above this length are stored uncompressed (4.x) */
  maxCompressedLength: number;
  dataLength: bigint;
  offsets: bigint[];
}

const SHORT: Record<string, string> = {
  LZ4Compressor: LZ4_CLASS, SnappyCompressor: SNAPPY_CLASS, DeflateCompressor: DEFLATE_CLASS, ZstdCompressor: ZSTD_CLASS,
};

export function fullCompressorClass(name: string): string {
  return SHORT[name] ?? name;
}

export function readCompressionInfo(b: Uint8Array, f: VersionFeatures, file = "CompressionInfo.db"): CompressionInfo {
  const r = new ByteReader(b, (off, what) => {
    throw new CorruptSSTableError(file, off, what);
  });
  const className = r.utf();
  const n = r.i32();
  if (n < 0 || n > 1000) throw new CorruptSSTableError(file, r.pos - 4, `bad option count ${n}`);
  const options: Record<string, string> = {};
  for (let i = 0; i < n; i++) options[r.utf()] = r.utf();
  const chunkLength = r.i32();
  if (chunkLength <= 0 || (chunkLength & (chunkLength - 1)) !== 0)
    throw new CorruptSSTableError(file, r.pos - 4, `bad chunk length ${chunkLength}`);
  const maxCompressedLength = f.maxCompressedLength ? r.i32() : 0x7fffffff;
  const dataLength = r.i64();
  const count = r.i32();
  const expected = dataLength === 0n ? 0 : Number((dataLength + BigInt(chunkLength) - 1n) / BigInt(chunkLength));
  if (count !== expected) throw new CorruptSSTableError(file, r.pos - 4, `chunk count ${count} does not cover ${dataLength} bytes`);
  const offsets: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const o = r.i64();
    // chunks follow one another in Data.db: each offset at or after the previous one
    if (o < (offsets.at(-1) ?? 0n) || o > BigInt(Number.MAX_SAFE_INTEGER)) throw new CorruptSSTableError(file, r.pos - 8, `chunk ${i} offset ${o} out of order or range`);
    offsets.push(o);
  }
  if (r.remaining !== 0) throw new CorruptSSTableError(file, r.pos, "trailing bytes");
  return { className: fullCompressorClass(className), options, chunkLength, maxCompressedLength, dataLength, offsets };
}

// Cassandra 3.0 and later write the compressor's simple class name (and
// accept a qualified one when reading).
export function writeCompressionInfo(c: CompressionInfo, f: VersionFeatures): Uint8Array {
  const w = new ByteWriter(64 + c.offsets.length * 8);
  const name = c.className.replace(/^org\.apache\.cassandra\.io\.compress\./, "");
  w.utf(name);
  const entries = Object.entries(c.options);
  w.i32(entries.length);
  for (const [k, v] of entries) w.utf(k).utf(v);
  w.i32(c.chunkLength);
  if (f.maxCompressedLength) w.i32(c.maxCompressedLength);
  w.i64(c.dataLength).i32(c.offsets.length);
  for (const o of c.offsets) w.i64(o);
  return w.result();
}

/** Cassandra stores a chunk as it is when compressing it would not save enough. */
export function storedUncompressed(c: CompressionInfo, stored: Uint8Array): boolean {
  return stored.length >= c.maxCompressedLength;
}

/** An LZ4 chunk's uncompressed length, from its header, which must say `want`. */
export function lz4Length(stored: Uint8Array, want: number, file: string, offset: number): number {
  if (stored.length < 4) throw new CorruptSSTableError(file, offset, "LZ4 chunk shorter than its header");
  const n = new DataView(stored.buffer, stored.byteOffset, 4).getInt32(0, true);
  if (n !== want) throw new CorruptSSTableError(file, offset, `LZ4 chunk says ${n} bytes, expected ${want}`);
  return n;
}

/** Decompresses one stored chunk (the `chunk`th, without its trailing CRC) into `uncompressedLength` bytes. */
export function decompressChunk(c: CompressionInfo, stored: Uint8Array, uncompressedLength: number, file: string, offset: number, chunk = 0): Uint8Array {
  if (storedUncompressed(c, stored)) return stored.slice();
  try {
    if (c.className === LZ4_CLASS) {
      const n = lz4Length(stored, uncompressedLength, file, offset);
      const k = core();
      return k.call((x) => {
        const src = x.alloc(stored.length);
        const dst = x.alloc(n);
        k.bytes(src, stored.length).set(stored);
        x.lz4Decompress(src + 4, stored.length - 4, dst, n);
        const out = k.bytes(dst, n).slice();
        x.free(src);
        x.free(dst);
        return out;
      });
    }
    if (c.className === ZSTD_CLASS) return zstdDecompress(stored, uncompressedLength);
    if (c.className === SNAPPY_CLASS) return snappyUncompress(stored);
    if (c.className === DEFLATE_CLASS) return unzlibSync(stored);
  } catch (e) {
    if (e instanceof CorruptSSTableError) throw e;
    if (e instanceof CoreError && e.coreCode === ERR_CHECKSUM)
      throw new CorruptSSTableError(file, offset + e.offset, `chunk ${chunk}: its Zstd content checksum does not match the decompressed bytes`, "CHECKSUM");
    if (e instanceof CoreError) throw new CorruptSSTableError(file, offset + e.offset, `corrupt ${c.className === ZSTD_CLASS ? "Zstd" : "LZ4"} chunk ${chunk}`);
    throw new CorruptSSTableError(file, offset, `corrupt compressed chunk (${(e as Error).message})`);
  }
  throw new UnsupportedFormatError(`unsupported compressor ${c.className}`);
}

/**
 * One Zstandard frame (what ZstdCompressor stores per chunk, no header of its
 * own) decompressed by the core into at most `capacity` bytes; its content
 * checksum, if it has one, verified.
 */
export function zstdDecompress(frame: Uint8Array, capacity: number): Uint8Array {
  const k = core();
  return k.call((x) => {
    const src = x.alloc(Math.max(1, frame.length));
    const dst = x.alloc(Math.max(1, capacity));
    k.bytes(src, frame.length).set(frame);
    const n = x.zstdDecompress(src, frame.length, dst, capacity);
    const out = k.bytes(dst, n).slice();
    x.free(src);
    x.free(dst);
    return out;
  });
}
