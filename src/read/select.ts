// Running a SELECT plan over a read view: partitions come from point reads
// (a partition key restricted) or the streaming scan, rows are filtered,
// ordered and limited as they come, and reading stops at the LIMIT or at the
// end of a page.
import { Partition } from "../sstable/model.js";
import { SelectPlan } from "./plan.js";
import { TableSchema } from "../schema/schema.js";
import { compareClustering, CLUSTERING_KIND } from "../schema/order.js";
import { encodeValue } from "../types/codec.js";
import { compareBytes } from "../util/bytes.js";
import { materialize, CqlRow } from "./materialize.js";
import { ReadView, readPartition, scanPartitions } from "./read-path.js";
import { PagePosition } from "./paging.js";

/** A page to fill: at most `size` rows, after `resume` if given; `next` is set when the page filled. */
export interface Page {
  size: number;
  resume: PagePosition | null;
  next: PagePosition | null;
}

async function* planned(view: ReadView, plan: SelectPlan, resume: PagePosition | null): AsyncGenerator<Partition> {
  if (plan.keys === null) {
    yield* scanPartitions(view, resume && { token: resume.token, key: resume.key });
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
    const p = await readPartition(view, k, plan.slice);
    if (p) yield p;
  }
}

const EMPTY = new Uint8Array(0);

function clusteringOf(schema: TableSchema, row: CqlRow): Uint8Array[] {
  // an empty clustering value reads back as null
  return schema.clustering.map((c) => (row[c.name] === null || row[c.name] === undefined ? EMPTY : encodeValue(c.type, row[c.name])));
}

export async function* runSelect(view: ReadView, plan: SelectPlan, page: Page | null = null): AsyncGenerator<CqlRow> {
  const schema = view.schema;
  const resume = page?.resume ?? null;
  let total = resume?.returned ?? 0;
  let counted = 0;
  let inPage = 0;
  const perPartition = plan.perPartitionLimit;
  for await (const p of planned(view, plan, resume)) {
    let rows = materialize(schema, p, { nowSeconds: view.nowSeconds, withMetadata: plan.metadata }).filter(plan.filter);
    if (plan.reverse) rows.reverse();
    let inPartition = 0;
    if (resume && compareBytes(p.key, resume.key) === 0) {
      // the rows up to the last one returned, in the order they were returned, are passed over
      const dir = plan.reverse ? -1 : 1;
      rows = rows.filter((r) => dir * compareClustering(schema, clusteringOf(schema, r), CLUSTERING_KIND, resume.clustering, CLUSTERING_KIND) > 0);
      inPartition = resume.inPartition;
    }
    for (const r of rows) {
      if (total >= plan.limit || inPartition >= perPartition) break;
      total++;
      inPartition++;
      if (plan.count) counted++;
      else {
        inPage++;
        yield plan.project(r);
        if (page && inPage >= page.size) {
          if (total < plan.limit) page.next = { key: p.key, token: p.token, clustering: clusteringOf(schema, r), returned: total, inPartition };
          return;
        }
      }
    }
    if (total >= plan.limit) break;
  }
  if (plan.count) yield { [plan.countName]: BigInt(counted) };
}
