// JavaScript values as JSON, so a CQL case with bind values can be saved and
// replayed: bigints, bytes, Maps, Sets, undefined, non-finite numbers and -0
// are tagged; plain objects are wrapped so no tag is mistaken for one.
import { Decimal, Duration } from "../../src/types/values.js";

export type Tagged =
  | null | boolean | number | string
  | { $: "bigint" | "bytes" | "num" | "undefined" | "decimal" | "duration" | "date"; v?: string }
  | { $: "array"; v: Tagged[] }
  | { $: "map" | "set"; v: Tagged[] }
  | { $: "object"; v: Record<string, Tagged> };

export function tag(x: unknown): Tagged {
  if (x === null || typeof x === "boolean" || typeof x === "string") return x;
  if (x === undefined) return { $: "undefined" };
  if (typeof x === "number") return Number.isFinite(x) && !Object.is(x, -0) ? x : { $: "num", v: Object.is(x, -0) ? "-0" : String(x) };
  if (typeof x === "bigint") return { $: "bigint", v: x.toString() };
  if (x instanceof Uint8Array) return { $: "bytes", v: Buffer.from(x).toString("hex") };
  if (x instanceof Decimal) return { $: "decimal", v: `${x.unscaled}e${-x.scale}` };
  if (x instanceof Duration) return { $: "duration", v: `${x.months},${x.days},${x.nanoseconds}` };
  if (x instanceof Date) return { $: "date", v: String(x.getTime()) };
  if (Array.isArray(x)) return { $: "array", v: x.map(tag) };
  if (x instanceof Map) return { $: "map", v: [...x].map(([k, v]) => ({ $: "array", v: [tag(k), tag(v)] })) };
  if (x instanceof Set) return { $: "set", v: [...x].map(tag) };
  return { $: "object", v: Object.fromEntries(Object.entries(x as object).map(([k, v]) => [k, tag(v)])) };
}

export function untag(t: Tagged): unknown {
  if (t === null || typeof t !== "object") return t;
  switch (t.$) {
    case "undefined": return undefined;
    case "num": return t.v === "-0" ? -0 : Number(t.v);
    case "bigint": return BigInt(t.v!);
    case "bytes": return Uint8Array.from(Buffer.from(t.v!, "hex"));
    case "decimal": {
      const [u, e] = t.v!.split("e");
      return new Decimal(BigInt(u), -Number(e));
    }
    case "duration": {
      const [m, d, n] = t.v!.split(",");
      return new Duration(Number(m), Number(d), BigInt(n));
    }
    case "date": return new Date(Number(t.v));
    case "array": return t.v.map(untag);
    case "map": return new Map(t.v.map((p) => untag(p) as [unknown, unknown]));
    case "set": return new Set(t.v.map(untag));
    case "object": return Object.fromEntries(Object.entries(t.v).map(([k, v]) => [k, untag(v)]));
  }
}
