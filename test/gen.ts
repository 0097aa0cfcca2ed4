// Seeded random schemas, values and partitions for property tests.
import { CqlType, NativeKind, isMultiCell } from "../src/types/cqltype.js";
import { CqlValue, encodeValue } from "../src/types/codec.js";
import { Decimal, Duration } from "../src/types/values.js";
import { TableSchema, ColumnDef, defaultOptions } from "../src/schema/schema.js";
import { composeKey } from "../src/schema/keys.js";
import { comparePartitions, CLUSTERING_KIND } from "../src/schema/order.js";
import { tokenOf } from "../src/core/token.js";
import { Partition, Row, Cell, Unfiltered } from "../src/sstable/model.js";
import { compareClustering, compareValue } from "../src/core/order.js";

export class Rng {
  constructor(private s: number) {}
  next(): number {
    // mulberry32
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.int(256));
  }
}

const SCALARS: NativeKind[] = [
  "ascii", "text", "int", "bigint", "smallint", "tinyint", "varint", "decimal", "float", "double", "boolean", "blob",
  "uuid", "timeuuid", "timestamp", "date", "time", "inet",
];

export function randomType(r: Rng, depth: number, keyable: boolean, udtCounter: { n: number }): CqlType {
  const roll = r.int(10);
  if (depth < 2 && roll === 0) return { kind: "list", elem: frozenOf(randomType(r, depth + 1, true, udtCounter)), frozen: keyable || r.bool(0.3) };
  if (depth < 2 && roll === 1) return { kind: "set", elem: frozenOf(randomType(r, depth + 1, true, udtCounter)), frozen: keyable || r.bool(0.3) };
  if (depth < 2 && roll === 2)
    return { kind: "map", key: frozenOf(randomType(r, depth + 1, true, udtCounter)), value: frozenOf(randomType(r, depth + 1, true, udtCounter)), frozen: keyable || r.bool(0.3) };
  if (depth < 2 && roll === 3) return { kind: "tuple", elems: Array.from({ length: 1 + r.int(3) }, () => frozenOf(randomType(r, depth + 1, true, udtCounter))) };
  if (depth < 2 && roll === 4) {
    const n = 1 + r.int(3);
    return {
      kind: "udt", keyspace: "ks", name: `u${udtCounter.n++}`, frozen: keyable || r.bool(0.3),
      fields: Array.from({ length: n }, (_, i) => ({ name: `f${i}`, type: frozenOf(randomType(r, depth + 1, true, udtCounter)) })),
    };
  }
  const kinds = keyable ? SCALARS : [...SCALARS, "duration" as NativeKind];
  return { kind: r.pick(kinds) };
}

function frozenOf(t: CqlType): CqlType {
  return "frozen" in t ? { ...t, frozen: true } : t;
}

function hex(r: Rng, n: number): string {
  return Array.from(r.bytes(n), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function randomValue(r: Rng, t: CqlType): CqlValue {
  switch (t.kind) {
    case "ascii": return Array.from({ length: r.int(12) }, () => String.fromCharCode(32 + r.int(95))).join("");
    case "text": return Array.from({ length: r.int(12) }, () => r.pick(["a", "é", "z", "日", "🙂", " ", "Q"])).join("");
    case "int": return r.int(2 ** 32) - 2 ** 31;
    case "bigint": return BigInt.asIntN(64, BigInt(r.int(2 ** 32)) * BigInt(r.int(2 ** 32)) - BigInt(r.int(2 ** 31)));
    case "smallint": return r.int(65536) - 32768;
    case "tinyint": return r.int(256) - 128;
    case "varint": return BigInt(r.int(2 ** 31)) ** BigInt(1 + r.int(3)) * (r.bool() ? -1n : 1n);
    case "decimal": return new Decimal(BigInt(r.int(2 ** 31)) * (r.bool() ? -1n : 1n), r.int(10) - 2);
    case "float": return Math.fround((r.next() - 0.5) * 1e6);
    case "double": return (r.next() - 0.5) * 1e12;
    case "boolean": return r.bool();
    case "blob": return r.bytes(r.int(20));
    case "uuid": {
      const h = hex(r, 16);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20)}`;
    }
    case "timeuuid": {
      const h = hex(r, 16);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-1${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20)}`;
    }
    case "timestamp": return BigInt(r.int(2 ** 31)) * 1000n - 10n ** 12n;
    case "date": return `${1900 + r.int(300)}-${String(1 + r.int(12)).padStart(2, "0")}-${String(1 + r.int(28)).padStart(2, "0")}`;
    case "time": return BigInt(r.int(86_400)) * 1_000_000_000n + BigInt(r.int(1e9));
    case "duration": return new Duration(r.int(100), r.int(100), BigInt(r.int(2 ** 31)));
    case "inet": return r.bool() ? `${r.int(256)}.${r.int(256)}.${r.int(256)}.${r.int(256)}` : `2001:db8::${r.int(65536).toString(16)}`;
    case "list": return Array.from({ length: r.int(4) }, () => randomValue(r, t.elem));
    case "set": return Array.from({ length: r.int(4) }, () => randomValue(r, t.elem));
    case "map": {
      // distinct keys (by serialized form): a map literal with a repeated key is invalid
      const m = new Map<string, [CqlValue, CqlValue]>();
      for (let i = r.int(4); i > 0; i--) {
        const k = randomValue(r, t.key);
        m.set(Array.from(encodeValue(t.key, k)).join(","), [k, randomValue(r, t.value)]);
      }
      return new Map([...m.values()]);
    }
    case "tuple": return t.elems.map((e) => (r.bool(0.15) ? null : randomValue(r, e)));
    case "udt": return Object.fromEntries(t.fields.map((f) => [f.name, r.bool(0.15) ? null : randomValue(r, f.type)]));
    default: return null;
  }
}

