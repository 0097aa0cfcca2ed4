// CQL-literal text for values, as cqlsh and sstabledump print them.
import { CqlType } from "../types/cqltype.js";
import { CqlValue, decodeValue, counterValue } from "../types/codec.js";
import { formatTimestamp, formatTime } from "../types/values.js";

export function formatValue(t: CqlType, v: CqlValue, nested = false): string {
  if (v === null || v === undefined) return "null";
  switch (t.kind) {
    case "ascii": case "text": return nested ? `'${String(v).replace(/'/g, "''")}'` : String(v);
    case "blob": return "0x" + Array.from(v as Uint8Array, (b) => b.toString(16).padStart(2, "0")).join("");
    case "timestamp": return formatTimestamp(v as bigint);
    case "time": return formatTime(v as bigint);
    case "date": case "inet": case "uuid": case "timeuuid": return nested ? `'${v}'` : String(v);
    case "list": case "set": {
      const [open, close] = t.kind === "list" ? ["[", "]"] : ["{", "}"];
      return open + (v as CqlValue[]).map((e) => formatValue(t.elem, e, true)).join(", ") + close;
    }
    case "map":
      return "{" + [...(v as Map<CqlValue, CqlValue>)].map(([k, x]) => `${formatValue(t.key, k, true)}: ${formatValue(t.value, x, true)}`).join(", ") + "}";
    case "tuple":
      return "(" + (v as CqlValue[]).map((e, i) => formatValue(t.elems[i], e, true)).join(", ") + ")";
    case "udt": {
      const o = v as Record<string, CqlValue>;
      return "{" + t.fields.map((f) => `${f.name}: ${formatValue(f.type, o[f.name], true)}`).join(", ") + "}";
    }
    default:
      return String(v);
  }
}

/** A serialized value as text; counters print their total. */
export function formatBytes(t: CqlType, b: Uint8Array, counter = false): string {
  if (b.length === 0) return t.kind === "text" || t.kind === "ascii" || t.kind === "blob" ? "" : "null";
  if (counter || t.kind === "counter") return String(b.length === 8 ? decodeValue({ kind: "bigint" }, b) : counterValue(b));
  return formatValue(t, decodeValue(t, b));
}
