// A clustering prefix as Index.db's row index blocks store their first and
// last names: u8 kind, u16 value count (bounds and boundaries only; rows have
// one value per clustering column), then the values (src/sstable/clustering.ts).
import { ByteReader } from "../util/bytes.js";
import { fixedLength, readClusteringValues } from "./clustering.js";
import { CqlType } from "../types/cqltype.js";
import { KIND_CLUSTERING } from "../../assembly/format/constants.js";

export interface ClusteringPrefix {
  kind: number;
  /** null: a null value; an empty array: an empty value */
  values: (Uint8Array | null)[];
}

/** Reads one prefix; `types` are the table's clustering column types. */
export function readPrefix(r: ByteReader, types: CqlType[]): ClusteringPrefix {
  const at = r.pos;
  const kind = r.u8();
  const n = kind === KIND_CLUSTERING ? types.length : r.u16();
  if (n > types.length) r.onError(at, `clustering prefix of ${n} values, the table has ${types.length} clustering columns`);
  return { kind, values: readClusteringValues(r, n, types.map(fixedLength)) };
}
