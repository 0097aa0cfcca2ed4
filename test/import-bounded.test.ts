// Imports several times larger than the JS heap of the importing process, and
// zip bombs, in child processes with a capped heap (as export-bounded does for
// exports): the zip is read from its central directory and copied into
// storage piece by piece, so the heap never holds a file, and a bomb is
// refused with nothing left in storage.
import { test, expect, afterAll } from "vitest";
import { mkdtempSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { unzipSync } from "fflate";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { makeZip } from "./zip-make.js";
import { hexNoise } from "./noise.js";

const HEAP_MB = 32;
const ROWS = 72_000;
const GENERATIONS = 5;
const SCHEMA = "CREATE TABLE big.t (id int PRIMARY KEY, payload text)";
const dirs: string[] = [];
afterAll(() => process.env.KEEP_IMPORT_DIRS ? console.log(dirs) : dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function child(...args: string[]): Record<string, any> {
  const out = execFileSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, "test/import-child.mjs", ...args], { encoding: "utf8", maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split("\n").pop()!);
}

test(`a zip of ~120 MB (five generations of one table) imports by path in a process capped at ${HEAP_MB} MB of JS heap; a scan and paging through the table it made run under the same cap`, async () => {
  const dir = mkdtempSync(join(tmpdir(), "cqlite-import-bounded-"));
  dirs.push(dir);
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA, walSync: "none", flushThresholdBytes: 64 << 20 });
  const hex = hexNoise(320);
  for (let i = 0; i < ROWS; i += 6000) await e.insert(Array.from({ length: Math.min(6000, ROWS - i) }, (_, k) => ({ id: i + k, payload: hex() })));
  const parts: Uint8Array[] = [];
  await e.exportSSTable({ zip: (c) => void parts.push(c.slice()) });
  await e.close();
  const one = unzipSync(Buffer.concat(parts));
  // the same SSTable as five generations of the table, as a snapshot holds them
  const entries = [];
  for (let g = 1; g <= GENERATIONS; g++)
    for (const [n, data] of Object.entries(one)) if (/nb-1-big-/.test(n)) entries.push({ name: n.replace("nb-1-big-", `nb-${g}-big-`), data });
  const zip = join(dir, "big.zip");
  writeFileSync(zip, makeZip(entries));
  const size = statSync(zip).size;
  expect(size).toBeGreaterThan(3 * HEAP_MB * (1 << 20));
  const r = child("zip", join(dir, "db"), SCHEMA, zip);
  expect(r.added).toHaveLength(GENERATIONS);
  expect(r.counted).toEqual(Array(GENERATIONS).fill(ROWS));
  // the generations hold the same rows: merged, each comes back once
  expect(r.scanned).toBe(ROWS);
  expect(r.paged).toBe(ROWS);
  expect(r.pages).toBe(Math.ceil(ROWS / 5000) + (ROWS % 5000 === 0 ? 1 : 0));
  expect(r.added.reduce((n: number, a: { bytes: number }) => n + a.bytes, 0)).toBeGreaterThan(size * 0.99);
  expect(r.events).toContain("validate");
  expect(r.peakHeap).toBeLessThan(HEAP_MB * (1 << 20));
  // typed arrays and the core's memory sit outside the heap: bounded by the pieces, not the zip
  expect(r.peakExternal).toBeLessThan(64 << 20);
  console.log(`import of a ${(size / 2 ** 20).toFixed(0)} MiB zip: peak heap ${(r.peakHeap / 2 ** 20).toFixed(1)} MiB, array buffers ${(r.peakExternal / 2 ** 20).toFixed(1)} MiB, RSS growth ${(r.rssGrowth / 2 ** 20).toFixed(1)} MiB`);
}, 300_000);

test("a streamed zip bomb (3 GiB of zeros in ~3 MB) is refused with nothing written, in bounded memory, whether its header lies or tells", () => {
  const dir = mkdtempSync(join(tmpdir(), "cqlite-bomb-"));
  dirs.push(dir);
  const lying = child("bomb", join(dir, "db1"), "CREATE TABLE ks.t (id int PRIMARY KEY, v text)", "lying");
  expect(lying.error).toMatchObject({ name: "ZipBombError", code: "ZIP_BOMB" });
  expect(lying.error.message).toMatch(/inflates beyond the 1048576 bytes its header declares/);
  const honest = child("bomb", join(dir, "db2"), "CREATE TABLE ks.t (id int PRIMARY KEY, v text)", "honest");
  expect(honest.error).toMatchObject({ name: "ImportLimitError", code: "IMPORT_LIMIT" });
  expect(honest.error.message).toMatch(/maxEntryBytes/);
  for (const r of [lying, honest]) {
    expect(r.files).toBe(0);
    expect(r.error.length).toBeLessThan(300);
    expect(r.peakHeap).toBeLessThan(HEAP_MB * (1 << 20));
    expect(r.peakExternal).toBeLessThan(64 << 20);
    expect(r.rssGrowth).toBeLessThan(128 << 20);
  }
});
