// Running a SELECT plan over a read view: partitions come from point reads
// (a partition key restricted) or the streaming scan, rows are filtered,
// ordered and limited as they come, and reading stops at the LIMIT.
import { Partition } from "../sstable/model.js";
import { SelectPlan } from "../cql/execute.js";
import { materialize, CqlRow } from "./materialize.js";
import { ReadView, readPartition, scanPartitions } from "./read-path.js";

async function* planned(view: ReadView, plan: SelectPlan): AsyncGenerator<Partition> {
  if (plan.keys === null) {
    yield* scanPartitions(view);
    return;
  }
  const seen = new Set<string>();
  for (const k of plan.keys) {
    const id = k.join(",");
    if (seen.has(id)) continue;
    seen.add(id);
    const p = await readPartition(view, k, plan.slice);
    if (p) yield p;
  }
}

export async function* runSelect(view: ReadView, plan: SelectPlan): AsyncGenerator<CqlRow> {
  let total = 0;
  let counted = 0;
  const perPartition = plan.perPartitionLimit === Infinity ? undefined : plan.perPartitionLimit;
  for await (const p of planned(view, plan)) {
    let rows = materialize(view.schema, p, { nowSeconds: view.nowSeconds, withMetadata: plan.metadata }).filter(plan.filter);
    if (plan.reverse) rows.reverse();
    rows = rows.slice(0, perPartition);
    for (const r of rows) {
      if (total >= plan.limit) break;
      total++;
      if (plan.count) counted++;
      else yield plan.project(r);
    }
    if (total >= plan.limit) break;
  }
  if (plan.count) yield { [plan.countName]: BigInt(counted) };
}
