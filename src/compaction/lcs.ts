// Leveled compaction (Cassandra's LCS): L0 holds flushes; from L1 up each
// level holds non-overlapping SSTables of about sstable_size, and level n may
// hold fanout^n SSTables' worth of bytes. Overflow moves one SSTable (with
// the next level's SSTables it overlaps) down a level.
import { SSTableEntry } from "../version/manifest.js";
import { MergePolicy, CompactionPlan, sizeOf } from "./policy.js";

export interface LeveledOptions {
  /** target size of each SSTable from L1 up (bytes; Cassandra: 160 MiB) */
  sstableSize?: number;
  fanout?: number;
  /** L0 SSTables that trigger an L0 → L1 compaction */
  l0Threshold?: number;
  maxLevels?: number;
}

export const LCS_DEFAULTS: Required<LeveledOptions> = { sstableSize: 160 * 1024 * 1024, fanout: 10, l0Threshold: 4, maxLevels: 8 };

function range(s: SSTableEntry): [bigint, bigint] {
  return [BigInt(s.minToken ?? "0"), BigInt(s.maxToken ?? "0")];
}

export function overlaps(a: SSTableEntry, b: SSTableEntry): boolean {
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 <= b1 && b0 <= a1;
}

export class LeveledPolicy implements MergePolicy {
  readonly name = "leveled";
  readonly options: Required<LeveledOptions>;
  /** per level, the token after which the next SSTable to move down starts (round robin, as Cassandra) */
  private cursor = new Map<number, bigint>();

  constructor(options: LeveledOptions = {}) {
    this.options = { ...LCS_DEFAULTS, ...options };
    if (this.options.fanout < 2 || this.options.sstableSize <= 0) throw new RangeError("leveled: need fanout >= 2 and sstableSize > 0");
  }

  maxBytes(level: number): number {
    return Math.pow(this.options.fanout, level) * this.options.sstableSize;
  }

  next(sstables: readonly SSTableEntry[]): CompactionPlan | null {
    const o = this.options;
    const byLevel = (l: number) => sstables.filter((s) => s.level === l);
    const l0 = byLevel(0);
    if (l0.length >= o.l0Threshold) {
      const inputs = l0.slice(0, 32);
      const l1 = byLevel(1).filter((s) => inputs.some((i) => overlaps(i, s)));
      return { inputs: [...inputs, ...l1], level: 1, maxOutputBytes: o.sstableSize, reason: `L0 holds ${l0.length} SSTables` };
    }
    // the level most over its size, as a fraction
    let worst = 0, score = 1;
    for (let l = 1; l < o.maxLevels - 1; l++) {
      const bytes = byLevel(l).reduce((n, s) => n + sizeOf(s), 0);
      if (bytes / this.maxBytes(l) > score) {
        score = bytes / this.maxBytes(l);
        worst = l;
      }
    }
    if (worst === 0) return null;
    const level = byLevel(worst).sort((a, b) => (range(a)[0] < range(b)[0] ? -1 : 1));
    const after = this.cursor.get(worst);
    const pick = level.find((s) => after === undefined || range(s)[0] > after) ?? level[0];
    this.cursor.set(worst, range(pick)[1]);
    const next = byLevel(worst + 1).filter((s) => overlaps(pick, s));
    return { inputs: [pick, ...next], level: worst + 1, maxOutputBytes: o.sstableSize, reason: `L${worst} at ${score.toFixed(2)}× its size` };
  }
}
