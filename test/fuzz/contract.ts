// The contract every fuzz input is held to: it succeeds, or fails with a
// CqliteError that has a code, a bounded message, and for a corrupt file the
// file and a real offset. Anything else (a raw TypeError or RangeError, a
// wrong answer passed off as right, a heap that keeps growing) is a finding.
import { CqliteError, CorruptSSTableError } from "../../src/errors.js";

/** Longest error message the contract accepts: messages quote input, bounded. */
export const MAX_MESSAGE = 2000;
/** JS heap an input may leave in use: far above any fixture's needs, far below a runaway. */
export const MAX_HEAP_BYTES = 1536 << 20;

export class Finding extends Error {
  constructor(readonly kind: "raw" | "untyped" | "message" | "wrong" | "hang" | "memory", message: string) {
    super(`${kind}: ${message}`);
  }
}

/** Whether `e` is an acceptable failure; throws a Finding when it is not. */
export function expectTyped(e: unknown, where: string): CqliteError {
  if (e instanceof Finding) throw e;
  if (!(e instanceof CqliteError)) {
    const err = e as Error;
    throw new Finding("raw", `${where}: ${err?.constructor?.name ?? typeof e}: ${String(err?.message ?? e).slice(0, 300)}\n${String(err?.stack ?? "").split("\n").slice(1, 6).join("\n")}`);
  }
  if (!e.code) throw new Finding("untyped", `${where}: ${e.name} without a code`);
  if (e.message.length > MAX_MESSAGE) throw new Finding("message", `${where}: ${e.name} message of ${e.message.length} characters`);
  if (e instanceof CorruptSSTableError && !(Number.isSafeInteger(e.offset) && e.offset >= 0))
    throw new Finding("untyped", `${where}: ${e.name} with offset ${e.offset}`);
  return e;
}

/** Runs `f`; a typed failure is returned, anything else thrown as a Finding. */
export async function typedOr<T>(where: string, f: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: CqliteError }> {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    return { ok: false, error: expectTyped(e, where) };
  }
}

export function checkHeap(where: string): void {
  const used = process.memoryUsage().heapUsed;
  if (used > MAX_HEAP_BYTES) throw new Finding("memory", `${where}: ${Math.round(used / 2 ** 20)} MB of heap in use`);
}

/** Plain data for comparing partitions and rows (bigints and bytes made comparable). */
export function plain(x: unknown): string {
  return JSON.stringify(x, (_k, v) =>
    typeof v === "bigint" ? `${v}n`
    : v instanceof Uint8Array ? `0x${Buffer.from(v).toString("hex")}`
    : v instanceof Map ? { map: [...v.entries()] }
    : v instanceof Set ? { set: [...v] }
    : v === undefined ? "undefined"
    : typeof v === "number" && !Number.isFinite(v) ? String(v)
    : Object.is(v, -0) ? "-0"
    : v);
}
