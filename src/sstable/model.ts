// The raw (byte-level) model of SSTable content: what the reader yields and
// the writer takes. Values are serialized bytes; columns are indexes into
// TableSchema.columns. Higher layers turn these into typed JS values.
import {
  NO_DELETION_TIME as NO_LDT, KIND_EXCL_END_BOUND, KIND_INCL_START_BOUND, KIND_EXCL_END_INCL_START_BOUNDARY,
  KIND_INCL_END_EXCL_START_BOUNDARY, KIND_INCL_END_BOUND, KIND_EXCL_START_BOUND,
} from "../../assembly/format/constants.js";

export interface DeletionTime {
  /** microseconds; the deletion shadows data with timestamps <= this */
  markedForDeleteAt: bigint;
  /** seconds since epoch when the deletion happened (for gc_grace) */
  localDeletionTime: number;
}

/** Long.MIN_VALUE: no timestamp (the constants' NO_TIMESTAMP_HI is its high word) */
export const NO_TIMESTAMP = -(2n ** 63n);
export const NO_DELETION_TIME: number = NO_LDT;
export const LIVE: DeletionTime = Object.freeze({ markedForDeleteAt: NO_TIMESTAMP, localDeletionTime: NO_DELETION_TIME });

export function isLive(d: DeletionTime | undefined): boolean {
  return !d || d.markedForDeleteAt === LIVE.markedForDeleteAt;
}

export interface Liveness {
  timestamp: bigint;
  /** 0 = not expiring */
  ttl: number;
  /** expiry time in seconds when ttl > 0 */
  localExpirationTime: number;
}

export interface Cell {
  column: number;
  timestamp: bigint;
  /** tombstone: value is empty, localDeletionTime is when it was deleted */
  deleted?: boolean;
  /** > 0 for an expiring cell */
  ttl?: number;
  /** deletion time (tombstone) or expiry time (expiring); absent for live cells */
  localDeletionTime?: number;
  /** cell path of a multi-cell column (list: timeuuid, set: element, map: key, UDT: field index) */
  path?: Uint8Array;
  value: Uint8Array;
  /** the value is a counter context */
  counter?: boolean;
}

export interface Row {
  /** one entry per clustering column; null only in bounds */
  clustering: (Uint8Array | null)[];
  liveness?: Liveness;
  deletion?: DeletionTime & { shadowable?: boolean };
  cells: Cell[];
  complexDeletions?: { column: number; deletion: DeletionTime }[];
}

/** Range tombstone marker: a bound (kind 0, 1, 6, 7) or a boundary (2, 5). */
export interface RangeMarker {
  kind: number;
  clustering: (Uint8Array | null)[];
  /** for a bound: its deletion; for a boundary: the deletion that closes */
  deletion: DeletionTime;
  /** for a boundary: the deletion that opens */
  openDeletion?: DeletionTime;
}

export type Unfiltered = { type: "row"; row: Row } | { type: "marker"; marker: RangeMarker };

export interface Partition {
  key: Uint8Array;
  token: bigint;
  deletion?: DeletionTime;
  staticRow?: Row;
  unfiltereds: Unfiltered[];
}

/** The kinds a range tombstone marker has (ClusteringPrefix.Kind; the numbers are assembly/format/constants.ts's). */
export const MARKER_KINDS = {
  EXCL_END_BOUND: KIND_EXCL_END_BOUND,
  INCL_START_BOUND: KIND_INCL_START_BOUND,
  EXCL_END_INCL_START_BOUNDARY: KIND_EXCL_END_INCL_START_BOUNDARY,
  INCL_END_EXCL_START_BOUNDARY: KIND_INCL_END_EXCL_START_BOUNDARY,
  INCL_END_BOUND: KIND_INCL_END_BOUND,
  EXCL_START_BOUND: KIND_EXCL_START_BOUND,
} as const;

export function isBoundary(kind: number): boolean {
  return kind === KIND_EXCL_END_INCL_START_BOUNDARY || kind === KIND_INCL_END_EXCL_START_BOUNDARY;
}

/** A marker of this kind opens a deletion (a start bound, or a boundary's second half). */
export function opensDeletion(kind: number): boolean {
  return kind === KIND_INCL_START_BOUND || kind === KIND_EXCL_START_BOUND;
}
