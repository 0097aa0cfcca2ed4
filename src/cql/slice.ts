// From a SELECT's clustering restrictions to the ranges of clusterings a read
// must look at: what lets an SSTable read only the row index blocks that can
// hold them. The ranges are conservative (inclusive, and a restriction they
// cannot express leaves them wider): every row is still checked against the
// WHERE clause afterwards.
import { TableSchema } from "../schema/schema.js";
import { ClusteringBounds } from "../sstable/row-index.js";

export interface ClusteringRestriction {
  /** the first clustering column it restricts; a tuple restricts `width` consecutive ones */
  first: number;
  width: number;
  op: "=" | "<" | "<=" | ">" | ">=" | "IN";
  /** serialized values, one tuple per candidate (several only for IN) */
  values: Uint8Array[][];
}

/** IN lists multiply: past this many ranges, the later columns are not used to narrow. */
const MAX_RANGES = 256;

/** The ranges to read, or null when the restrictions do not narrow the partition. */
export function clusteringBounds(schema: TableSchema, rs: ClusteringRestriction[]): ClusteringBounds[] | null {
  let bounds: ClusteringBounds[] = [{ lo: [], hi: [] }];
  let i = 0;
  while (i < schema.clustering.length) {
    const here = rs.filter((r) => r.first === i);
    const eq = here.find((r) => r.op === "=" || r.op === "IN");
    if (eq) {
      if (bounds.length * eq.values.length > MAX_RANGES) break;
      bounds = bounds.flatMap((b) => eq.values.map((v) => ({ lo: [...b.lo, ...v], hi: [...b.hi, ...v] })));
      i += eq.width;
      continue;
    }
    // a slice ends the prefix: one bound per side at most
    let lower = false;
    let upper = false;
    for (const r of here) {
      const cols = schema.clustering.slice(i, i + r.width);
      // a tuple over columns of mixed order is not one range in clustering order
      if (cols.some((c) => c.reversed !== cols[0].reversed)) continue;
      const isLower = (r.op === ">" || r.op === ">=") !== cols[0].reversed;
      if (isLower ? lower : upper) continue;
      if (isLower) lower = true;
      else upper = true;
      for (const b of bounds) {
        if (isLower) b.lo = [...b.lo, ...r.values[0]];
        else b.hi = [...b.hi, ...r.values[0]];
      }
    }
    break;
  }
  return bounds.every((b) => b.lo.length === 0 && b.hi.length === 0) ? null : bounds;
}
