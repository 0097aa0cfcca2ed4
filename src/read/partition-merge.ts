// Merging one partition from several sources a piece at a time, forwards or
// backwards, so a partition of millions of rows is never held whole. Each
// source (partition-source.ts) reads its blocks one at a time into a buffer;
// a piece ends at the nearest last row any source has buffered (the first
// row, backwards), so every source hands over at most about a block. A range
// deletion open across the cut is closed at the cut and reopened just after
// it, so each source's piece is a well-formed partition and the core merges
// the pieces as it merges whole partitions (reconciliation has one home).
import { TableSchema } from "../schema/schema.js";
import { CLUSTERING_KIND } from "../schema/order.js";
import { compareClustering, signsAgainst, sortOrder } from "../core/order.js";
import { Partition, Unfiltered, DeletionTime, RangeMarker, MARKER_KINDS } from "../sstable/model.js";
import { ClusteringBounds } from "../sstable/row-index.js";
import { ByteWriter } from "../util/bytes.js";
import { writePartition, decodePartitions } from "../core/rowstream.js";
import { mergeStreams } from "../core/merge.js";
import { PartitionBlocks } from "./partition-source.js";

const K = MARKER_KINDS;
type Values = (Uint8Array | null)[];

export interface BlockCounts {
  blocksRead: number;
  blocksSkipped: number;
}

/** The deletion open after `u`, given the one open before it. */
function openAfter(u: Unfiltered, open: DeletionTime | null): DeletionTime | null {
  if (u.type === "row") return open;
  const m = u.marker;
  if (m.kind === K.INCL_START_BOUND || m.kind === K.EXCL_START_BOUND) return m.deletion;
  if (m.kind === K.EXCL_END_INCL_START_BOUNDARY || m.kind === K.INCL_END_EXCL_START_BOUNDARY) return m.openDeletion ?? null;
  return null;
}

function marker(kind: number, clustering: Values, deletion: DeletionTime): Unfiltered {
  const m: RangeMarker = { kind, clustering, deletion };
  return { type: "marker", marker: m };
}

function kindOf(u: Unfiltered): number {
  return u.type === "row" ? CLUSTERING_KIND : u.marker.kind;
}

function valuesOf(u: Unfiltered): Values {
  return u.type === "row" ? u.row.clustering : u.marker.clustering;
}

/** One source's progress through its blocks for one range. */
class Lane {
  /** rows and markers read and not yet handed over, in clustering order */
  buf: Unfiltered[] = [];
  /** backwards: the deletion open before buf[0] */
  openAtHead: DeletionTime | null = null;
  private at = 0;
  private readonly order: number[] = [];
  private readonly from: number;
  private readonly to: number;

  /** `gap`: with no block to read, the deletion open where the range falls between two blocks. */
  constructor(readonly src: PartitionBlocks, run: [number, number] | null, private readonly reverse: boolean, gap: DeletionTime | null) {
    const [a, b] = run ?? [0, -1];
    this.from = a;
    this.to = b;
    for (let i = a; i <= b; i++) this.order.push(i);
    if (reverse) this.order.reverse();
    // it still shadows what other sources hold there
    if (gap) this.buf.push(marker(K.INCL_START_BOUND, [], gap), marker(K.INCL_END_BOUND, [], gap));
  }

  get done(): boolean {
    return this.at >= this.order.length;
  }

  /** Blocks of the partition this lane has not read (outside the range, or not reached before the reader stopped). */
  get unread(): number {
    return this.src.blocks.length - this.at;
  }

