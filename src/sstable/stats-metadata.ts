// The STATS component of Statistics.db (StatsMetadata in Cassandra).
import { ByteReader, ByteWriter } from "../util/bytes.js";
import { VersionFeatures } from "./version.js";

export interface CommitLogPosition {
  segmentId: bigint;
  position: number;
}

export const NO_COMMITLOG_POSITION: CommitLogPosition = { segmentId: -1n, position: 0 };

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
    if (f.metadataChecksum) tombstoneDropTimes.push([r.i32(), r.i32()]);
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
  const minClusteringValues = vals();
  const maxClusteringValues = vals();
  const hasLegacyCounterShards = r.u8() !== 0;
  const totalColumnsSet = r.i64();
  const totalRows = r.i64();
  const commitLogLowerBound = readPosition(r);
  const n = r.i32();
  const commitLogIntervals: [CommitLogPosition, CommitLogPosition][] = [];
  for (let i = 0; i < n; i++) commitLogIntervals.push([readPosition(r), readPosition(r)]);
  let pendingRepair: string | null = null;
  let isTransient = false;
  let originatingHostId: Uint8Array | null = null;
  if (f.pendingRepair && r.u8() !== 0) pendingRepair = uuidText(r.bytes(16));
  if (f.isTransient) isTransient = r.u8() !== 0;
  if (f.originatingHostId && r.u8() !== 0) originatingHostId = r.bytes(16).slice();
  return {
    partitionSizes, cellCounts, commitLogUpperBound, minTimestamp, maxTimestamp, minLocalDeletionTime,
    maxLocalDeletionTime, minTTL, maxTTL, compressionRatio, tombstoneMaxBins, tombstoneDropTimes, sstableLevel,
    repairedAt, minClusteringValues, maxClusteringValues, hasLegacyCounterShards, totalColumnsSet, totalRows,
    commitLogLowerBound, commitLogIntervals, pendingRepair, isTransient, originatingHostId,
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
    if (f.metadataChecksum) w.i32(p).i32(c);
    else w.f64(p).i64(BigInt(c));
  }
  w.i32(s.sstableLevel).i64(s.repairedAt);
  for (const vals of [s.minClusteringValues, s.maxClusteringValues]) {
    w.i32(vals.length);
    for (const v of vals) w.u16(v.length).bytes(v);
  }
  w.u8(s.hasLegacyCounterShards ? 1 : 0);
  w.i64(s.totalColumnsSet).i64(s.totalRows);
  writePosition(w, s.commitLogLowerBound);
  w.i32(s.commitLogIntervals.length);
  for (const [a, b] of s.commitLogIntervals) {
    writePosition(w, a);
    writePosition(w, b);
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
}
