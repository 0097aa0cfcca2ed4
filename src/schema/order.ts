// Host-side ordering of partitions. Clusterings and values are ordered by
// the core alone (assembly/merge/compare.ts, asked through src/core/order.ts).
import { compareBytes } from "../util/bytes.js";
import { KIND_CLUSTERING } from "../../assembly/format/constants.js";

/** ClusteringPrefix.Kind of a row's clustering. */
export const CLUSTERING_KIND = KIND_CLUSTERING;

/** Partition order: token (signed), then key bytes. */
export function comparePartitions(ta: bigint, ka: Uint8Array, tb: bigint, kb: Uint8Array): number {
  if (ta !== tb) return ta < tb ? -1 : 1;
  return Math.sign(compareBytes(ka, kb));
}
