// Running a SELECT plan over a read view: partitions come from point reads
// (a partition key restricted) or the streaming scan (within a token range,
// if given), in pieces when they are wide; rows are filtered, ordered and
// limited as they come, and reading stops at the LIMIT or at the end of a
// page. A partition whose PER PARTITION LIMIT (or DISTINCT) is reached is
// not read further.
import { SelectPlan } from "./plan.js";
import { TableSchema } from "../schema/schema.js";
import { CLUSTERING_KIND } from "../schema/order.js";
import { signsAgainst } from "../core/order.js";
import { keepWithin } from "./within.js";
import { encodeValue } from "../types/codec.js";
import { compareBytes } from "../util/bytes.js";
import { materialize, CqlRow } from "./materialize.js";
import { ReadView, Piece, PieceControl, readPieces, scanPieces } from "./read-path.js";
import { Position, comparePositions } from "./cursor.js";
import { PagePosition } from "./paging.js";
import { ClusteringBounds } from "../sstable/row-index.js";

/** A page to fill: at most `size` rows, after `resume` if given; `next` is set when the page filled. */
export interface Page {
  size: number;
  resume: PagePosition | null;
  next: PagePosition | null;
}

const EMPTY = new Uint8Array(0);

/** The pieces a plan reads, in runs (see scanPieces). */
async function* planned(view: ReadView, plan: SelectPlan, resume: PagePosition | null, control: PieceControl): AsyncGenerator<Piece[]> {
  if (plan.keys === null) {
    let from: Position | null = resume && { token: resume.token, key: resume.key };
    const range = plan.tokenRange;
    if (range?.lo != null) {
      // the empty key sorts before every key of its token
      const lo = { token: range.lo, key: EMPTY };
      if (!from || comparePositions(lo, from) > 0) from = lo;
    }
    // rows built in place serve a plan that needs no write times and no slice
    for await (const run of scanPieces(view, from, control, !plan.metadata && !plan.slice)) {
      if (!range) {
        yield run;
        continue;
      }
      const kept: Piece[] = [];
      for (const piece of run) {
        const t = piece.partition.token;
        if (range.hi !== null && (t > range.hi || (t === range.hi && !range.hiInclusive))) {
          if (kept.length > 0) yield kept;
          return;
        }
        if (range.lo !== null && t === range.lo && !range.loInclusive) continue;
        kept.push(piece);
      }
      if (kept.length > 0) yield kept;
    }
    return;
  }
  const seen = new Set<string>();
  let skipping = resume !== null;
  for (const k of plan.keys) {
    const id = k.join(",");
    if (seen.has(id)) continue;
    seen.add(id);
    // a resumed page starts at the partition it stopped in
    if (skipping && compareBytes(k, resume!.key) !== 0) continue;
    skipping = false;
    for await (const piece of readPieces(view, k, plan.slice, plan.reverse, control)) yield [piece];
  }
}

function clusteringOf(schema: TableSchema, row: CqlRow): Uint8Array[] {
  // an empty clustering value reads back as null
  return schema.clustering.map((c) => (row[c.name] === null || row[c.name] === undefined ? EMPTY : encodeValue(c.type, row[c.name])));
}

/** The rows of a SELECT, a run of pieces' rows at a time (never an empty run). */
export async function* runSelect(view: ReadView, plan: SelectPlan, page: Page | null = null): AsyncGenerator<CqlRow[]> {
  const schema = view.schema;
  const resume = page?.resume ?? null;
  const control: PieceControl = { skipPartition: false, after: resume && { key: resume.key, clustering: resume.clustering } };
  let total = resume?.returned ?? 0;
  let counted = 0;
  let inPage = 0;
  const perPartition = plan.perPartitionLimit;
  // the partition the last piece belongs to continues in the next one
  let continues = false;
  let inPartition = 0;
  let rowsInPartition = 0;
  let resuming = false;
  // rows outside the slice are never built (plan.filter would drop them)
  const slice = plan.slice;
  let done = false;
  for await (const run of planned(view, plan, resume, control)) {
    const out: CqlRow[] = [];
    for (const piece of run) {
      const p = piece.partition;
      if (!continues) {
        inPartition = 0;
        rowsInPartition = 0;
        resuming = resume !== null && compareBytes(p.key, resume.key) === 0;
        if (resuming) inPartition = resume!.inPartition;
      }
      continues = piece.more;
      const live = { rows: piece.rows?.length ?? 0 };
      const keep = slice && !piece.rows ? keepWithin(schema, p, slice) : undefined;
      const all = piece.rows ?? materialize(schema, p, { nowSeconds: view.nowSeconds, withMetadata: plan.metadata, noStaticRow: piece.more || rowsInPartition > 0, keep, live });
      rowsInPartition += live.rows;
      let rows = plan.filter(all);
      if (plan.reverse) rows.reverse();
      if (resuming) {
        // the rows up to the last one returned, in the order they were returned, are passed over
        const dir = plan.reverse ? -1 : 1;
        const signs = signsAgainst(schema, rows.map((r) => clusteringOf(schema, r)), CLUSTERING_KIND, resume!.clustering, CLUSTERING_KIND);
        rows = rows.filter((_, i) => dir * signs[i] > 0);
      }
      for (const r of rows) {
        if (total >= plan.limit || inPartition >= perPartition) break;
        total++;
        inPartition++;
        if (plan.count) counted++;
        else {
          inPage++;
          out.push(plan.project(r));
          if (page && inPage >= page.size) {
            if (total < plan.limit) page.next = { key: p.key, token: p.token, clustering: clusteringOf(schema, r), returned: total, inPartition };
            yield out;
            return;
          }
        }
      }
      if (total >= plan.limit) {
        done = true;
        break;
      }
      if (piece.more && inPartition >= perPartition) control.skipPartition = true;
    }
    if (out.length > 0) yield out;
    if (done) break;
  }
  if (plan.count) yield [{ [plan.countName]: BigInt(counted) }];
}

/**
 * Every row in token then clustering order, read as it goes (a scan without
 * a statement), a run's rows at a time: handing rows on one by one through
 * each async generator cost a promise per row per level.
 */
export async function* scanRows(view: ReadView): AsyncGenerator<CqlRow[]> {
  let rowsInPartition = 0;
  for await (const run of scanPieces(view, null, { skipPartition: false }, true)) {
    const out: CqlRow[] = [];
    for (const piece of run) {
      const rows = piece.rows ?? materialize(view.schema, piece.partition, { nowSeconds: view.nowSeconds, noStaticRow: piece.more || rowsInPartition > 0 });
      rowsInPartition = piece.more ? rowsInPartition + rows.length : 0;
      for (const r of rows) out.push(r);
    }
    if (out.length > 0) yield out;
  }
}

/**
 * The rows of one partition within `slice` (all, when null), as a point
 * SELECT reads them: only the row index blocks (Index.db's, Rows.db's) and
 * memtable blocks that can hold the slice are read, and only rows within
 * it are built.
 */
export async function* partitionRows(view: ReadView, key: Uint8Array, slice: ClusteringBounds[] | null): AsyncGenerator<CqlRow[]> {
  const schema = view.schema;
  let rowsInPartition = 0;
  for await (const piece of readPieces(view, key, slice, false, { skipPartition: false })) {
    const live = { rows: 0 };
    const keep = slice ? keepWithin(schema, piece.partition, slice) : undefined;
    const rows = materialize(schema, piece.partition, { nowSeconds: view.nowSeconds, noStaticRow: piece.more || rowsInPartition > 0, keep, live });
    rowsInPartition += live.rows;
    if (rows.length > 0) yield rows;
  }
}
