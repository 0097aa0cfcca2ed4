// The STATS component of Statistics.db (StatsMetadata in Cassandra).
import { ByteReader, ByteWriter, utf8, utf8decode } from "../util/bytes.js";
import { VersionFeatures } from "./version.js";
import { KIND_INCL_START_BOUND, KIND_INCL_END_BOUND, NO_DELETION_TIME } from "../../assembly/format/constants.js";
import { readClusteringValues, writeClusteringValues, fixedLengthsOf } from "./clustering.js";

export interface CommitLogPosition {
  segmentId: bigint;
  position: number;
}

export const NO_COMMITLOG_POSITION: CommitLogPosition = { segmentId: -1n, position: 0 };

/** One end of a clustering slice: a bound kind (KIND_*) and its values. */
export interface ClusteringBound {
  kind: number;
  values: (Uint8Array | null)[];
}

/** oa's covered clustering: the slice every row and marker of the SSTable falls in, with the clustering types. */
export interface CoveredClustering {
  types: string[];
  start: ClusteringBound;
  end: ClusteringBound;
}


export interface StatsMetadata {
  /** EstimatedHistogram bucket counts (offsets are implied) */
  partitionSizes: bigint[];
  cellCounts: bigint[];
  commitLogUpperBound: CommitLogPosition;
  minTimestamp: bigint;
  maxTimestamp: bigint;
  minLocalDeletionTime: number;
  maxLocalDeletionTime: number;
  minTTL: number;
  maxTTL: number;
  /** compressed / uncompressed size; -1 when not compressed */
  compressionRatio: number;
  /** tombstone drop times: (second, count) bins */
  tombstoneMaxBins: number;
  tombstoneDropTimes: [number, number][];
  sstableLevel: number;
  repairedAt: bigint;
  minClusteringValues: Uint8Array[];
  maxClusteringValues: Uint8Array[];
  hasLegacyCounterShards: boolean;
  totalColumnsSet: bigint;
  totalRows: bigint;
  commitLogLowerBound: CommitLogPosition;
  commitLogIntervals: [CommitLogPosition, CommitLogPosition][];
  pendingRepair: string | null;
  isTransient: boolean;
  originatingHostId: Uint8Array | null;
  /** oa: whether any partition carries a partition-level deletion */
  hasPartitionLevelDeletions: boolean;
  /** oa: the covered clustering slice (legacy versions keep min/maxClusteringValues instead) */
  coveredClustering: CoveredClustering | null;
  /** oa: the first and last partition keys */
  firstKey: Uint8Array | null;
  lastKey: Uint8Array | null;
  /** oa: the fraction of the token ring between the first and last token */
  tokenSpaceCoverage: number;
}

/** EstimatedHistogram bucket bounds: 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, ... (x1.2, at least +1). */
export function histogramOffsets(n: number): bigint[] {
  const out: bigint[] = [1n];
  let last = 1;
  for (let i = 1; i < n; i++) {
    let next = Math.round(last * 1.2);
    if (next === last) next++;
    out.push(BigInt(next));
    last = next;
  }
  return out;
}

export const PARTITION_SIZE_BUCKETS = 150;
/** Cassandra 5.0 ('oa') widened the partition size histogram */
export const PARTITION_SIZE_BUCKETS_5_0 = 155;
export const CELL_COUNT_BUCKETS = 118;

function readHistogram(r: ByteReader): bigint[] {
  const n = r.i32();
  if (n < 0 || n > 10000) r.onError(r.pos - 4, `bad histogram size ${n}`);
  const counts: bigint[] = [];
  for (let i = 0; i < n; i++) {
    r.i64(); // bucket offset, implied by the position
    counts.push(r.i64());
  }
  return counts;
}

// Each entry is written with the bound of the bucket before it (the first
// with the first bound): a quirk of Cassandra's serializer kept for fidelity.
function writeHistogram(w: ByteWriter, counts: bigint[]): void {
  const offsets = histogramOffsets(counts.length - 1);
  w.i32(counts.length);
  counts.forEach((c, i) => w.i64(offsets[i === 0 ? 0 : i - 1]).i64(c));
}

function readPosition(r: ByteReader): CommitLogPosition {
  return { segmentId: r.i64(), position: r.i32() };
}

function writePosition(w: ByteWriter, p: CommitLogPosition): void {
  w.i64(p.segmentId).i32(p.position);
}

