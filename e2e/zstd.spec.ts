// Zstd chunks written in Chromium's worker: the page loads libzstd.wasm
// beside the core, and every chunk of the exported table is the frame
// Cassandra's ZstdCompressor writes (the reference: test/zstd-reference.ts).
import { test, expect } from "@playwright/test";
import { unzipSync } from "fflate";
import { loadCoreNode } from "../src/core/load-node.js";
import { compareWithCassandra } from "../test/zstd-reference.js";

const Z = "CREATE TABLE ks.z (id int, seq int, name text, PRIMARY KEY (id, seq)) WITH compression = {'class': 'ZstdCompressor', 'compression_level': '5', 'chunk_length_in_kb': '4'}";

test("a table written in the browser's worker has Cassandra's Zstd chunks", async ({ page }) => {
  await page.goto("/engine-lab.html");
  await expect(page.locator("body")).toHaveAttribute("data-ready", "1");
  const call = (w: number, op: string, args: unknown = {}) => page.evaluate(([w, op, args]) => (window as any).lab.call(w, op, args), [w, op, args] as const) as Promise<{ ok: boolean; value?: any; message?: string }>;
  const ok = async (w: number, op: string, args: unknown = {}) => {
    const r = await call(w, op, args);
    expect(r.ok, `${op}: ${r.message}`).toBe(true);
    return r.value;
  };
  const w = (await page.evaluate(() => (window as any).lab.spawn())) as number;
  await ok(w, "wipe", { db: "zstd" });
  await ok(w, "open", { db: "zstd", schema: Z });
  for (let i = 0; i < 600; i += 100) {
    const rows = Array.from({ length: 100 }, (_, j) => `INSERT INTO z (id, seq, name) VALUES (${(i + j) % 13}, ${i + j}, 'row ${i + j} of sensor ${(i + j) % 7}')`);
    await ok(w, "execute", { cql: `BEGIN BATCH ${rows.join("; ")} APPLY BATCH` });
  }
  const zip = unzipSync(new Uint8Array((await ok(w, "exportZip")) as number[]));
  await ok(w, "close");
  loadCoreNode();
  const sst = new Map(Object.entries(zip).filter(([n]) => n.includes("-big-")).map(([n, b]) => [n.split("/").pop()!, b]));
  const { chunks, mismatches } = await compareWithCassandra(sst, 5);
  expect(chunks).toBeGreaterThan(2);
  expect(mismatches).toEqual([]);
});
