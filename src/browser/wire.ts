// Values between the page and the engine's worker. Structured clone keeps
// bigint, Map, Uint8Array and Date, but drops class prototypes, so the two
// value classes without a built-in (Decimal, Duration) travel tagged and are
// rebuilt on the other side. Everything else passes untouched.
import { Decimal, Duration } from "../types/values.js";

const TAG = "__cqlite";

type Tagged = { [TAG]: "decimal"; unscaled: bigint; scale: number } | { [TAG]: "duration"; months: number; days: number; nanoseconds: bigint };

export function toWire(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (v instanceof Decimal) return { [TAG]: "decimal", unscaled: v.unscaled, scale: v.scale };
  if (v instanceof Duration) return { [TAG]: "duration", months: v.months, days: v.days, nanoseconds: v.nanoseconds };
  if (ArrayBuffer.isView(v) || v instanceof Date) return v;
  if (Array.isArray(v)) return v.map(toWire);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [toWire(k), toWire(x)]));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = toWire(x);
  return out;
}

export function fromWire(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (ArrayBuffer.isView(v) || v instanceof Date) return v;
  if (Array.isArray(v)) return v.map(fromWire);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [fromWire(k), fromWire(x)]));
  const t = (v as Partial<Tagged>)[TAG];
  if (t === "decimal") return new Decimal((v as { unscaled: bigint }).unscaled, (v as { scale: number }).scale);
  if (t === "duration") {
    const d = v as { months: number; days: number; nanoseconds: bigint };
    return new Duration(d.months, d.days, d.nanoseconds);
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = fromWire(x);
  return out;
}

/** An error as it crosses: comlink keeps only name and message of an Error, so the code travels beside them. */
export interface WireError {
  [TAG]: "error";
  name: string;
  code: string;
  message: string;
}

export function errorToWire(e: unknown): WireError {
  const err = e as { name?: string; code?: string; message?: string };
  return { [TAG]: "error", name: err?.name ?? "Error", code: err?.code ?? "ERROR", message: err?.message ?? String(e) };
}

export function isWireError(e: unknown): e is WireError {
  return typeof e === "object" && e !== null && (e as { [TAG]?: string })[TAG] === "error";
}
