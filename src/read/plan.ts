// What a SELECT asks of the read path, as the CQL planner (src/cql/execute.ts)
// hands it over: which partitions, which clusterings, how to filter, limit and
// project. The read path runs it without knowing CQL.
import { ClusteringBounds } from "../sstable/row-index.js";
import { CqlValue } from "../types/codec.js";

/** Tokens a scan keeps: between two bounds, each open (null) or inclusive or not. */
export interface TokenRange {
  lo: bigint | null;
  loInclusive: boolean;
  hi: bigint | null;
  hiInclusive: boolean;
}

export interface SelectPlan {
  /** partition keys to read; null: every partition (a full scan, or one over a token range) */
  keys: Uint8Array[] | null;
  /** for a scan: the tokens wanted; null: all */
  tokenRange: TokenRange | null;
  /** the clusterings the restrictions can hold (a superset); null: the whole partition */
  slice: ClusteringBounds[] | null;
  /** the rows of a batch it keeps (by their decoded values) */
  filter: (rows: Record<string, CqlValue>[]) => Record<string, CqlValue>[];
  reverse: boolean;
  perPartitionLimit: number;
  limit: number;
  /** turns a materialized row (with writetime/ttl metadata) into the result row */
  project: (row: Record<string, CqlValue>) => Record<string, CqlValue>;
  count: boolean;
  countName: string;
  /** WRITETIME or TTL is selected: rows need their cells' metadata */
  metadata: boolean;
}
