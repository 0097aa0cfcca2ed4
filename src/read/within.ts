// Which rows lie within a slice's bounds, for a whole batch of rows at once:
// one core call for every bound, however many rows there are.
import { TableSchema } from "../schema/schema.js";
import { CLUSTERING_KIND } from "../schema/order.js";
import { MARKER_KINDS, Partition } from "../sstable/model.js";
import { ClusteringBounds } from "../sstable/row-index.js";
import { signsAgainstEach, Clustering } from "../core/order.js";

/** 1 for each clustering within any of the bounds (both inclusive), else 0. */
export function withinAny(schema: TableSchema, cls: readonly Clustering[], bounds: readonly ClusteringBounds[]): Uint8Array {
  const out = new Uint8Array(cls.length);
  if (cls.length === 0) return out;
  const probes = bounds.flatMap((b) => [b.lo, b.hi]);
  const kinds = bounds.flatMap(() => [MARKER_KINDS.INCL_START_BOUND, MARKER_KINDS.INCL_END_BOUND]);
  const signs = signsAgainstEach(schema, cls, CLUSTERING_KIND, probes, kinds);
  for (let j = 0; j < bounds.length; j++) {
    const lo = signs[2 * j], hi = signs[2 * j + 1];
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
