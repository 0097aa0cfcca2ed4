// Type, table and header descriptors: how the host tells the core about a
// schema (layout in docs/core-abi.md).
import { CqlType } from "../types/cqltype.js";
import { TableSchema } from "../schema/schema.js";
import { ByteWriter } from "../util/bytes.js";
import * as K from "../../assembly/format/constants.js";

const CODES: Record<string, number> = {
  ascii: K.T_ASCII, text: K.T_TEXT, int: K.T_INT, bigint: K.T_BIGINT, smallint: K.T_SMALLINT, tinyint: K.T_TINYINT,
  varint: K.T_VARINT, decimal: K.T_DECIMAL, float: K.T_FLOAT, double: K.T_DOUBLE, boolean: K.T_BOOLEAN, blob: K.T_BLOB,
  uuid: K.T_UUID, timeuuid: K.T_TIMEUUID, timestamp: K.T_TIMESTAMP, date: K.T_DATE, time: K.T_TIME,
  duration: K.T_DURATION, inet: K.T_INET, counter: K.T_COUNTER, list: K.T_LIST, set: K.T_SET, map: K.T_MAP,
  tuple: K.T_TUPLE, udt: K.T_UDT, empty: K.T_EMPTY,
};

export function writeTypeDescriptor(w: ByteWriter, t: CqlType, reversed = false): void {
  let b = CODES[t.kind];
  if ("frozen" in t && t.frozen) b |= K.T_FROZEN;
  if (reversed) b |= K.T_REVERSED;
  w.u8(b);
  if (t.kind === "list" || t.kind === "set") writeTypeDescriptor(w, t.elem);
  else if (t.kind === "map") {
    writeTypeDescriptor(w, t.key);
    writeTypeDescriptor(w, t.value);
  } else if (t.kind === "tuple") {
    w.u16(t.elems.length);
    for (const e of t.elems) writeTypeDescriptor(w, e);
  } else if (t.kind === "udt") {
    w.u16(t.fields.length);
    for (const f of t.fields) writeTypeDescriptor(w, f.type);
  }
}

export function tableDescriptor(s: TableSchema): Uint8Array {
  const w = new ByteWriter();
  w.u16(s.partitionKey.length);
  for (const c of s.partitionKey) writeTypeDescriptor(w, c.type);
  w.u16(s.clustering.length);
  for (const c of s.clustering) writeTypeDescriptor(w, c.type, c.reversed);
  w.u16(s.columns.length);
  for (const c of s.columns) {
    w.u8(c.kind === "static" ? 1 : 0);
    writeTypeDescriptor(w, c.type);
  }
  return w.result();
}

export interface EncodingStats {
  minTimestamp: bigint;
  minLocalDeletionTime: number;
  minTTL: number;
}

/** Header descriptor: the SSTable's EncodingStats and its columns (indexes into schema.columns). */
export function headerDescriptor(stats: EncodingStats, statics: number[], regulars: number[]): Uint8Array {
  const w = new ByteWriter();
  w.i64(stats.minTimestamp).i32(stats.minLocalDeletionTime).i32(stats.minTTL);
  w.u16(statics.length);
  for (const i of statics) w.u16(i);
  w.u16(regulars.length);
  for (const i of regulars) w.u16(i);
  return w.result();
}
