import { describe, it, expect } from "vitest";
import { TextBatch, TEXT_BATCH_BYTES } from "../src/read/text-batch.js";
import type { CqlRow } from "../src/read/materialize.js";

const enc = new TextEncoder();

/** Puts each value (as its bytes inside one buffer, as a row stream holds them); returns the rows and what put answered. */
function putAll(batch: TextBatch, values: string[]) {
  const parts = values.map((v) => enc.encode(v));
  const src = new Uint8Array(parts.reduce((n, p) => n + p.length + 3, 0));
  const at: number[] = [];
  let o = 0;
  for (const p of parts) {
    src.set(p, o + 3); // a few bytes of something else between values
    at.push(o + 3);
    o += p.length + 3;
  }
  const rows: CqlRow[] = values.map(() => ({ v: null }));
  const taken = parts.map((p, i) => batch.put(rows[i], "v", src, at[i], p.length));
  return { rows, taken };
}

describe("TextBatch", () => {
  it("fills ASCII values only when flushed, each exactly", () => {
    const b = new TextBatch();
    const values = ["a", "hello world", "x".repeat(100), "~!@#$%^&*()_+{}|:<>?", "\u0000\u007f"];
    const { rows, taken } = putAll(b, values);
    expect(taken).toEqual(values.map(() => true));
    expect(rows.map((r) => r.v)).toEqual(values.map(() => null));
    b.flush();
    expect(rows.map((r) => r.v)).toEqual(values);
  });

  it("leaves text that is not ASCII to the caller, and keeps what it took", () => {
    const b = new TextBatch();
    const { rows, taken } = putAll(b, ["before", "héllo", "日本", "after"]);
    expect(taken).toEqual([true, false, false, true]);
    b.flush();
    expect(rows.map((r) => r.v)).toEqual(["before", null, null, "after"]);
  });

  it("leaves long values to the caller", () => {
    const b = new TextBatch();
    const { taken } = putAll(b, ["y".repeat(513), "y".repeat(512)]);
    expect(taken).toEqual([false, true]);
  });

  it("flushes by itself when its bytes are full, so no value is lost or cut", () => {
    const b = new TextBatch();
    const values = Array.from({ length: 200 }, (_, i) => `${i}:` + "z".repeat(i % 97));
    expect(values.reduce((n, v) => n + v.length, 0)).toBeGreaterThan(2 * TEXT_BATCH_BYTES);
    const { rows, taken } = putAll(b, values);
    expect(taken.every(Boolean)).toBe(true);
    // the early values were filled when the batch ran out of room
    expect(rows[0].v).toBe(values[0]);
    b.flush();
    expect(rows.map((r) => r.v)).toEqual(values);
  });

  it("flushing an empty batch, or twice, changes nothing", () => {
    const b = new TextBatch();
    b.flush();
    const { rows } = putAll(b, ["one"]);
    b.flush();
    rows[0].v = "changed by the caller";
    b.flush();
    expect(rows[0].v).toBe("changed by the caller");
  });
});
