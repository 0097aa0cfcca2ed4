// Host-side ordering of partitions and clusterings, the same order the core's
// merge/compare.ts applies (a property test keeps the two in agreement).
import { TableSchema } from "./schema.js";
import { compareValues } from "../types/codec.js";
import { compareBytes } from "../util/bytes.js";

// ClusteringPrefix.Kind: position when all values are equal, and against longer prefixes
const KIND_ORDER = [0, 0, 0, 1, 2, 3, 3, 3];
const KIND_VS_CLUSTERING = [-1, -1, -1, -1, 0, 1, 1, 1];
export const CLUSTERING_KIND = 4;

export function compareClustering(
  schema: TableSchema,
  a: (Uint8Array | null)[], ak: number,
  b: (Uint8Array | null)[], bk: number,
): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i], y = b[i];
    let c: number;
    if (x === null || y === null) c = x === null ? (y === null ? 0 : -1) : 1;
    else {
      c = compareValues(schema.clustering[i].type, x, y);
      if (schema.clustering[i].reversed) c = -c;
    }
    if (c !== 0) return c;
  }
  if (a.length === b.length) return Math.sign(KIND_ORDER[ak] - KIND_ORDER[bk]);
  return a.length < b.length ? KIND_VS_CLUSTERING[ak] : -KIND_VS_CLUSTERING[bk];
}

/** Partition order: token (signed), then key bytes. */
export function comparePartitions(ta: bigint, ka: Uint8Array, tb: bigint, kb: Uint8Array): number {
  if (ta !== tb) return ta < tb ? -1 : 1;
  return Math.sign(compareBytes(ka, kb));
}