  /** Reads the next block. Deletions open at the ends of the run reach past them (rows there are filtered later). */
  async fill(counts?: BlockCounts): Promise<void> {
    const blocks = this.src.blocks;
    const k = this.order[this.at++];
    if (counts) counts.blocksRead++;
    const got = await this.src.read(k, k);
    const before = this.from > 0 ? blocks[this.from - 1].endOpenMarker : null;
    const after = this.to < blocks.length - 1 ? blocks[this.to].endOpenMarker : null;
    if (!this.reverse) {
      if (k === this.from && before) this.buf.push(marker(K.INCL_START_BOUND, [], before));
      for (const u of got) this.buf.push(u);
      if (k === this.to && after) this.buf.push(marker(K.INCL_END_BOUND, [], after));
    } else {
      const tail = this.buf;
      this.buf = k === this.from && before ? [marker(K.INCL_START_BOUND, [], before), ...got] : got.slice();
      if (k === this.to && after) this.buf.push(marker(K.INCL_END_BOUND, [], after));
      for (const u of tail) this.buf.push(u);
      this.openAtHead = k > this.from ? blocks[k - 1].endOpenMarker : null;
    }
  }

  hasRow(): boolean {
    return this.buf.some((u) => u.type === "row");
  }
}

/**
 * Where the row `v` itself is in the lane's buffer (the lane whose edge it
 * is), or -1: the buffer is in clustering order, so everything before it
 * sorts before it and everything after it after, and nothing need be compared.
 */
function ownRow(buf: Unfiltered[], v: Values): number {
  for (let i = buf.length - 1; i >= 0; i--) {
    const u = buf[i];
    if (u.type === "row" && u.row.clustering === v) return i;
  }
  return -1;
}

/** Everything at or before the row `v`; a deletion open there is closed and reopened just after it. */
function cutForward(schema: TableSchema, lane: Lane, v: Values): Unfiltered[] {
  const buf = lane.buf;
  let i = 0;
  let open: DeletionTime | null = null;
  const own = ownRow(buf, v);
  if (own >= 0) while (i <= own) open = openAfter(buf[i++], open);
  else {
    const signs = signsAgainst(schema, buf.map(valuesOf), buf.map(kindOf), v, CLUSTERING_KIND);
    while (i < buf.length && signs[i] <= 0) open = openAfter(buf[i++], open);
  }
  const taken = buf.splice(0, i);
  const n = buf[0];
  // a marker at v itself, after the row: its closing half stays on this side, its opening half goes
  if (n && n.type === "marker" && n.marker.kind > CLUSTERING_KIND && n.marker.clustering.length === v.length && compareClustering(schema, n.marker.clustering, CLUSTERING_KIND, v, CLUSTERING_KIND) === 0) {
    const m = n.marker;
    if (m.kind === K.INCL_END_BOUND) taken.push(buf.shift()!);
    else if (m.kind === K.INCL_END_EXCL_START_BOUNDARY) {
      taken.push(marker(K.INCL_END_BOUND, v, m.deletion));
      buf[0] = marker(K.EXCL_START_BOUND, v, m.openDeletion!);
    }
  } else if (open) {
    taken.push(marker(K.INCL_END_BOUND, v, open));
    buf.unshift(marker(K.EXCL_START_BOUND, v, open));
  }
  return taken;
}

/** Everything at or after the row `v`; a deletion open just before it is closed there and reopened at it. */
function cutBackward(schema: TableSchema, lane: Lane, v: Values): Unfiltered[] {
  const buf = lane.buf;
  let i = 0;
  let open = lane.openAtHead;
  const own = ownRow(buf, v);
  if (own >= 0) while (i < own) open = openAfter(buf[i++], open);
  else {
    const signs = signsAgainst(schema, buf.map(valuesOf), buf.map(kindOf), v, CLUSTERING_KIND);
    while (i < buf.length && signs[i] < 0) open = openAfter(buf[i++], open);
  }
  const taken = buf.splice(i);
  const p = buf[buf.length - 1];
  // a marker at v itself, before the row: its opening half goes with the row, its closing half stays
  if (p && p.type === "marker" && p.marker.kind < CLUSTERING_KIND && p.marker.clustering.length === v.length && compareClustering(schema, p.marker.clustering, CLUSTERING_KIND, v, CLUSTERING_KIND) === 0) {
    const m = p.marker;
    if (m.kind === K.INCL_START_BOUND) taken.unshift(buf.pop()!);
    else if (m.kind === K.EXCL_END_INCL_START_BOUNDARY) {
      buf[buf.length - 1] = marker(K.EXCL_END_BOUND, v, m.deletion);
      taken.unshift(marker(K.INCL_START_BOUND, v, m.openDeletion!));
    }
  } else if (open) {
    taken.unshift(marker(K.INCL_START_BOUND, v, open));
    buf.push(marker(K.EXCL_END_BOUND, v, open));
  }
  return taken;
}

