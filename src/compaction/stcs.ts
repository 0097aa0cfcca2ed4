// Size-tiered compaction (Cassandra's STCS): SSTables of similar size are
// bucketed together; a bucket with at least min_threshold members is merged.
import { SSTableEntry } from "../version/manifest.js";
import { MergePolicy, CompactionPlan, sizeOf } from "./policy.js";

export interface SizeTieredOptions {
  minThreshold?: number;
  maxThreshold?: number;
  bucketLow?: number;
  bucketHigh?: number;
  /** SSTables smaller than this all go into one bucket (bytes) */
  minSSTableSize?: number;
}

export const STCS_DEFAULTS: Required<SizeTieredOptions> = {
  minThreshold: 4, maxThreshold: 32, bucketLow: 0.5, bucketHigh: 1.5, minSSTableSize: 50 * 1024 * 1024,
};

/** Cassandra's bucketing: sorted by size, each joins the first bucket whose average it is near. */
export function buckets(sstables: readonly SSTableEntry[], o: Required<SizeTieredOptions>): SSTableEntry[][] {
  const sorted = [...sstables].sort((a, b) => sizeOf(a) - sizeOf(b) || a.generation - b.generation);
  const out: { avg: number; members: SSTableEntry[] }[] = [];
  for (const s of sorted) {
    const size = sizeOf(s);
    const b = out.find(
      (b) => (size > b.avg * o.bucketLow && size < b.avg * o.bucketHigh) || (size < o.minSSTableSize && b.avg < o.minSSTableSize),
    );
    if (b) {
      b.avg = (b.avg * b.members.length + size) / (b.members.length + 1);
      b.members.push(s);
    } else out.push({ avg: size, members: [s] });
  }
  return out.map((b) => b.members);
}

export class SizeTieredPolicy implements MergePolicy {
  readonly name = "size-tiered";
  readonly options: Required<SizeTieredOptions>;
  constructor(options: SizeTieredOptions = {}) {
    this.options = { ...STCS_DEFAULTS, ...options };
    if (this.options.minThreshold < 2 || this.options.maxThreshold < this.options.minThreshold)
      throw new RangeError("size-tiered: need 2 <= minThreshold <= maxThreshold");
  }
  next(sstables: readonly SSTableEntry[]): CompactionPlan | null {
    const o = this.options;
    // without read statistics to rank hotness, the cheapest bucket goes first
    const eligible = buckets(sstables, o)
      .filter((b) => b.length >= o.minThreshold)
      .map((b) => b.slice(0, o.maxThreshold))
      .sort((a, b) => avg(a) - avg(b));
    if (eligible.length === 0) return null;
    return { inputs: eligible[0], level: 0, maxOutputBytes: 0, reason: `size-tiered bucket of ${eligible[0].length}` };
  }
}

function avg(b: SSTableEntry[]): number {
  return b.reduce((n, s) => n + sizeOf(s), 0) / b.length;
}
