// Writing one Zstandard frame per chunk exactly as Cassandra's ZstdCompressor
// does: zstd-jni's Zstd.compress(dst, src, level, checksum = true), i.e.
// libzstd's ZSTD_compress2 with the level and the checksum flag. Its blocks
// are ZSTD_compress's blocks at that level; the flag only sets the header's
// checksum bit and appends XXH64's low 32 bits. The host supplies
// ZSTD_compress itself (libzstd 1.5.7 compiled to wasm, the version
// Cassandra's zstd-jni carries): a compressor we wrote would give valid
// frames but not Cassandra's bytes. The frame's layout stays here.
import { fail, ERR_UNSUPPORTED } from "../util/error";
import { xxh64 } from "./xxh64";
import { FHD_CHECKSUM } from "./zstd";

// libzstd's ZSTD_compress of src[0..n) at `level` into dst[0..cap): the
// frame's length, or < 0 if the host has no libzstd (or it failed).
@external("host", "zstdCompress")
declare function hostZstdCompress(src: usize, n: i32, dst: usize, cap: i32, level: i32): i32;

const CHECKSUM_BYTES = 4;
const BLOCK_MAX = 128 << 10;

// ZSTD_COMPRESSBOUND, plus the checksum: what a frame of n bytes may take.
export function zstdBound(n: i32): i32 {
  const small = n < BLOCK_MAX ? (BLOCK_MAX - n) >> 11 : 0;
  return n + (n >> 8) + small + CHECKSUM_BYTES;
}

// src[0..n) as Cassandra's frame into dst (capacity zstdBound(n)); returns its length.
export function zstdCompress(src: usize, n: i32, dst: usize, level: i32): i32 {
  const cap = zstdBound(n);
  const len = hostZstdCompress(src, n, dst, cap - CHECKSUM_BYTES, level);
  if (len < 0) fail(ERR_UNSUPPORTED, 0);
  // ZSTD_compress wrote no dictionary id and no checksum: byte 4 is the descriptor
  store<u8>(dst + 4, load<u8>(dst + 4) | <u8>FHD_CHECKSUM);
  store<u32>(dst + <usize>len, <u32>xxh64(src, n));
  return len + CHECKSUM_BYTES;
}
