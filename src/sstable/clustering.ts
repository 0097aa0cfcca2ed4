// Clustering values as Cassandra serializes them outside Data.db's rows (the
// row index, Statistics.db's covered slice): blocks of up to 32 values behind
// a vint header with two bits per value (low: empty, high: null), each value
// raw when its type has a fixed length, else behind a vint length.
import { ByteReader, ByteWriter } from "../util/bytes.js";
import { CqlType } from "../types/cqltype.js";
import { parseClassName } from "../types/classname.js";

/** Bytes of a value of this type when every value has the same length, else -1 (valueLengthIfFixed). */
export function fixedLength(t: CqlType): number {
  switch (t.kind) {
    case "boolean": return 1;
    case "int": case "float": return 4;
    case "bigint": case "double": case "timestamp": return 8;
    case "uuid": case "timeuuid": return 16;
    default: return -1;
  }
}

/** Fixed lengths of clustering types given as class names (ReversedType unwrapped). */
export function fixedLengthsOf(typeNames: string[]): number[] {
  return typeNames.map((n) => fixedLength(parseClassName(n).type));
}

/** n values; null for a null value. */
export function readClusteringValues(r: ByteReader, n: number, fixed: number[]): (Uint8Array | null)[] {
  const out: (Uint8Array | null)[] = [];
  for (let off = 0; off < n; off += 32) {
    const hdr = r.uvint();
    for (let i = off; i < Math.min(n, off + 32); i++) {
      const bits = Number((hdr >> BigInt((i - off) * 2)) & 3n);
      if (bits & 2) out.push(null);
      else if (bits & 1) out.push(new Uint8Array(0));
      else {
        const f = fixed[i] ?? -1;
        out.push(r.bytes(f >= 0 ? f : r.uvintNum()).slice());
      }
    }
  }
  return out;
}

export function writeClusteringValues(w: ByteWriter, values: (Uint8Array | null)[], fixed: number[]): void {
  for (let off = 0; off < values.length; off += 32) {
    let hdr = 0n;
    const end = Math.min(values.length, off + 32);
    for (let i = off; i < end; i++) {
      const v = values[i];
      if (v === null) hdr |= 2n << BigInt((i - off) * 2);
      else if (v.length === 0) hdr |= 1n << BigInt((i - off) * 2);
    }
    w.uvint(hdr);
    for (let i = off; i < end; i++) {
      const v = values[i];
      if (v === null || v.length === 0) continue;
      if ((fixed[i] ?? -1) < 0) w.uvint(v.length);
      w.bytes(v);
    }
  }
}
