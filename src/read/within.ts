// Which rows lie within a slice's bounds, for a whole batch of rows at once.
// The rows are in clustering order, so those within a bound are one run of
// them: the core finds where each bound's run starts and ends, in two calls
// however many rows and bounds there are.
import { TableSchema } from "../schema/schema.js";
import { CLUSTERING_KIND } from "../schema/order.js";
import { MARKER_KINDS, Partition } from "../sstable/model.js";
import { ClusteringBounds } from "../sstable/row-index.js";
import { run, lowerBounds, Clustering } from "../core/order.js";

/** For clusterings in order: 1 for each within any of the bounds (both inclusive), else 0. */
export function withinAny(schema: TableSchema, cls: readonly Clustering[], bounds: readonly ClusteringBounds[]): Uint8Array {
  const out = new Uint8Array(cls.length);
  if (cls.length === 0 || bounds.length === 0) return out;
  const items = run(cls, CLUSTERING_KIND);
  const from = lowerBounds(schema, items, bounds.map((b) => b.lo), MARKER_KINDS.INCL_START_BOUND);
  const to = lowerBounds(schema, items, bounds.map((b) => b.hi), MARKER_KINDS.INCL_END_BOUND, true);
  for (let j = 0; j < bounds.length; j++) out.fill(1, from[j], Math.max(from[j], to[j]));
  return out;
}

/** The clusterings of a partition's rows, in order. */
function rowClusterings(p: Partition): Clustering[] {
  const cls: Clustering[] = [];
  for (const u of p.unfiltereds) if (u.type === "row") cls.push(u.row.clustering);
  return cls;
}

/** The rows of `p` within the bound, its markers all kept. */
export function rowsWithin(schema: TableSchema, p: Partition, bound: ClusteringBounds): Partition["unfiltereds"] {
  const inside = withinAny(schema, rowClusterings(p), [bound]);
  let i = 0;
  return p.unfiltereds.filter((u) => u.type !== "row" || inside[i++] === 1);
}

/** A materialize `keep` for the rows of `p`: those within any of the bounds. */
export function keepWithin(schema: TableSchema, p: Partition, bounds: readonly ClusteringBounds[]): (c: Clustering) => boolean {
  const cls = rowClusterings(p);
  const inside = withinAny(schema, cls, bounds);
  const kept = new Set<Clustering>();
  cls.forEach((c, i) => inside[i] && kept.add(c));
  return (c) => kept.has(c);
}
