// What Cassandra's ZstdCompressor stores for a chunk, derived apart from the
// code under test: zstd-jni's Zstd.compress(dst, src, level, checksum = true)
// is libzstd 1.5.7's ZSTD_compress2 with the level and the checksum flag,
// i.e. ZSTD_compress's blocks with the header's checksum bit set and the
// content checksum appended. The blocks come from @hpcc-js/wasm-zstd
// (libzstd 1.5.7, another party's wasm build, not the one the engine
// loads), the checksum from the `zstd` CLI's --check frames (Debian's zstd).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Zstd } from "@hpcc-js/wasm-zstd";
import { SSTableReader } from "../src/sstable/reader.js";

let reference: Zstd | null = null;

/** libzstd 1.5.7 from @hpcc-js/wasm-zstd; fails unless it says it is 1.5.7. */
export async function loadReference(): Promise<void> {
  reference ??= await Zstd.load();
  if (reference.version() !== "1.5.7") throw new Error(`the reference libzstd is ${reference.version()}, not 1.5.7`);
}

/** Each input's content checksum as the `zstd` CLI writes it: the last 4 bytes of its --check frame. */
export function cliChecksums(inputs: Uint8Array[]): Uint8Array[] {
  const dir = mkdtempSync(join(tmpdir(), "zstd-check-"));
  try {
    const names = inputs.map((b, i) => {
      const f = join(dir, `c${i}`);
      writeFileSync(f, b);
      return f;
    });
    execFileSync("zstd", ["-q", "-1", "--check", "-f", ...names]);
    return names.map((f) => {
      const z = readFileSync(`${f}.zst`);
      return new Uint8Array(z.subarray(z.length - 4));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** libzstd 1.5.7's ZSTD_compress2(level, checksum) frame for `chunk`, given its checksum. */
export function referenceFrame(chunk: Uint8Array, level: number, checksum: Uint8Array): Uint8Array {
  if (!reference) throw new Error("loadReference() first");
  const blocks = reference.compress(chunk, level);
  const out = new Uint8Array(blocks.length + 4);
  out.set(blocks);
  out[4] |= 0x04; // the frame header descriptor's content checksum flag
  out.set(checksum, blocks.length);
  return out;
}

/** Data.db's stored chunks (CRC32s left out). */
export function storedChunks(data: Uint8Array, offsets: bigint[]): Uint8Array[] {
  const offs = offsets.map(Number);
  return offs.map((o, i) => data.subarray(o, (i + 1 < offs.length ? offs[i + 1] : data.length) - 4));
}

/**
 * For an SSTable whose chunks are Zstd: every stored chunk and the frame
 * Cassandra would store for its content; `mismatches` lists the chunks that differ.
 */
export async function compareWithCassandra(files: Map<string, Uint8Array>, level: number): Promise<{ chunks: number; mismatches: number[] }> {
  await loadReference();
  const r = await SSTableReader.openFiles(files);
  const data = [...files].find(([n]) => n.endsWith("-Data.db"))![1];
  const got = storedChunks(data, r.compression!.offsets);
  const content = await r.dataRange(0, r.dataLength);
  const size = r.compression!.chunkLength;
  const plain = got.map((_, i) => content.subarray(i * size, (i + 1) * size));
  const sums = cliChecksums(plain);
  const mismatches = got.flatMap((g, i) => (Buffer.compare(g, referenceFrame(plain[i], level, sums[i])) === 0 ? [] : [i]));
  return { chunks: got.length, mismatches };
}
