// Merge policies choose which SSTables to compact together, following
// Cassandra's strategies and defaults: size-tiered, leveled, time-window.
import { SSTableEntry } from "../version/manifest.js";

export interface CompactionPlan {
  inputs: SSTableEntry[];
  /** level of the outputs (leveled), 0 otherwise */
  level: number;
  /** cut outputs at about this many Data.db bytes (leveled); 0 = one output */
  maxOutputBytes: number;
  /** SSTables dropped whole: every cell in them expired past gc_grace (time-window) */
  drop?: SSTableEntry[];
  reason: string;
}

export interface PolicyContext {
  /** seconds since epoch */
  now: number;
  gcGraceSeconds: number;
}

export interface MergePolicy {
  readonly name: string;
  /** The next compaction to run, or null when the SSTables are as the policy wants them. */
  next(sstables: readonly SSTableEntry[], ctx: PolicyContext): CompactionPlan | null;
}

export function sizeOf(s: SSTableEntry): number {
  return s.files["Data.db"] ?? s.dataLength;
}
