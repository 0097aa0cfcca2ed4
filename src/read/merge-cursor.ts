// Walking several sources together in token order, a stretch at a time: each
// slice holds, from every source, all partitions up to a common bound, so a
// partition is never split between slices. The bound is the earliest end of
// any source's window that is not its last, so every source hands over at
// most about a window. Reads, scans, compaction and export all merge what it
// yields through the core.
import { SourceCursor, Position, comparePositions } from "./cursor.js";
import { PartitionBlocks } from "./partition-source.js";
import type { MergeInput } from "../core/merge.js";

export interface Slice {
  /** one row stream per source that had partitions in the slice (Data.db bytes where taken undecoded: see inputs) */
  streams: Uint8Array[];
  /** the same, as the core's merge takes them (mergeInto) */
  inputs: MergeInput[];
  /** source bytes read */
  bytes: number;
  /** source partitions in the slice */
  partitions: number;
  minToken: bigint | null;
  maxToken: bigint | null;
  /** no partitions, but the next one is this wide one: take it with takeBlocks */
  wide?: Position;
}

export class MergeCursor {
  private consumed = 0;
  readonly total: number;

  /** `wideBytes`: a partition this large in any source is not sliced but handed over as blocks. */
  constructor(private readonly sources: SourceCursor[], private readonly wideBytes = Infinity) {
    this.total = sources.reduce((n, s) => n + s.partitions, 0);
  }

  /** Partitions not yet sliced, over all sources (as counted when they were opened). */
  get remaining(): number {
    return Math.max(0, this.total - this.consumed);
  }

  /** The next slice of about `sliceBytes` per source, or null at the end; `undecoded`: SSTables' Data.db left for mergeInto to decode. */
  async next(sliceBytes: number, undecoded = false): Promise<Slice | null> {
    let bound: Position | null = null;
    let wide: Position | null = null;
    for (const s of this.sources) {
      const w = await s.window(sliceBytes, this.wideBytes);
      if (w?.more && (!bound || comparePositions(w.last, bound) < 0)) bound = w.last;
      if (w?.wide && (!wide || comparePositions(w.wide, wide) < 0)) wide = w.wide;
    }
    // a wide partition ends the slice before it, and goes alone once it is next
    const before = wide !== null && (bound === null || comparePositions(wide, bound) <= 0);
    if (before) bound = wide;
    const slice: Slice = { streams: [], inputs: [], bytes: 0, partitions: 0, minToken: null, maxToken: null };
    for (const s of this.sources) {
      const t = await s.take(bound, before, undecoded);
      if (!t) continue;
      slice.streams.push(t.stream);
      slice.inputs.push(t.input ?? { bytes: t.stream });
      if (slice.minToken === null || t.minToken < slice.minToken) slice.minToken = t.minToken;
      if (slice.maxToken === null || t.maxToken > slice.maxToken) slice.maxToken = t.maxToken;
      slice.bytes += t.bytes;
      slice.partitions += t.partitions;
      this.consumed += t.partitions;
    }
    if (slice.streams.length) return slice;
    if (before) return { ...slice, wide: wide! };
    return null;
  }

  /** The wide partition at `at` from every source that holds it, as blocks (after a slice that named it). */
  async takeBlocks(at: Position): Promise<PartitionBlocks[]> {
    const out: PartitionBlocks[] = [];
    for (const s of this.sources) {
      const b = await s.takeBlocks(at);
      if (b) {
        out.push(b);
        this.consumed++;
      }
    }
    return out;
  }
}
