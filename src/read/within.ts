// Which rows lie within a slice's bounds, for a whole batch of rows at once:
// two core calls per bound, however many rows there are.
import { TableSchema } from "../schema/schema.js";
import { CLUSTERING_KIND } from "../schema/order.js";
import { MARKER_KINDS, Partition } from "../sstable/model.js";
import { ClusteringBounds } from "../sstable/row-index.js";
import { signsAgainst, Clustering } from "../core/order.js";

/** 1 for each clustering within any of the bounds (both inclusive), else 0. */
export function withinAny(schema: TableSchema, cls: readonly Clustering[], bounds: readonly ClusteringBounds[]): Uint8Array {
  const out = new Uint8Array(cls.length);
  if (cls.length === 0) return out;
  for (const b of bounds) {
    const lo = signsAgainst(schema, cls, CLUSTERING_KIND, b.lo, MARKER_KINDS.INCL_START_BOUND);
    const hi = signsAgainst(schema, cls, CLUSTERING_KIND, b.hi, MARKER_KINDS.INCL_END_BOUND);
    for (let i = 0; i < cls.length; i++) if (lo[i] >= 0 && hi[i] <= 0) out[i] = 1;
  }
  return out;
}

/** A materialize `keep` for the rows of `p`: those within any of the bounds. */
export function keepWithin(schema: TableSchema, p: Partition, bounds: readonly ClusteringBounds[]): (c: Clustering) => boolean {
  const cls: Clustering[] = [];
  for (const u of p.unfiltereds) if (u.type === "row") cls.push(u.row.clustering);
  const inside = withinAny(schema, cls, bounds);
  const kept = new Set<Clustering>();
  cls.forEach((c, i) => inside[i] && kept.add(c));
  return (c) => kept.has(c);
}
