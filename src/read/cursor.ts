// What every source of partitions offers a merge: memtables and SSTables
// alike. A source looks ahead a window of about so many bytes, says where it
// ends, and hands over the partitions up to a bound as one row stream. The
// merge cursor (merge-cursor.ts) picks the bound so that no partition is ever
// split between slices, and memory stays at a window per source. A partition
// too large for a slice is handed over as blocks instead, merged a piece at a
// time (partition-merge.ts).
import { comparePartitions } from "../schema/order.js";
import { PartitionBlocks } from "./partition-source.js";
import type { MergeInput } from "../core/merge.js";

/** A partition's place in token order. */
export interface Position {
  token: bigint;
  key: Uint8Array;
}

export function comparePositions(a: Position, b: Position): number {
  return comparePartitions(a.token, a.key, b.token, b.key);
}

export interface Window {
  /** the last partition in the window */
  last: Position;
  /** partitions follow the window */
  more: boolean;
  /** the window's first partition of at least `wideBytes` (the window ends there), read a block at a time */
  wide: Position | null;
}

export interface Taken {
  /** the partitions taken, as one sorted row stream (or, when taken undecoded from an SSTable, as `input`'s Data.db bytes) */
  stream: Uint8Array;
  /** when taken `undecoded`: Data.db bytes the core's merge decodes itself (otherwise the row stream is the input) */
  input?: MergeInput;
  partitions: number;
  /** source bytes read (uncompressed Data.db for an SSTable) */
  bytes: number;
  minToken: bigint;
  maxToken: bigint;
}

export interface SourceCursor {
  /** partitions in the source when the cursor was made */
  readonly partitions: number;
  /** Looks ahead about `bytes` of partitions from the next one not taken; null when none is left. */
  window(bytes: number, wideBytes?: number): Promise<Window | null>;
  /**
   * Takes every partition not yet taken at or before `bound` (all, when
   * null), or only those before it (`before`). `undecoded`: a source that
   * can leaves the decoding to the core's merge (compaction).
   */
  take(bound: Position | null, before?: boolean, undecoded?: boolean): Promise<Taken | null>;
  /** Takes the next partition if it is the one at `at`, as blocks read when asked. */
  takeBlocks(at: Position): Promise<PartitionBlocks | null>;
}

/** Partitions looked at per source and window at most, whatever their bytes. */
export const MAX_WINDOW = 4096;
