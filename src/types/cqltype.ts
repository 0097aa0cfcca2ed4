// The CQL type model: what a column holds, independent of encoding.
import { SchemaError } from "../errors.js";

export type NativeKind =
  | "ascii" | "text" | "int" | "bigint" | "smallint" | "tinyint" | "varint" | "decimal" | "float" | "double"
  | "boolean" | "blob" | "uuid" | "timeuuid" | "timestamp" | "date" | "time" | "duration" | "inet" | "counter"
  | "empty";

export type CqlType =
  | { kind: NativeKind }
  | { kind: "list"; elem: CqlType; frozen: boolean }
  | { kind: "set"; elem: CqlType; frozen: boolean }
  | { kind: "map"; key: CqlType; value: CqlType; frozen: boolean }
  | { kind: "tuple"; elems: CqlType[] }
  | { kind: "udt"; keyspace: string; name: string; fields: { name: string; type: CqlType }[]; frozen: boolean };

export const NATIVE_KINDS: readonly NativeKind[] = [
  "ascii", "text", "int", "bigint", "smallint", "tinyint", "varint", "decimal", "float", "double",
  "boolean", "blob", "uuid", "timeuuid", "timestamp", "date", "time", "duration", "inet", "counter",
];

const ALIASES: Record<string, NativeKind> = { varchar: "text" };

export function native(kind: NativeKind): CqlType {
  return { kind };
}

export function nativeKind(name: string): NativeKind | null {
  const n = name.toLowerCase();
  if (ALIASES[n]) return ALIASES[n];
  return (NATIVE_KINDS as readonly string[]).includes(n) ? (n as NativeKind) : null;
}

/** Multi-cell: a non-frozen collection or UDT, stored as one cell per element. */
export function isMultiCell(t: CqlType): boolean {
  return (t.kind === "list" || t.kind === "set" || t.kind === "map" || t.kind === "udt") && !t.frozen;
}

/** The same type, frozen at the top level (tuples are always frozen). */
export function frozen(t: CqlType): CqlType {
  if (t.kind === "list" || t.kind === "set" || t.kind === "map" || t.kind === "udt") return { ...t, frozen: true };
  return t;
}

export function typeToCql(t: CqlType): string {
  switch (t.kind) {
    case "list":
    case "set": {
      const s = `${t.kind}<${typeToCql(t.elem)}>`;
      return t.frozen ? `frozen<${s}>` : s;
    }
    case "map": {
      const s = `map<${typeToCql(t.key)}, ${typeToCql(t.value)}>`;
      return t.frozen ? `frozen<${s}>` : s;
    }
    case "tuple":
      return `tuple<${t.elems.map(typeToCql).join(", ")}>`;
    case "udt":
      return t.frozen ? `frozen<${quoteIdent(t.name)}>` : quoteIdent(t.name);
    default:
      return t.kind;
  }
}

export function quoteIdent(name: string): string {
  return /^[a-z][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

export function assertValidType(t: CqlType, where: string): void {
  if (t.kind === "list" || t.kind === "set") {
    if (!t.frozen && isMultiCell(t.elem)) throw new SchemaError(`${where}: non-frozen collections cannot nest a non-frozen ${t.elem.kind}`);
    if (t.elem.kind === "counter") throw new SchemaError(`${where}: counters cannot be collection elements`);
  } else if (t.kind === "map") {
    if (isMultiCell(t.key) || (!t.frozen && isMultiCell(t.value))) throw new SchemaError(`${where}: nested collections must be frozen`);
  }
}
