// Statistics.db: a table of contents, then the VALIDATION, COMPACTION, STATS
// and HEADER components. 'nb' adds a CRC32 after the component count, after
// the table of contents (cumulative) and after each component.
import { ByteReader, ByteWriter } from "../util/bytes.js";
import { crc32 } from "../core/checksum.js";
import { CorruptSSTableError } from "../errors.js";
import { VersionFeatures } from "./version.js";
import { SerializationHeader, readSerializationHeader, writeSerializationHeader } from "./header.js";
import { StatsMetadata, readStats, writeStats } from "./stats-metadata.js";

export const MURMUR3_PARTITIONER = "org.apache.cassandra.dht.Murmur3Partitioner";
/** Cassandra's own test tables use it; we read such files but never write them */
export const BYTE_ORDERED_PARTITIONER = "org.apache.cassandra.dht.ByteOrderedPartitioner";

export const VALIDATION = 0;
export const COMPACTION = 1;
export const STATS = 2;
export const HEADER = 3;

export interface Statistics {
  partitioner: string;
  bloomFilterFpChance: number;
  /** CompactionMetadata: the serialized HyperLogLog++ cardinality estimator */
  cardinality: Uint8Array;
  stats: StatsMetadata;
  header: SerializationHeader;
}

export function readStatistics(b: Uint8Array, f: VersionFeatures, file = "Statistics.db"): Statistics {
  const fail = (off: number, what: string): never => {
    throw new CorruptSSTableError(file, off, what, what.startsWith("checksum") ? "CHECKSUM" : "CORRUPT");
  };
  const r = new ByteReader(b, fail);
  const count = r.i32();
  if (count < 1 || count > 16) fail(0, `bad component count ${count}`);
  if (f.metadataChecksum) {
    const c = r.u32();
    if (c !== crc32(b.subarray(0, 4))) fail(4, "checksum mismatch in table of contents");
  }
  const tocStart = r.pos;
  const toc: [number, number][] = [];
  for (let i = 0; i < count; i++) toc.push([r.i32(), r.i32()]);
  if (f.metadataChecksum) {
    const c = r.u32();
    const crc = crc32(b.subarray(tocStart, r.pos - 4), crc32(b.subarray(0, 4)));
    if (c !== crc) fail(r.pos - 4, "checksum mismatch in table of contents");
  }
  const parts = new Map<number, ByteReader>();
  toc.forEach(([type, offset], i) => {
    const end = i + 1 < toc.length ? toc[i + 1][1] : b.length;
    if (offset < r.pos || end > b.length || end < offset) fail(tocStart + i * 8 + 4, `component ${type} at ${offset} out of bounds`);
    let body = b.subarray(offset, end);
    if (f.metadataChecksum) {
      if (body.length < 4) fail(offset, `component ${type} truncated`);
      const stored = new DataView(body.buffer, body.byteOffset + body.length - 4, 4).getUint32(0);
      body = body.subarray(0, body.length - 4);
      if (stored !== crc32(body)) fail(end - 4, `checksum mismatch in component ${type}`);
    }
    parts.set(type, new ByteReader(body, (off, what) => fail(offset + off, what)));
  });
  const need = (t: number) => parts.get(t) ?? fail(0, `missing metadata component ${t}`);
  const v = need(VALIDATION);
  const partitioner = v.utf();
  const bloomFilterFpChance = v.f64();
  const c = need(COMPACTION);
  const cardinality = c.bytes(c.i32()).slice();
  const stats = readStats(need(STATS), f);
  const header = readSerializationHeader(need(HEADER));
  return { partitioner, bloomFilterFpChance, cardinality, stats, header };
}

export function writeStatistics(s: Statistics, f: VersionFeatures): Uint8Array {
  const bodies: Uint8Array[] = [];
  let w = new ByteWriter();
  w.utf(s.partitioner).f64(s.bloomFilterFpChance);
  bodies.push(w.result());
  w = new ByteWriter();
  w.i32(s.cardinality.length).bytes(s.cardinality);
  bodies.push(w.result());
  w = new ByteWriter(1024);
  writeStats(w, s.stats, f);
  bodies.push(w.result());
  w = new ByteWriter();
  writeSerializationHeader(w, s.header);
  bodies.push(w.result());

  const out = new ByteWriter(4096);
  out.i32(bodies.length);
  if (f.metadataChecksum) out.u32(crc32(out.result()));
  const extra = f.metadataChecksum ? 4 : 0;
  let offset = 4 + extra + bodies.length * 8 + extra;
  const tocStart = out.len;
  bodies.forEach((body, type) => {
    out.i32(type).i32(offset);
    offset += body.length + extra;
  });
  if (f.metadataChecksum) {
    const all = out.result();
    out.u32(crc32(all.subarray(tocStart), crc32(all.subarray(0, 4))));
  }
  for (const body of bodies) {
    out.bytes(body);
    if (f.metadataChecksum) out.u32(crc32(body));
  }
  return out.result();
}
