// The engine in each written version: what it flushes, compacts, reads and
// exports is in that version, and every row comes back the same.
import { describe, test, expect } from "vitest";
import { unzipSync } from "fflate";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { WRITABLE } from "../src/sstable/version.js";
import { sortRows } from "./oracle.js";

describe.each(WRITABLE.map((v) => [v]))("engine writing %s", (format) => {
  test("flush, compaction, reads, range deletions and export", async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE ks.t (k int, c int, v text, s text static, PRIMARY KEY (k, c))", format, walSync: "none" });
    for (let f = 0; f < 3; f++) {
      await e.execute("BEGIN BATCH " + Array.from({ length: 40 }, (_, i) => `INSERT INTO t (k, c, v, s) VALUES (${i % 7}, ${f * 40 + i}, 'v${f}-${i}', 's${f}')`).join("; ") + " APPLY BATCH");
      await e.flush();
    }
    await e.execute("DELETE FROM t WHERE k = 1 AND c >= 10 AND c < 50");
    await e.execute("DELETE FROM t WHERE k = 2");
    await e.flush();
    const rows = await e.select("SELECT * FROM t");
    const before = sortRows(rows);
    e.setMergePolicy({ kind: "size-tiered", minThreshold: 2 });
    while ((await e.maintenanceStep(100)).pending);
    expect(sortRows(await e.select("SELECT * FROM t"))).toEqual(before);
    expect(rows.some((r) => r.k === 2)).toBe(false);
    expect(rows.filter((r) => r.k === 1).every((r) => (r.c as number) < 10 || (r.c as number) >= 50)).toBe(true);
    const chunks: Uint8Array[] = [];
    await e.exportSSTable({ version: format, zip: (c) => void chunks.push(c.slice()) });
    const names = Object.keys(unzipSync(Buffer.concat(chunks)));
    expect(names.some((n) => n.endsWith(`/${format}-1-${format === "da" ? "bti" : "big"}-Data.db`)), names.join()).toBe(true);
    const e2 = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE ks.t (k int, c int, v text, s text static, PRIMARY KEY (k, c))" });
    await e2.importSSTables(new Uint8Array(Buffer.concat(chunks)));
    expect(sortRows(await e2.select("SELECT * FROM t"))).toEqual(before);
    await e.close();
    await e2.close();
  });
});