export function randomSchema(r: Rng): TableSchema {
  const u = { n: 0 };
  const cols: ColumnDef[] = [];
  const npk = 1 + r.int(3);
  for (let i = 0; i < npk; i++) cols.push({ name: `pk${i}`, type: frozenOf(randomType(r, 1, true, u)), kind: "partition_key", position: i, reversed: false });
  const nck = r.int(4);
  for (let i = 0; i < nck; i++) cols.push({ name: `ck${i}`, type: frozenOf(randomType(r, 1, true, u)), kind: "clustering", position: i, reversed: r.bool(0.4) });
  const nst = nck > 0 ? r.int(3) : 0;
  for (let i = 0; i < nst; i++) cols.push({ name: `s${i}`, type: randomType(r, 0, false, u), kind: "static", position: -1, reversed: false });
  const nreg = r.int(7);
  for (let i = 0; i < nreg; i++) cols.push({ name: `c${i}`, type: randomType(r, 0, false, u), kind: "regular", position: -1, reversed: false });
  const opts = defaultOptions();
  opts.compression.enabled = r.bool();
  opts.compression.chunkLengthKb = r.pick([4, 16, 64]);
  return new TableSchema("ks", "t", "00000000-0000-0000-0000-000000000001", cols, opts);
}

const NOW = 1_700_000_000;

function timestamp(r: Rng): bigint {
  return 1_600_000_000_000_000n + BigInt(r.int(1_000_000_000));
}

function cellsFor(r: Rng, schema: TableSchema, col: number, row: Row): void {
  const def = schema.columns[col];
  const t = def.type;
  if (!isMultiCell(t)) {
    const ts = r.bool(0.5) && row.liveness ? row.liveness.timestamp : timestamp(r);
    const kind = r.int(10);
    if (kind === 0) row.cells.push({ column: col, timestamp: ts, deleted: true, localDeletionTime: NOW - r.int(1000), value: new Uint8Array(0) });
    else if (kind === 1) row.cells.push({ column: col, timestamp: ts, ttl: 1 + r.int(10000), localDeletionTime: NOW + r.int(10000), value: encodeValue(t, randomValue(r, t)) });
    else if (kind === 2 && row.liveness?.ttl)
      row.cells.push({ column: col, timestamp: row.liveness.timestamp, ttl: row.liveness.ttl, localDeletionTime: row.liveness.localExpirationTime, value: encodeValue(t, randomValue(r, t)) });
    else row.cells.push({ column: col, timestamp: ts, value: encodeValue(t, randomValue(r, t)) });
    return;
  }
  if (r.bool(0.3)) (row.complexDeletions ??= []).push({ column: col, deletion: { markedForDeleteAt: timestamp(r), localDeletionTime: NOW - r.int(100) } });
  const entries: { path: Uint8Array; value: Uint8Array }[] = [];
  const n = r.int(4);
  for (let i = 0; i < n; i++) {
    if (t.kind === "list") entries.push({ path: encodeValue({ kind: "timeuuid" }, randomValue(r, { kind: "timeuuid" })), value: encodeValue(t.elem, randomValue(r, t.elem)) });
    else if (t.kind === "set") entries.push({ path: encodeValue(t.elem, randomValue(r, t.elem)), value: new Uint8Array(0) });
    else if (t.kind === "map") entries.push({ path: encodeValue(t.key, randomValue(r, t.key)), value: encodeValue(t.value, randomValue(r, t.value)) });
    else if (t.kind === "udt") {
      const f = r.int(t.fields.length);
      entries.push({ path: Uint8Array.from([f >> 8, f & 0xff]), value: encodeValue(t.fields[f].type, randomValue(r, t.fields[f].type)) });
    }
  }
  const pathType: CqlType =
    t.kind === "list" ? { kind: "timeuuid" } : t.kind === "set" ? t.elem : t.kind === "map" ? t.key : { kind: "smallint" };
  entries.sort((a, b) => compareValue(pathType, a.path, b.path));
  const uniq = entries.filter((e, i) => i === 0 || compareValue(pathType, entries[i - 1].path, e.path) !== 0);
  for (const e of uniq) {
    const c: Cell = { column: col, timestamp: timestamp(r), path: e.path, value: e.value };
    if (r.bool(0.1)) {
      c.deleted = true;
      c.localDeletionTime = NOW;
      c.value = new Uint8Array(0);
    }
    row.cells.push(c);
  }
}

