// Data.db as it lands on disk. Compressed: fixed-size chunks of the
// uncompressed stream, each LZ4-compressed (4-byte LE length + block) or one
// Zstandard frame (zstd-frame.ts), followed by a big-endian CRC32 of the
// stored bytes; CompressionInfo.db lists where each chunk starts.
// Uncompressed: the stream as is, with CRC.db holding one CRC32 per chunk;
// those file bytes are the stream's, so they stay where the rows were
// written and the host drains them from there (no copy into `out`).
// Either way Digest.crc32 covers the file.
import { Out } from "../util/out";
import { crc32Update, crc32Combine } from "../encoding/crc32";
import { lz4Compress, lz4Bound } from "../encoding/lz4";
import { zstdCompress, zstdBound } from "../encoding/zstd-frame";

export class ChunkSink {
  chunkLen: i32;
  compressed: bool;
  maxCompressedLen: i32;
  pending: Out = new Out(); // uncompressed bytes not yet in a chunk (in place: and the chunks not yet drained)
  out: Out = new Out(); // file bytes ready to be drained by the host (unused in place)
  // in place: the first `ready` bytes of `pending` are whole chunks,
  // checksummed, which the host drains from there
  inPlace: bool;
  ready: i32 = 0;
  offsets: Out = new Out(); // i64 BE chunk offsets (compressed) for CompressionInfo
  crcs: Out = new Out(); // i32 BE per-chunk CRCs (uncompressed) for CRC.db
  digest: u32 = 0; // CRC32 of every byte of the file so far
  fileLen: i64 = 0; // bytes of the file produced so far
  uncompressedLen: i64 = 0;
  chunks: i32 = 0;
  scratch: Out = new Out();

  zstd: bool; // chunks compressed with Zstd (at zstdLevel) rather than LZ4
  zstdLevel: i32;

  // chunks are counted and dropped: no checksum, compression or file bytes
  discard: bool;

  constructor(chunkLen: i32, compressed: bool, maxCompressedLen: i32, zstd: bool, zstdLevel: i32, discard: bool = false) {
    this.discard = discard;
    this.zstd = zstd;
    this.zstdLevel = zstdLevel;
    assert(chunkLen > 0 && (chunkLen & (chunkLen - 1)) == 0, "chunk length must be a power of two");
    this.chunkLen = chunkLen;
    this.compressed = compressed;
    this.maxCompressedLen = maxCompressedLen;
    this.inPlace = !compressed && !discard;
  }

  // Position in the uncompressed stream (what Index.db records).
  @inline position(): i64 {
    return this.uncompressedLen + <i64>(this.pending.len - this.ready);
  }

  write(o: Out): void {
    this.pending.append(o);
    this.wrote();
  }

  // After bytes were written into `pending` directly: emits the chunks filled.
  @inline wrote(): void {
    if (this.pending.len - this.ready >= this.chunkLen) this.cut(false);
  }

  // Emits every full chunk; with `all`, the partial tail too.
  cut(all: bool): void {
    let off = this.ready;
    const n = this.pending.len;
    while (n - off >= this.chunkLen || (all && n - off > 0)) {
      const len = n - off < this.chunkLen ? n - off : this.chunkLen;
      this.emit(this.pending.ptr + <usize>off, len);
      off += len;
    }
    if (this.inPlace) this.ready = off;
    else if (off > 0) {
      memory.copy(this.pending.ptr, this.pending.ptr + <usize>off, <usize>(n - off));
      this.pending.len = n - off;
    }
  }

  // What the host drains: file bytes ready to go.
  @inline outPtr(): usize {
    return this.inPlace ? this.pending.ptr : this.out.ptr;
  }
  @inline outLen(): i32 {
    return this.inPlace ? this.ready : this.out.len;
  }

  // The host took the first n of them: the rest moves to the front.
  consume(n: i32): void {
    const o = this.inPlace ? this.pending : this.out;
    assert(n >= 0 && n <= this.outLen(), "ChunkSink: more drained than is ready");
    memory.copy(o.ptr, o.ptr + <usize>n, <usize>(o.len - n));
    o.len -= n;
    if (this.inPlace) this.ready -= n;
  }

  private emit(p: usize, len: i32): void {
    this.uncompressedLen += len;
    this.chunks++;
    if (this.discard) return;
    if (this.inPlace) {
      const crc = crc32Update(0, p, len);
      this.crcs.i32be(<i32>crc);
      this.digest = crc32Combine(this.digest, crc, len);
      this.fileLen += len;
      return;
    }
    this.offsets.i64be(this.fileLen);
    const s = this.scratch;
    s.reset();
    let clen: i32;
    if (this.zstd) {
      // ZstdCompressor stores the frame alone
      s.ensure(zstdBound(len));
      clen = zstdCompress(p, len, s.ptr, this.zstdLevel);
    } else {
      s.ensure(lz4Bound(len) + 8);
      store<i32>(s.ptr, len); // LZ4Compressor's header: uncompressed length, little-endian
      clen = lz4Compress(p, len, s.ptr + 4) + 4;
    }
    let stored = s.ptr;
    let storedLen = clen;
    if (clen >= this.maxCompressedLen) {
      // Cassandra 4.x keeps a chunk raw when compression does not pay; a reader
      // tells by its length (>= max compressed length).
      stored = p;
      storedLen = len;
    }
    const crc = crc32Update(0, stored, storedLen);
    this.put(stored, storedLen, crc);
    this.scratch.reset();
    this.scratch.i32be(<i32>crc);
    this.put(this.scratch.ptr, 4, crc32Update(0, this.scratch.ptr, 4));
  }

  // `crc` is the CRC32 of these n bytes, already known: the digest extends by it
  private put(p: usize, n: i32, crc: u32): void {
    this.digest = crc32Combine(this.digest, crc, n);
    this.out.bytes(p, n);
    this.fileLen += n;
  }

  finish(): void {
    this.cut(true);
  }
}
