// CRC32 through the core, for buffers of any size.
import { core } from "./core.js";

const CHUNK = 1 << 20;

/** java.util.zip.CRC32 of `b`, continuing from `crc` (0 to start). */
export function crc32(b: Uint8Array, crc = 0): number {
  const k = core();
  return k.call((x) => {
    let c = crc >>> 0;
    for (let off = 0; off < b.length; off += CHUNK) {
      const part = b.subarray(off, Math.min(b.length, off + CHUNK));
      const p = k.put(part);
      c = x.crc32(c, p, part.length) >>> 0;
    }
    return c;
  });
}

/** CRC32 of A‖B from CRC32(A), CRC32(B) and B's length, without reading either. */
export function crc32Combine(crcA: number, crcB: number, lenB: number): number {
  return core().call((x) => x.crc32Combine(crcA, crcB, lenB)) >>> 0;
}