function randomRow(r: Rng, schema: TableSchema, clustering: (Uint8Array | null)[], isStatic: boolean): Row {
  const row: Row = { clustering, cells: [] };
  if (!isStatic && r.bool(0.7)) {
    const ttl = r.bool(0.2) ? 1 + r.int(100000) : 0;
    row.liveness = { timestamp: timestamp(r), ttl, localExpirationTime: ttl ? NOW + ttl : 0x7fffffff };
  }
  if (r.bool(0.1)) row.deletion = { markedForDeleteAt: timestamp(r), localDeletionTime: NOW - r.int(100) };
  schema.columns.forEach((c, i) => {
    if ((c.kind === "static") === isStatic && r.bool(0.6)) cellsFor(r, schema, i, row);
  });
  if (!row.liveness && !row.deletion && row.cells.length === 0 && !row.complexDeletions) {
    row.liveness = { timestamp: timestamp(r), ttl: 0, localExpirationTime: 0x7fffffff };
  }
  return row;
}

export function randomPartitions(r: Rng, schema: TableSchema, count: number): Partition[] {
  const out: Partition[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const parts = schema.partitionKey.map((c) => encodeValue(c.type, randomValue(r, c.type)));
    const key = composeKey(parts);
    const k = Array.from(key).join(",");
    if (seen.has(k) || key.length > 0xffff) continue;
    seen.add(k);
    const p: Partition = { key, token: tokenOf(key), unfiltereds: [] };
    // now and then a wider partition of rows written with their key alone (a
    // row marker, no cell, nothing deleted): the plain fast path of scans
    // takes it, and readers that size arrays by rows grow them past their
    // first sizes (a scan once lost such rows)
    const wide = schema.clustering.length > 0 && r.bool(0.04);
    if (!wide && r.bool(0.1)) p.deletion = { markedForDeleteAt: timestamp(r), localDeletionTime: NOW - r.int(1000) };
    if (!wide && schema.hasStatics && r.bool(0.5)) {
      const s = randomRow(r, schema, [], true);
      if (s.cells.length || s.complexDeletions) p.staticRow = { ...s, liveness: undefined };
      if (p.staticRow && !p.staticRow.liveness) delete p.staticRow.liveness;
    }
    const nrows = schema.clustering.length === 0 ? (r.bool(0.9) ? 1 : 0) : wide ? 30 + r.int(120) : r.int(8);
    const us: Unfiltered[] = [];
    const keys = new Set<string>();
    for (let j = 0; j < nrows; j++) {
      const cl = schema.clustering.map((c) => encodeValue(c.type, randomValue(r, c.type)));
      const ck = cl.map((v) => Array.from(v).join(",")).join("|");
      if (keys.has(ck)) continue;
      keys.add(ck);
      us.push({ type: "row", row: wide ? { clustering: cl, liveness: { timestamp: timestamp(r), ttl: 0, localExpirationTime: 0x7fffffff }, cells: [] } : randomRow(r, schema, cl, false) });
    }
    us.sort((a, b) => compareClustering(schema, (a as { row: Row }).row.clustering, CLUSTERING_KIND, (b as { row: Row }).row.clustering, CLUSTERING_KIND));
    // a range tombstone over a prefix between rows: [incl start x, incl end x]
    if (!wide && schema.clustering.length > 0 && r.bool(0.3)) {
      const x = encodeValue(schema.clustering[0].type, randomValue(r, schema.clustering[0].type));
      const clashes = us.some((u) => u.type === "row" && compareClustering(schema, [x], 1, u.row.clustering.slice(0, 1), 1) === 0);
      if (!clashes) {
        const del = { markedForDeleteAt: timestamp(r), localDeletionTime: NOW - r.int(100) };
        const start: Unfiltered = { type: "marker", marker: { kind: 1, clustering: [x], deletion: del } };
        const end: Unfiltered = { type: "marker", marker: { kind: 6, clustering: [x], deletion: del } };
        let at = 0;
        while (at < us.length && compareClustering(schema, (us[at] as { row: Row }).row.clustering, CLUSTERING_KIND, [x], 1) < 0) at++;
        us.splice(at, 0, start, end);
      }
    }
    p.unfiltereds = us;
    if (!p.deletion && !p.staticRow && us.length === 0) continue;
    out.push(p);
  }
  out.sort((a, b) => comparePartitions(a.token, a.key, b.token, b.key));
  return out;
}

/** Partitions as plain JSON-able data, for deep equality. */
export function plain(ps: unknown): unknown {
  return JSON.parse(JSON.stringify(ps, (_k, v) => (typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? Array.from(v) : v)));
}