function uuidText(b: Uint8Array): string {
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function readStats(r: ByteReader, f: VersionFeatures): StatsMetadata {
  const partitionSizes = readHistogram(r);
  const cellCounts = readHistogram(r);
  const commitLogUpperBound = readPosition(r);
  const minTimestamp = r.i64();
  const maxTimestamp = r.i64();
  const minLocalDeletionTime = r.i32();
  const maxLocalDeletionTime = r.i32();
  const minTTL = r.i32();
  const maxTTL = r.i32();
  const compressionRatio = r.f64();
  const tombstoneMaxBins = r.i32();
  const nbins = r.i32();
  const tombstoneDropTimes: [number, number][] = [];
  for (let i = 0; i < nbins; i++) {
    // md stores the point as a double and the count as a long; 4.x as two ints
    if (f.intTombstoneHistogram) tombstoneDropTimes.push([f.uintDeletionTime ? r.u32() : r.i32(), r.i32()]);
    else tombstoneDropTimes.push([r.f64(), Number(r.i64())]);
  }
  const sstableLevel = r.i32();
  const repairedAt = r.i64();
  const vals = () => {
    const n = r.i32();
    const out: Uint8Array[] = [];
    for (let i = 0; i < n; i++) out.push(r.bytes(r.u16()).slice());
    return out;
  };
  let minClusteringValues: Uint8Array[] = [];
  let maxClusteringValues: Uint8Array[] = [];
  let coveredClustering: CoveredClustering | null = null;
  if (f.legacyMinMax) {
    minClusteringValues = vals();
    maxClusteringValues = vals();
  } else if (f.improvedMinMax) coveredClustering = readCovered(r);
  const hasLegacyCounterShards = r.u8() !== 0;
  const totalColumnsSet = r.i64();
  const totalRows = r.i64();
  const commitLogLowerBound = f.commitLogLowerBound ? readPosition(r) : NO_COMMITLOG_POSITION;
  const commitLogIntervals: [CommitLogPosition, CommitLogPosition][] = [];
  if (f.commitLogIntervals) {
    const n = r.i32();
    if (n < 0 || n > 1 << 20) r.onError(r.pos - 4, `bad commit log interval count ${n}`);
    for (let i = 0; i < n; i++) commitLogIntervals.push([readPosition(r), readPosition(r)]);
  }
  let pendingRepair: string | null = null;
  let isTransient = false;
  let originatingHostId: Uint8Array | null = null;
  if (f.pendingRepair && r.u8() !== 0) pendingRepair = uuidText(r.bytes(16));
  // early 4.0 builds wrote 'na' before isTransient existed: their component ends here
  if (f.isTransient && !(f.version === "na" && r.remaining === 0)) isTransient = r.u8() !== 0;
  if (f.originatingHostId && r.u8() !== 0) originatingHostId = r.bytes(16).slice();
  // without the flag, only an SSTable with no deletion at all is known to have no partition deletion
  let hasPartitionLevelDeletions = minLocalDeletionTime !== NO_DELETION_TIME;
  if (f.partitionLevelDeletionMarker) hasPartitionLevelDeletions = r.u8() !== 0;
  if (f.improvedMinMax && f.legacyMinMax) coveredClustering = readCovered(r);
  let firstKey: Uint8Array | null = null;
  let lastKey: Uint8Array | null = null;
  if (f.keyRange) {
    firstKey = r.bytes(r.uvintNum()).slice();
    lastKey = r.bytes(r.uvintNum()).slice();
  }
  const tokenSpaceCoverage = f.tokenSpaceCoverage ? r.f64() : NaN;
  return {
    partitionSizes, cellCounts, commitLogUpperBound, minTimestamp, maxTimestamp, minLocalDeletionTime,
    maxLocalDeletionTime, minTTL, maxTTL, compressionRatio, tombstoneMaxBins, tombstoneDropTimes, sstableLevel,
    repairedAt, minClusteringValues, maxClusteringValues, hasLegacyCounterShards, totalColumnsSet, totalRows,
    commitLogLowerBound, commitLogIntervals, pendingRepair, isTransient, originatingHostId,
    hasPartitionLevelDeletions, coveredClustering, firstKey, lastKey, tokenSpaceCoverage,
  };
}

export function writeStats(w: ByteWriter, s: StatsMetadata, f: VersionFeatures): void {
  writeHistogram(w, s.partitionSizes);
  writeHistogram(w, s.cellCounts);
  writePosition(w, s.commitLogUpperBound);
  w.i64(s.minTimestamp).i64(s.maxTimestamp);
  w.i32(s.minLocalDeletionTime).i32(s.maxLocalDeletionTime);
  w.i32(s.minTTL).i32(s.maxTTL);
  w.f64(s.compressionRatio);
  w.i32(s.tombstoneMaxBins).i32(s.tombstoneDropTimes.length);
  for (const [p, c] of s.tombstoneDropTimes) {
    if (f.intTombstoneHistogram) w.i32(p | 0).i32(c);
    else w.f64(p).i64(BigInt(c));
  }
  w.i32(s.sstableLevel).i64(s.repairedAt);
  if (f.legacyMinMax) {
    for (const vals of [s.minClusteringValues, s.maxClusteringValues]) {
      w.i32(vals.length);
      for (const v of vals) w.u16(v.length).bytes(v);
    }
  } else if (f.improvedMinMax) writeCovered(w, s.coveredClustering);
  w.u8(s.hasLegacyCounterShards ? 1 : 0);
  w.i64(s.totalColumnsSet).i64(s.totalRows);
  if (f.commitLogLowerBound) writePosition(w, s.commitLogLowerBound);
  if (f.commitLogIntervals) {
    w.i32(s.commitLogIntervals.length);
    for (const [a, b] of s.commitLogIntervals) {
      writePosition(w, a);
      writePosition(w, b);
    }
  }
  if (f.pendingRepair) {
    w.u8(s.pendingRepair ? 1 : 0);
    if (s.pendingRepair) w.bytes(Uint8Array.from(s.pendingRepair.replace(/-/g, "").match(/../g)!.map((x) => parseInt(x, 16))));
  }
  if (f.isTransient) w.u8(s.isTransient ? 1 : 0);
  if (f.originatingHostId) {
    w.u8(s.originatingHostId ? 1 : 0);
    if (s.originatingHostId) w.bytes(s.originatingHostId);
  }
  if (f.partitionLevelDeletionMarker) w.u8(s.hasPartitionLevelDeletions ? 1 : 0);
  if (f.improvedMinMax && f.legacyMinMax) writeCovered(w, s.coveredClustering);
  if (f.keyRange) {
    for (const k of [s.firstKey, s.lastKey]) {
      const b = k ?? new Uint8Array(0);
      w.uvint(b.length).bytes(b);
    }
  }
  if (f.tokenSpaceCoverage) w.f64(s.tokenSpaceCoverage);
}

// The clustering types (vint count, each a vint-length class name), then the
// slice's start and end bounds as Data.db writes a range tombstone bound's
// prefix: u8 kind, u16 value count, the values.
function readCovered(r: ByteReader): CoveredClustering {
  const n = r.uvintNum();
  if (n > 0xffff) r.onError(r.pos, `bad clustering type count ${n}`);
  const types: string[] = [];
  for (let i = 0; i < n; i++) types.push(utf8decode(r.bytes(r.uvintNum())));
  let fixed: number[];
  try {
    fixed = fixedLengthsOf(types);
  } catch (e) {
    return r.onError(r.pos, `covered clustering: ${(e as Error).message}`);
  }
  const bound = (): ClusteringBound => {
    const kind = r.u8();
    const count = r.u16();
    if (count > types.length) r.onError(r.pos - 2, `clustering bound of ${count} values for ${types.length} columns`);
    return { kind, values: readClusteringValues(r, count, fixed) };
  };
  const start = bound();
  const end = bound();
  return { types, start, end };
}

function writeCovered(w: ByteWriter, c: CoveredClustering | null): void {
  // Slice.ALL: the bounds with no values
  const cc = c ?? { types: [], start: { kind: KIND_INCL_START_BOUND, values: [] }, end: { kind: KIND_INCL_END_BOUND, values: [] } };
  w.uvint(cc.types.length);
  for (const t of cc.types) {
    const b = utf8(t);
    w.uvint(b.length).bytes(b);
  }
  const fixed = fixedLengthsOf(cc.types);
  for (const b of [cc.start, cc.end]) {
    w.u8(b.kind).u16(b.values.length);
    writeClusteringValues(w, b.values, fixed);
  }
}
