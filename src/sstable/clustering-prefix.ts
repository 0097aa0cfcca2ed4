// A clustering prefix as IndexInfo writes it (the first and last names of a
// row index block): the kind byte, for bounds a u16 count, then the values
// under headers of two bits each (1: empty, 2: null), 32 values per header.
// Fixed-length types are written without a length, as the core reads them.
import { ByteReader } from "../util/bytes.js";
import { TableSchema } from "../schema/schema.js";
import { CqlType } from "../types/cqltype.js";
import { CLUSTERING_KIND } from "../schema/order.js";

export interface ClusteringPrefix {
  kind: number;
  values: (Uint8Array | null)[];
}

// AbstractType.valueLengthIfFixed, as assembly/schema.ts has it
function fixedLength(t: CqlType): number {
  switch (t.kind) {
    case "boolean": return 1;
    case "int": case "float": return 4;
    case "bigint": case "double": case "timestamp": return 8;
    case "uuid": case "timeuuid": return 16;
    default: return -1;
  }
}

const EMPTY = new Uint8Array(0);

export function readClusteringPrefix(schema: TableSchema, r: ByteReader): ClusteringPrefix {
  const kind = r.u8();
  const n = kind === CLUSTERING_KIND ? schema.clustering.length : r.u16();
  const values: (Uint8Array | null)[] = [];
  for (let off = 0; off < n; off += 32) {
    const hdr = r.uvint();
    for (let i = off; i < Math.min(n, off + 32); i++) {
      const bits = Number((hdr >> BigInt((i - off) * 2)) & 3n);
      if (bits & 2) values.push(null);
      else if (bits & 1) values.push(EMPTY);
      else {
        const f = fixedLength(schema.clustering[i].type);
        values.push(r.bytes(f >= 0 ? f : r.uvintNum()));
      }
    }
  }
  return { kind, values };
}
