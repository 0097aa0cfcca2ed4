// A zip of tens of MB, generated here, imported through the demo into OPFS:
// the worker reads the File slice by slice and copies its entries into OPFS
// piece by piece, and the page shows the progress as it goes.
import { test, expect } from "@playwright/test";
import { mkdtempSync, rmSync, createWriteStream, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCoreNode } from "../src/core/load-node.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
// @ts-expect-error: a plain-JavaScript test helper, shared with the Node child processes
import { bombZip } from "../test/zip-bomb.mjs";

const SCHEMA = "CREATE TABLE big.t (id int PRIMARY KEY, payload text)";
const ROWS = 125_000;

/** An export of ROWS rows of 320 pseudo-random hex characters (LZ4 cannot shrink them): ~40 MB. */
async function bigZip(path: string): Promise<void> {
  loadCoreNode();
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA, walSync: "none", flushThresholdBytes: 256 << 20 });
  let x = 987654321;
  const hex = () => {
    let s = "";
    while (s.length < 320) s += (x = (Math.imul(x, 1103515245) + 12345) >>> 0).toString(16);
    return s.slice(0, 320);
  };
  for (let i = 0; i < ROWS; i += 5000) await e.insert(Array.from({ length: 5000 }, (_, k) => ({ id: i + k, payload: hex() })));
  const out = createWriteStream(path);
  await e.exportSSTable({ zip: (chunk) => new Promise<void>((resolve, reject) => out.write(chunk, (err) => (err ? reject(err) : resolve()))) });
  await new Promise((r) => out.end(r));
  await e.close();
}

test("a zip of ~40 MB imports into OPFS through the demo, with progress shown", async ({ page }) => {
  test.setTimeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), "cqlite-e2e-import-"));
  try {
    const zip = join(dir, "big.zip");
    await bigZip(zip);
    const size = statSync(zip).size;
    expect(size).toBeGreaterThan(35 << 20);
    await page.goto("/?db=bigimport");
    await expect(page.locator("body")).toHaveAttribute("data-open", "bigimport");
    await page.fill("#schema", SCHEMA);
    await page.fill("#db-name", "big");
    await page.click("#open");
    await expect(page.locator("body")).toHaveAttribute("data-open", "big");
    await page.setInputFiles("#import-file", zip);
    await page.click("#import");
    await expect(page.locator("#import-info")).toHaveText(`1 SSTable(s), ${ROWS} rows imported`, { timeout: 240_000 });
    // progress reached the page as it went: an event per MiB read or so, through every phase
    expect(Number(await page.locator("#import-info").getAttribute("data-events"))).toBeGreaterThan(20);
    expect((await page.locator("#import-info").getAttribute("data-phases"))!.split(" ")).toEqual(expect.arrayContaining(["read", "validate"]));
    await expect(page.locator("#import-progress")).toHaveJSProperty("value", 1);
    // the demo then shows the first rows of the table, and the SSTable in its LSM view
    await expect(page.locator("#result")).toHaveAttribute("data-rows", "100", { timeout: 120_000 });
    await expect(page.locator("#sstables")).toHaveAttribute("data-count", "1");
    console.log(`imported a ${(size / 2 ** 20).toFixed(1)} MiB zip through the page in ${await page.locator("#import-info").getAttribute("data-seconds")} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a zip bomb through the demo: refused with ZIP_BOMB, nothing in OPFS", async ({ page }) => {
  // 1 GiB of zeros in about 1 MB, its Data.db declaring 1 MiB; the other components are placeholders
  const table = "big/t-00000000000000000000000000000001";
  const entries = ["TOC.txt", "Statistics.db", "Index.db", "Summary.db", "Filter.db", "CompressionInfo.db"].map((c) => [`${table}/nb-1-big-${c}`, new Uint8Array(16)]);
  const parts: Uint8Array[] = [];
  for await (const p of bombZip({ name: `${table}/nb-1-big-Data.db`, mib: 1024, declaredSize: 1 << 20, entries })) parts.push(p);
  await page.goto("/?db=bomb");
  await expect(page.locator("body")).toHaveAttribute("data-open", "bomb");
  await page.fill("#schema", SCHEMA);
  await page.fill("#db-name", "bomb");
  // reopened with the bomb's table: wait for the reopen to finish before importing into it
  await page.evaluate(() => delete document.body.dataset.open);
  await page.click("#open");
  await expect(page.locator("body")).toHaveAttribute("data-open", "bomb");
  await page.setInputFiles("#import-file", { name: "bomb.zip", mimeType: "application/zip", buffer: Buffer.concat(parts) });
  await page.click("#import");
  await expect(page.locator("#import-info.error")).toHaveText(/inflates beyond the 1048576 bytes its header declares/, { timeout: 60_000 });
  const files = await page.evaluate(async () => {
    const names: string[] = [];
    const walk = async (d: FileSystemDirectoryHandle, at: string) => {
      for await (const [n, h] of (d as unknown as AsyncIterable<[string, FileSystemHandle]>)) {
        if (h.kind === "directory") await walk(h as FileSystemDirectoryHandle, `${at}${n}/`);
        else names.push(`${at}${n}`);
      }
    };
    const root = await navigator.storage.getDirectory();
    await walk(await (await root.getDirectoryHandle("cqlite")).getDirectoryHandle("bomb"), "");
    return names;
  });
  expect(files.filter((f) => f.startsWith("import/") || f.startsWith("sstables/"))).toEqual([]);
});
