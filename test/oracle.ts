// A plain oracle for reconciliation: for every row and cell, the winner
// across sources after every deletion any source holds. Slow and obvious.
import { materialize, CqlRow } from "../src/read/materialize.js";
import { TableSchema } from "../src/schema/schema.js";
import { Partition, Row, Cell, DeletionTime, isLive } from "../src/sstable/model.js";
import { CLUSTERING_KIND } from "../src/schema/order.js";
import { toHex } from "../src/util/bytes.js";
import { plain } from "./gen.js";
import { CqlType } from "../src/types/cqltype.js";
import { compareClustering, compareValue } from "../src/core/order.js";


export const NOW = 1_700_000_000;
const NONE = -(2n ** 63n);

function later(a: DeletionTime | undefined, b: DeletionTime | undefined): DeletionTime | undefined {
  if (!a || isLive(a)) return b && !isLive(b) ? b : undefined;
  if (!b || isLive(b)) return a;
  return a.markedForDeleteAt > b.markedForDeleteAt || (a.markedForDeleteAt === b.markedForDeleteAt && a.localDeletionTime >= b.localDeletionTime) ? a : b;
}

function live(c: Cell): boolean {
  return !c.deleted && !(c.ttl && (c.localDeletionTime ?? 0) <= NOW);
}

function reconcile(a: Cell, b: Cell): Cell {
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp ? a : b;
  if (live(a) !== live(b)) return live(a) ? b : a;
  if (!live(a)) return (a.localDeletionTime ?? 0) >= (b.localDeletionTime ?? 0) ? a : b;
  const c = Buffer.compare(Buffer.from(a.value), Buffer.from(b.value));
  if (c !== 0) return c > 0 ? a : b;
  return (a.localDeletionTime ?? 0x7fffffff) >= (b.localDeletionTime ?? 0x7fffffff) ? a : b;
}

/** the range deletion a source has open at a row's clustering */
function rangeAt(schema: TableSchema, p: Partition, cl: (Uint8Array | null)[]): DeletionTime | undefined {
  let open: DeletionTime | undefined;
  for (const u of p.unfiltereds) {
    if (u.type !== "marker") continue;
    if (compareClustering(schema, u.marker.clustering, u.marker.kind, cl, CLUSTERING_KIND) > 0) break;
    const k = u.marker.kind;
    open = k === 1 || k === 7 ? u.marker.deletion : k === 2 || k === 5 ? u.marker.openDeletion : undefined;
  }
  return open;
}

function oracleRow(schema: TableSchema, versions: Row[], eff: DeletionTime | undefined): Row | null {
  let rowDel: DeletionTime | undefined;
  for (const r of versions) rowDel = later(rowDel, r.deletion);
  const shadow = later(eff, rowDel);
  const sh = shadow ? shadow.markedForDeleteAt : NONE;
  let liveness: Row["liveness"];
  for (const r of versions) {
    const l = r.liveness;
    if (!l) continue;
    if (!liveness || l.timestamp > liveness.timestamp || (l.timestamp === liveness.timestamp && l.localExpirationTime > liveness.localExpirationTime)) liveness = l;
  }
  const out: Row = { clustering: versions[0].clustering, cells: [] };
  if (liveness && liveness.timestamp > sh) out.liveness = liveness;
  const cdel = new Map<number, DeletionTime>();
  for (const r of versions) for (const d of r.complexDeletions ?? []) cdel.set(d.column, later(cdel.get(d.column), d.deletion)!);
  const cells = new Map<string, Cell>();
  for (const r of versions) for (const c of r.cells) {
    const k = `${c.column}:${c.path ? toHex(c.path) : ""}`;
    const prev = cells.get(k);
    cells.set(k, prev ? reconcile(prev, c) : c);
  }
  for (const c of cells.values()) {
    const cd = cdel.get(c.column);
    const limit = cd && cd.markedForDeleteAt > sh ? cd.markedForDeleteAt : sh;
    if (c.timestamp > limit) out.cells.push(c);
  }
  // a collection's cells in path order, as a merge leaves them (first seen is not that order)
  out.cells.sort((a, b) => a.column - b.column || comparePaths(schema, a, b));
  return out;
}

function comparePaths(schema: TableSchema, a: Cell, b: Cell): number {
  if (!a.path || !b.path) return 0;
  const t = schema.columns[a.column].type;
  const pathType: CqlType | null = t.kind === "map" ? t.key : t.kind === "set" ? t.elem : t.kind === "list" ? { kind: "timeuuid" } : null;
  return pathType ? compareValue(pathType, a.path, b.path) : Buffer.compare(Buffer.from(a.path), Buffer.from(b.path));
}

export function oracle(schema: TableSchema, sources: Partition[][], now = NOW): CqlRow[] {
  const byKey = new Map<string, Partition[]>();
  for (const src of sources) for (const p of src) {
    const k = toHex(p.key);
    if (!byKey.has(k)) byKey.set(k, []);
    byKey.get(k)!.push(p);
  }
  const out: CqlRow[] = [];
  for (const ps of byKey.values()) {
    let pdel: DeletionTime | undefined;
    for (const p of ps) pdel = later(pdel, p.deletion);
    const merged: Partition = { key: ps[0].key, token: ps[0].token, unfiltereds: [] };
    const statics = ps.flatMap((p) => (p.staticRow ? [p.staticRow] : []));
    if (statics.length) merged.staticRow = oracleRow(schema, statics, pdel)!;
    const rows = new Map<string, { cl: (Uint8Array | null)[]; versions: Row[] }>();
    for (const p of ps) for (const u of p.unfiltereds) {
      if (u.type !== "row") continue;
      const k = u.row.clustering.map((v) => (v ? toHex(v) : "-")).join("|");
      if (!rows.has(k)) rows.set(k, { cl: u.row.clustering, versions: [] });
      rows.get(k)!.versions.push(u.row);
    }
    const sorted = [...rows.values()].sort((a, b) => compareClustering(schema, a.cl, CLUSTERING_KIND, b.cl, CLUSTERING_KIND));
    for (const { cl, versions } of sorted) {
      let eff = pdel;
      for (const p of ps) eff = later(eff, rangeAt(schema, p, cl));
      const r = oracleRow(schema, versions, eff);
      if (r) merged.unfiltereds.push({ type: "row", row: r });
    }
    out.push(...materialize(schema, merged, { nowSeconds: now }));
  }
  return out;
}

export function sortRows(rows: CqlRow[]): string[] {
  return rows.map((r) => JSON.stringify(plain(r instanceof Map ? [...r] : r, ), (_k, v) => (v instanceof Map ? [...v] : v))).sort();
}

