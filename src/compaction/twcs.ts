// Time-window compaction (Cassandra's TWCS): SSTables are grouped by the
// window their newest timestamp falls in; the current window is compacted
// size-tiered, every older window down to one SSTable; SSTables whose data
// has all expired past gc_grace are dropped whole.
import { SSTableEntry } from "../version/manifest.js";
import { MergePolicy, CompactionPlan, PolicyContext } from "./policy.js";
import { SizeTieredPolicy, SizeTieredOptions } from "./stcs.js";

export type WindowUnit = "MINUTES" | "HOURS" | "DAYS";

export interface TimeWindowOptions {
  windowUnit?: WindowUnit;
  windowSize?: number;
  /** unit of the data's timestamps (Cassandra default: microseconds) */
  timestampResolution?: "MILLISECONDS" | "MICROSECONDS";
  /** drop SSTables whose every cell expired past gc_grace */
  expiredSSTableDrop?: boolean;
  sizeTiered?: SizeTieredOptions;
}

export const TWCS_DEFAULTS = { windowUnit: "DAYS" as WindowUnit, windowSize: 1, timestampResolution: "MICROSECONDS" as const, expiredSSTableDrop: true };

const UNIT_SECONDS: Record<WindowUnit, number> = { MINUTES: 60, HOURS: 3600, DAYS: 86400 };

export interface SSTableExpiry {
  /** latest local deletion time of anything in the SSTable (max of expiries and deletion times) */
  maxLocalDeletionTime: number;
}

export class TimeWindowPolicy implements MergePolicy {
  readonly name = "time-window";
  readonly options: typeof TWCS_DEFAULTS;
  private readonly stcs: SizeTieredPolicy;
  constructor(options: TimeWindowOptions = {}, private readonly expiry?: (s: SSTableEntry) => SSTableExpiry | null) {
    this.options = { ...TWCS_DEFAULTS, ...options } as typeof TWCS_DEFAULTS;
    this.stcs = new SizeTieredPolicy(options.sizeTiered);
    if (!(this.options.windowSize >= 1)) throw new RangeError("time-window: windowSize must be >= 1");
  }

  windowOf(s: SSTableEntry): number {
    const ts = BigInt(s.maxTimestamp ?? "0");
    const seconds = Number(this.options.timestampResolution === "MICROSECONDS" ? ts / 1_000_000n : ts / 1000n);
    const w = UNIT_SECONDS[this.options.windowUnit] * this.options.windowSize;
    return Math.floor(seconds / w) * w;
  }

  next(sstables: readonly SSTableEntry[], ctx: PolicyContext): CompactionPlan | null {
    if (this.options.expiredSSTableDrop && this.expiry) {
      const gcBefore = ctx.now - ctx.gcGraceSeconds;
      const expired = sstables.filter((s) => {
        const e = this.expiry!(s);
        return e !== null && e.maxLocalDeletionTime < gcBefore;
      });
      // only when no live SSTable older than it could hold data its tombstones shadow
      const droppable = expired.filter((s) =>
        sstables.every((o) => expired.includes(o) || BigInt(o.minTimestamp ?? "0") > BigInt(s.maxTimestamp ?? "0")),
      );
      if (droppable.length) return { inputs: [], drop: droppable, level: 0, maxOutputBytes: 0, reason: `${droppable.length} fully expired` };
    }
    const windows = new Map<number, SSTableEntry[]>();
    for (const s of sstables) {
      const w = this.windowOf(s);
      if (!windows.has(w)) windows.set(w, []);
      windows.get(w)!.push(s);
    }
    const keys = [...windows.keys()].sort((a, b) => b - a);
    if (keys.length === 0) return null;
    const current = this.stcs.next(windows.get(keys[0])!);
    if (current) return { ...current, reason: `time window ${new Date(keys[0] * 1000).toISOString()}: ${current.reason}` };
    for (const w of keys.slice(1)) {
      const group = windows.get(w)!;
      if (group.length >= 2) return { inputs: group.slice(0, 32), level: 0, maxOutputBytes: 0, reason: `old time window ${new Date(w * 1000).toISOString()}` };
    }
    return null;
  }
}