/** The first of the least edges (the first of the greatest, backwards); null for none. */
function nearest(schema: TableSchema, edges: Values[], reverse: boolean): Values | null {
  if (edges.length <= 1) return edges[0] ?? null;
  const order = sortOrder(schema, edges);
  if (!reverse) return edges[order[0]];
  // the greatest are the last run of equal ones; stable, so its head is the first of them
  let j = order.length - 1;
  while (order[j] < 0) j--;
  return edges[order[j]];
}

export interface PartitionMergeOptions {
  schema: TableSchema;
  nowSeconds: number;
  /** the clusterings wanted (one range); null: all */
  range: ClusteringBounds | null;
  reverse: boolean;
  counts?: BlockCounts;
}

/**
 * The partition merged from `sources`, as pieces in reading order (last
 * first, backwards). Every piece carries the partition's key, deletion and
 * static row; its rows are in clustering order. With a range, only the
 * blocks that can hold it are read; rows outside it may still come back.
 */
export async function* mergePartition(sources: PartitionBlocks[], o: PartitionMergeOptions): AsyncGenerator<Partition> {
  const lanes = sources.map((s) => {
    const p = o.range ? s.pick(o.range) : { run: [0, s.blocks.length - 1] as [number, number], gap: null };
    return new Lane(s, p.run, o.reverse, p.gap);
  });
  try {
    yield* pieces(lanes, o);
  } finally {
    if (o.counts) for (const lane of lanes) o.counts.blocksSkipped += lane.unread;
  }
}

async function* pieces(lanes: Lane[], o: PartitionMergeOptions): AsyncGenerator<Partition> {
  const { schema } = o;
  const header = lanes[0].src.header;
  const w = new ByteWriter(1 << 12);
  for (;;) {
    for (const lane of lanes) while (!lane.done && !lane.hasRow()) await lane.fill(o.counts);
    // the nearest edge of what any source has buffered, unless every source has read all it will
    const edges: Values[] = [];
    for (const lane of lanes) {
      if (lane.done) continue;
      const rows = lane.buf.filter((u) => u.type === "row");
      edges.push(valuesOf(o.reverse ? rows[0] : rows[rows.length - 1]));
    }
    const bound = nearest(schema, edges, o.reverse);
    const shares: { lane: Lane; taken: Unfiltered[] }[] = [];
    for (const lane of lanes) {
      const taken = bound === null ? lane.buf.splice(0) : o.reverse ? cutBackward(schema, lane, bound) : cutForward(schema, lane, bound);
      const h = lane.src.header;
      // a source with nothing here and no partition deletion or static row has nothing to add
      if (taken.length || h.deletion || h.staticRow) shares.push({ lane, taken });
    }
    if (shares.length <= 1) {
      // one source's rows are reconciled already: nothing to merge
      yield shares.length ? { ...shares[0].lane.src.header, unfiltereds: shares[0].taken } : { key: header.key, token: header.token, unfiltereds: [] };
    } else {
      const streams: Uint8Array[] = [];
      for (const { lane, taken } of shares) {
        const h = lane.src.header;
        w.len = 0;
        writePartition(w, { key: h.key, token: h.token, deletion: h.deletion, staticRow: h.staticRow, unfiltereds: taken });
        streams.push(w.result());
      }
      yield decodePartitions(mergeStreams(schema, streams, o.nowSeconds))[0] ?? { key: header.key, token: header.token, unfiltereds: [] };
    }
    if (bound === null) return;
  }
}
