// Linear memory grows by what an allocation needs or an eighth of memory,
// not by doubling (assembly/rt/grow.ts, put in TLSF by
// scripts/grow-transform.mjs at build): the footprint stays near the peak it
// served, so a memtable does not take twice its bytes. It stops at 2 GiB,
// where the pointers the core hands out would read as negative.
import { describe, test, expect } from "vitest";
import { readFileSync } from "node:fs";
import "./helpers.js";
import { Core, CoreExports } from "../src/core/core.js";
import { CoreError } from "../src/errors.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";

const PAGE = 65536;
const MODULE = new WebAssembly.Module(readFileSync(new URL("../build/core.wasm", import.meta.url)));
const fresh = (): CoreExports => new Core(MODULE).exports;
const pages = (x: CoreExports) => x.memory.buffer.byteLength / PAGE;
// what an allocation of n bytes may take, headers and TLSF's rounding of large requests included
const needPages = (n: number) => Math.ceil((n * 1.07 + 64) / PAGE);

describe("the core's linear memory", () => {
  test("grows a step at a time: an eighth of memory or a megabyte, or what one allocation needs", () => {
    const x = fresh();
    const growths: [number, number][] = [];
    let allocated = 0;
    for (let i = 0; i < 600; i++) {
      const before = pages(x);
      const n = 100_000 + ((i * 7919) % 200_000);
      x.alloc(n);
      allocated += n;
      if (pages(x) !== before) growths.push([before, pages(x)]);
    }
    expect(growths.length).toBeGreaterThan(10);
    for (const [before, after] of growths) expect(after - before, `${before} → ${after} pages`).toBeLessThanOrEqual(Math.max(16, Math.ceil(before / 8), needPages(300_000)));
    // nothing freed: what memory holds is what was allocated and less than a step more
    expect(pages(x) * PAGE).toBeLessThan(allocated * 1.07 * 1.125 + 2 * 1024 * 1024);
  });

  test("an allocation larger than an eighth of memory gets what it needs, no more", () => {
    const x = fresh();
    for (let i = 0; i < 40; i++) x.alloc(1 << 20);
    const before = pages(x);
    // half of memory: doubling would have taken all of it again
    const n = (before * PAGE) / 2;
    const p = x.alloc(n);
    expect(p).toBeGreaterThan(0);
    new Uint8Array(x.memory.buffer, p, n).fill(7);
    expect(pages(x) - before).toBeLessThanOrEqual(needPages(n));
    expect(pages(x) - before).toBeGreaterThanOrEqual(n / PAGE);
  });

  test("stops at 2 GiB: past it an allocation fails as the core running out of memory, and no pointer it gave reads as negative", () => {
    const c = new Core(MODULE);
    const given: number[] = [];
    let failure: unknown = null;
    for (let i = 0; i < 5 && !failure; i++) {
      try {
        given.push(c.call((x) => x.alloc(900 << 20)));
      } catch (e) {
        failure = e;
      }
    }
    expect(failure).toBeInstanceOf(CoreError);
    expect(given.length).toBe(2);
    for (const p of given) expect(p).toBeGreaterThan(0);
    expect(c.exports.memory.buffer.byteLength).toBeLessThanOrEqual(2 ** 31);
  });

  test("a time series' memtable takes less than twice its bytes (it took ×2.9 while memory doubled)", async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE ts.s (sensor text, day int, at timestamp, value double, PRIMARY KEY ((sensor, day), at)) WITH CLUSTERING ORDER BY (at DESC)", flushThresholdBytes: 1 << 30 });
    const T0 = 1_700_000_000_000;
    const row = (i: number) => ({ sensor: `sensor-${i % 100}`, day: Math.floor(i / 144_000), at: BigInt(T0 + Math.floor(i / 100) * 60_000), value: i * 0.5 });
    const memtableCore = (e as unknown as { writes: { memtable: { k: Core } } }).writes.memtable.k;
    const start = memtableCore.exports.memory.buffer.byteLength;
    for (let i = 0; i < 100_000; i += 1000) await e.insert(Array.from({ length: 1000 }, (_, k) => row(i + k)));
    const grew = memtableCore.exports.memory.buffer.byteLength - start;
    expect(e.memtableSize).toBeGreaterThan(10e6);
    expect(grew / e.memtableSize).toBeLessThan(2);
    await e.close();
  });
});
