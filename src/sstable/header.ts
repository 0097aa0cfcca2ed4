// The serialization header component of Statistics.db: EncodingStats, the
// key and clustering types, and the static and regular columns with types.
import { ByteReader, ByteWriter, utf8 } from "../util/bytes.js";
import { parseClassName, ParsedClass } from "../types/classname.js";
import { EncodingStats } from "../core/descriptors.js";

import { TIMESTAMP_EPOCH_SECONDS, DELETION_TIME_EPOCH, TTL_EPOCH } from "../../assembly/format/constants.js";

/** EncodingStats' timestamp epoch, in microseconds (the epochs live in assembly/format/constants.ts) */
export const TIMESTAMP_EPOCH = BigInt(TIMESTAMP_EPOCH_SECONDS) * 1_000_000n;
export { DELETION_TIME_EPOCH, TTL_EPOCH };

export interface HeaderColumn {
  name: string;
  typeName: string;
  type: ParsedClass;
}

export interface SerializationHeader {
  stats: EncodingStats;
  keyTypeName: string;
  clusteringTypeNames: string[];
  staticColumns: HeaderColumn[];
  regularColumns: HeaderColumn[];
}

function readType(r: ByteReader): string {
  return r.utf8(r.uvintNum());
}

function writeType(w: ByteWriter, name: string): void {
  const b = utf8(name);
  w.uvint(b.length).bytes(b);
}

export function readEncodingStats(r: ByteReader): EncodingStats {
  const ts = BigInt.asIntN(64, r.uvint() + TIMESTAMP_EPOCH);
  const ldt = Number(BigInt.asIntN(32, r.uvint() + BigInt(DELETION_TIME_EPOCH)));
  const ttl = Number(BigInt.asIntN(32, r.uvint() + BigInt(TTL_EPOCH)));
  return { minTimestamp: ts, minLocalDeletionTime: ldt, minTTL: ttl };
}

export function writeEncodingStats(w: ByteWriter, s: EncodingStats): void {
  w.uvint(BigInt.asUintN(64, s.minTimestamp - TIMESTAMP_EPOCH));
  w.uvint(BigInt.asUintN(64, BigInt(s.minLocalDeletionTime - DELETION_TIME_EPOCH)));
  w.uvint(BigInt.asUintN(64, BigInt(s.minTTL - TTL_EPOCH)));
}

function readColumns(r: ByteReader): HeaderColumn[] {
  const n = r.uvintNum();
  const out: HeaderColumn[] = [];
  for (let i = 0; i < n; i++) {
    const name = r.utf8(r.uvintNum());
    const at = r.pos;
    const typeName = readType(r);
    let type: ParsedClass;
    try {
      type = parseClassName(typeName);
    } catch (e) {
      r.onError(at, `column '${name}': ${(e as Error).message}`);
    }
    out.push({ name, typeName, type: type! });
  }
  return out;
}

export function readSerializationHeader(r: ByteReader): SerializationHeader {
  const stats = readEncodingStats(r);
  const checked = (what: string): string => {
    const at = r.pos;
    const name = readType(r);
    try {
      parseClassName(name);
    } catch (e) {
      r.onError(at, `${what}: ${(e as Error).message}`);
    }
    return name;
  };
  const keyTypeName = checked("partition key type");
  const nck = r.uvintNum();
  const clusteringTypeNames: string[] = [];
  for (let i = 0; i < nck; i++) clusteringTypeNames.push(checked(`clustering type ${i}`));
  const staticColumns = readColumns(r);
  const regularColumns = readColumns(r);
  return { stats, keyTypeName, clusteringTypeNames, staticColumns, regularColumns };
}

export function writeSerializationHeader(w: ByteWriter, h: SerializationHeader): void {
  writeEncodingStats(w, h.stats);
  writeType(w, h.keyTypeName);
  w.uvint(h.clusteringTypeNames.length);
  for (const t of h.clusteringTypeNames) writeType(w, t);
  for (const cols of [h.staticColumns, h.regularColumns]) {
    w.uvint(cols.length);
    for (const c of cols) {
      const b = utf8(c.name);
      w.uvint(b.length).bytes(b);
      writeType(w, c.typeName);
    }
  }
}
