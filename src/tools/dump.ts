// sstabledump's JSON: partitions with their key and position, rows with
// clustering, liveness info, cells (timestamps, TTLs, expiry), deletion info,
// range tombstone bounds and static blocks. Cassandra's tool is the model
// (tools/JsonTransformer); field names and nesting follow it.
import { SSTableReader } from "../sstable/reader.js";
import { TableSchema } from "../schema/schema.js";
import { Partition, Row, Cell, DeletionTime, RangeMarker, isLive } from "../sstable/model.js";
import { splitKey } from "../schema/keys.js";
import { formatBytes, formatValue } from "./format.js";
import { formatTimestamp } from "../types/values.js";
import { decodeValue } from "../types/codec.js";
import { CqlType, isMultiCell } from "../types/cqltype.js";

export interface DumpOptions {
  /** only these partition keys (as text, components joined by ':') */
  keys?: string[];
  /** raw microsecond timestamps instead of ISO dates (sstabledump -t) */
  rawTimestamps?: boolean;
  nowSeconds?: number;
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

function micros(ts: bigint, raw: boolean): Json {
  return raw ? ts.toString() : formatTimestamp(ts / 1000n).replace(/\.(\d{3})Z$/, `.$1Z`);
}
function seconds(s: number, raw: boolean): Json {
  return raw ? String(s) : formatTimestamp(BigInt(s) * 1000n).replace(/\.000Z$/, "Z");
}

function deletionInfo(d: DeletionTime, raw: boolean): Json {
  return { marked_deleted: micros(d.markedForDeleteAt, raw), local_delete_time: seconds(d.localDeletionTime, raw) };
}

export function keyText(schema: TableSchema, key: Uint8Array): string[] {
  const parts = splitKey(schema, key);
  return schema.partitionKey.map((c, i) => (parts[i].length ? formatBytes(c.type, parts[i]) : ""));
}

function pathText(t: CqlType, path: Uint8Array): Json {
  if (t.kind === "list") return [formatValue({ kind: "timeuuid" }, decodeValue({ kind: "timeuuid" }, path))];
  if (t.kind === "set") return [formatBytes(t.elem, path)];
  if (t.kind === "map") return [formatBytes(t.key, path)];
  if (t.kind === "udt") return [t.fields[(path[0] << 8) | path[1]]?.name ?? String((path[0] << 8) | path[1])];
  return [];
}

function cellJson(schema: TableSchema, c: Cell, row: Row, o: DumpOptions, now: number): Json {
  const def = schema.columns[c.column];
  const out: { [k: string]: Json } = { name: def.name };
  if (c.path) out.path = pathText(def.type, c.path);
  if (c.deleted) out.deletion_info = { local_delete_time: seconds(c.localDeletionTime!, !!o.rawTimestamps) };
  else {
    const vt: CqlType =
      !isMultiCell(def.type) ? def.type
      : def.type.kind === "list" ? def.type.elem
      : def.type.kind === "map" ? def.type.value
      : def.type.kind === "udt" ? def.type.fields[(c.path![0] << 8) | c.path![1]].type
      : { kind: "empty" };
    if (vt.kind !== "empty") out.value = formatBytes(vt, c.value, def.type.kind === "counter");
  }
  if (!row.liveness || row.liveness.timestamp !== c.timestamp) out.tstamp = micros(c.timestamp, !!o.rawTimestamps);
  if (c.ttl) {
    out.ttl = c.ttl;
    out.expires_at = seconds(c.localDeletionTime!, !!o.rawTimestamps);
    out.expired = c.localDeletionTime! <= now;
  }
  return out;
}

function rowJson(schema: TableSchema, r: Row, isStatic: boolean, position: number | null, o: DumpOptions, now: number): Json {
  const out: { [k: string]: Json } = { type: isStatic ? "static_block" : "row" };
  if (position !== null) out.position = position;
  if (!isStatic && schema.clustering.length) out.clustering = r.clustering.map((v, i) => (v ? formatBytes(schema.clustering[i].type, v) : "null"));
  if (r.liveness) {
    const l: { [k: string]: Json } = { tstamp: micros(r.liveness.timestamp, !!o.rawTimestamps) };
    if (r.liveness.ttl) {
      l.ttl = r.liveness.ttl;
      l.expires_at = seconds(r.liveness.localExpirationTime, !!o.rawTimestamps);
      l.expired = r.liveness.localExpirationTime <= now;
    }
    out.liveness_info = l;
  }
  if (r.deletion && !isLive(r.deletion)) out.deletion_info = deletionInfo(r.deletion, !!o.rawTimestamps);
  const cells: Json[] = [];
  const complexDone = new Set<number>();
  for (const c of r.cells) {
    const cd = r.complexDeletions?.find((d) => d.column === c.column);
    if (cd && !complexDone.has(c.column)) {
      complexDone.add(c.column);
      cells.push({ name: schema.columns[c.column].name, deletion_info: deletionInfo(cd.deletion, !!o.rawTimestamps) });
    }
    cells.push(cellJson(schema, c, r, o, now));
  }
  for (const d of r.complexDeletions ?? []) {
    if (!complexDone.has(d.column)) cells.push({ name: schema.columns[d.column].name, deletion_info: deletionInfo(d.deletion, !!o.rawTimestamps) });
  }
  out.cells = cells;
  return out;
}

const BOUND_TYPE: Record<number, [string, string]> = {
  0: ["end", "exclusive"], 1: ["start", "inclusive"], 6: ["end", "inclusive"], 7: ["start", "exclusive"],
};

function markerJson(schema: TableSchema, m: RangeMarker, o: DumpOptions): Json {
  const clustering = m.clustering.map((v, i) => (v ? formatBytes(schema.clustering[i].type, v) : "null"));
  if (m.kind === 2 || m.kind === 5) {
    const endIncl = m.kind === 5;
    return {
      type: "range_tombstone_boundary",
      start: { type: endIncl ? "exclusive" : "inclusive", clustering, deletion_info: deletionInfo(m.openDeletion!, !!o.rawTimestamps) },
      end: { type: endIncl ? "inclusive" : "exclusive", clustering, deletion_info: deletionInfo(m.deletion, !!o.rawTimestamps) },
    };
  }
  const [side, incl] = BOUND_TYPE[m.kind];
  return { type: "range_tombstone_bound", [side]: { type: incl, clustering, deletion_info: deletionInfo(m.deletion, !!o.rawTimestamps) } };
}

export function partitionJson(schema: TableSchema, p: Partition, position: number, o: DumpOptions = {}): Json {
  const now = o.nowSeconds ?? Math.floor(Date.now() / 1000);
  const part: { [k: string]: Json } = { key: keyText(schema, p.key), position };
  if (p.deletion && !isLive(p.deletion)) part.deletion_info = deletionInfo(p.deletion, !!o.rawTimestamps);
  const rows: Json[] = [];
  if (p.staticRow) rows.push(rowJson(schema, p.staticRow, true, null, o, now));
  for (const u of p.unfiltereds) rows.push(u.type === "row" ? rowJson(schema, u.row, false, null, o, now) : markerJson(schema, u.marker, o));
  return { partition: part, rows };
}

/** The whole SSTable (or the partitions named in `keys`) as sstabledump's JSON array. */
export async function dumpJson(r: SSTableReader, o: DumpOptions = {}): Promise<Json[]> {
  const entries = await r.indexEntries();
  const out: Json[] = [];
  let i = 0;
  const wanted = o.keys ? new Set(o.keys) : null;
  for await (const p of r.scan()) {
    const pos = entries[i++].position;
    if (wanted && !wanted.has(keyText(r.schema, p.key).join(":"))) continue;
    out.push(partitionJson(r.schema, p, pos, o));
  }
  return out;
}
