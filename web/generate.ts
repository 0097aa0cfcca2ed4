// Deterministic sample rows for any schema (the demo's "generate N rows").
import { TableSchema } from "../src/schema/schema.js";
import { CqlType, isMultiCell } from "../src/types/cqltype.js";
import { CqlValue, encodeValue } from "../src/types/codec.js";
import { Decimal, Duration } from "../src/types/values.js";
import { composeKey } from "../src/schema/keys.js";
import { tokenOf } from "../src/core/token.js";
import { comparePartitions } from "../src/schema/order.js";
import { Partition, Row, Cell } from "../src/sstable/model.js";
import { sortOrder } from "../src/core/order.js";

function sample(t: CqlType, i: number): CqlValue {
  switch (t.kind) {
    case "ascii": case "text": return `value-${i}`;
    case "int": return i;
    case "bigint": case "varint": case "counter": return BigInt(i);
    case "smallint": return i % 32768;
    case "tinyint": return i % 128;
    case "decimal": return new Decimal(BigInt(i), 2);
    case "float": case "double": return i / 10;
    case "boolean": return i % 2 === 0;
    case "blob": return Uint8Array.from([i & 0xff, (i >> 8) & 0xff]);
    case "uuid": return `00000000-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
    case "timeuuid": return `${i.toString(16).padStart(8, "0")}-0000-1000-8000-000000000000`;
    case "timestamp": return 1_700_000_000_000n + BigInt(i) * 1000n;
    case "date": return "2024-01-01";
    case "time": return BigInt(i) * 1_000_000n;
    case "duration": return new Duration(0, i % 30, 0n);
    case "inet": return `10.0.${(i >> 8) & 255}.${i & 255}`;
    case "list": case "set": return [sample(t.elem, i), sample(t.elem, i + 1)];
    case "map": return new Map([[sample(t.key, i), sample(t.value, i)]]);
    case "tuple": return t.elems.map((e) => sample(e, i));
    case "udt": return Object.fromEntries(t.fields.map((f) => [f.name, sample(f.type, i)]));
    default: return null;
  }
}

export function generateRows(schema: TableSchema, n: number, progress?: (done: number) => void): Partition[] {
  const perPartition = schema.clustering.length ? 10 : 1;
  const byKey = new Map<string, Partition>();
  const ts = BigInt(Date.now()) * 1000n;
  for (let i = 0; i < n; i++) {
    const pi = Math.floor(i / perPartition);
    const key = composeKey(schema.partitionKey.map((c) => encodeValue(c.type, sample(c.type, pi))));
    const k = key.join(",");
    let p = byKey.get(k);
    if (!p) byKey.set(k, (p = { key, token: tokenOf(key), unfiltereds: [] }));
    const row: Row = { clustering: schema.clustering.map((c) => encodeValue(c.type, sample(c.type, i))), cells: [], liveness: { timestamp: ts, ttl: 0, localExpirationTime: 0x7fffffff } };
    schema.columns.forEach((c, ci) => {
      if (c.kind !== "regular") return;
      if (isMultiCell(c.type)) return; // demo rows keep to simple columns
      const cell: Cell = { column: ci, timestamp: ts, value: encodeValue(c.type, sample(c.type, i)) };
      row.cells.push(cell);
    });
    p.unfiltereds.push({ type: "row", row });
    if (progress && i % 1000 === 0) progress(i);
  }
  const ps = [...byKey.values()];
  for (const p of ps) {
    // in clustering order, each clustering once (the core's order; ~i marks a repeat)
    const us = p.unfiltereds;
    const order = sortOrder(schema, us.map((u) => (u as { row: Row }).row.clustering));
    p.unfiltereds = Array.from(order).filter((i) => i >= 0).map((i) => us[i]);
  }
  progress?.(n);
  return ps.sort((a, b) => comparePartitions(a.token, a.key, b.token, b.key));
}

/**
 * Rows number `from` to `from + count - 1`, the same for every call (ten
 * rows per partition when the table has clustering columns, collections
 * included), as columns (column → one array of values): what insertColumns
 * takes, one message to the worker and one batch the core encodes.
 */
export function generateColumns(schema: TableSchema, from: number, count: number): Record<string, CqlValue[]> {
  const perPartition = schema.clustering.length ? 10 : 1;
  const out: Record<string, CqlValue[]> = {};
  for (const c of [...schema.partitionKey, ...schema.clustering, ...schema.columns]) {
    if (c.type.kind === "counter") continue; // counters are read-only here
    const perRow = c.kind !== "partition_key" && c.kind !== "static";
    const values = (out[c.name] = new Array<CqlValue>(count));
    for (let k = 0; k < count; k++) values[k] = sample(c.type, perRow ? from + k : Math.floor((from + k) / perPartition));
  }
  return out;
}
