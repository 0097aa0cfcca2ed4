// A clustering prefix as Index.db's row index blocks store their first and
// last names: u8 kind, u16 value count (bounds and boundaries only; rows have
// one value per clustering column), then the values in blocks of 32, each
// block led by a vint with two bits per value (low: empty, high: null).
// Fixed-length types are written raw, others with a vint length.
import { ByteReader } from "../util/bytes.js";
import { CqlType } from "../types/cqltype.js";
import { KIND_CLUSTERING } from "../../assembly/format/constants.js";

export interface ClusteringPrefix {
  kind: number;
  /** null: a null value; an empty array: an empty value */
  values: (Uint8Array | null)[];
}

// Cassandra's AbstractType.valueLengthIfFixed, as assembly/schema.ts has it
export function fixedLength(t: CqlType): number {
  switch (t.kind) {
    case "boolean": return 1;
    case "int": case "float": return 4;
    case "bigint": case "double": case "timestamp": return 8;
    case "uuid": case "timeuuid": return 16;
    default: return -1;
  }
}

const EMPTY = new Uint8Array(0);

/** Reads one prefix; `types` are the table's clustering column types. */
export function readPrefix(r: ByteReader, types: CqlType[]): ClusteringPrefix {
  const at = r.pos;
  const kind = r.u8();
  const n = kind === KIND_CLUSTERING ? types.length : r.u16();
  if (n > types.length) r.onError(at, `clustering prefix of ${n} values, the table has ${types.length} clustering columns`);
  const values: (Uint8Array | null)[] = [];
  for (let off = 0; off < n; off += 32) {
    const hdr = r.uvint();
    for (let i = off; i < Math.min(n, off + 32); i++) {
      const bits = Number((hdr >> BigInt((i - off) * 2)) & 3n);
      if (bits & 2) values.push(null);
      else if (bits & 1) values.push(EMPTY);
      else {
        const f = fixedLength(types[i]);
        values.push(r.bytes(f >= 0 ? f : r.uvintNum()));
      }
    }
  }
  return { kind, values };
}
