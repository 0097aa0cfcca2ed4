// 'da' (Cassandra 5.0's trie-indexed BTI format) from the browser: the
// SSTable page and the demo's export write it when chosen, with Partitions.db
// and Rows.db in place of Index.db and Summary.db, and the rows read back.
import { test, expect } from "@playwright/test";
import { unzipSync } from "fflate";
import { readFileSync } from "node:fs";
import { openDemo, run, shownRows } from "./demo-page.js";
import { zipRows } from "./zip-rows.js";

test("the SSTable page writes 'da' when chosen and reads it back", async ({ page }) => {
  await page.goto("/sstable.html");
  await expect(page.locator("#status")).toHaveText("ready");
  await page.selectOption("#version", "da");
  await page.fill("#rows", "2000");
  await page.click("#build");
  await expect(page.locator("#status")).toHaveAttribute("data-rows", "2000", { timeout: 30_000 });
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  const names = Object.keys(unzipSync(new Uint8Array(readFileSync((await download.path())!)))).sort();
  expect(names.every((n) => /^demo\/events-[0-9a-f]{32}\/da-1-bti-[A-Za-z]+\.(db|txt|crc32)$/.test(n)), names.join()).toBe(true);
  for (const c of ["Data.db", "Partitions.db", "Rows.db", "Filter.db", "Statistics.db"]) expect(names.some((n) => n.endsWith(`-${c}`)), c).toBe(true);
  expect(names.some((n) => /Index\.db|Summary\.db/.test(n))).toBe(false);
});

test("the demo exports 'da' from its version chooser: the zip holds the rows a select returns", async ({ page }) => {
  await openDemo(page, "export-da");
  for (let i = 0; i < 40; i++) await run(page, `INSERT INTO events (sensor, at, value) VALUES ('s${i % 7}', ${1_700_000_000_000 + i * 1000}, ${i})`);
  const expected = await shownRows(page, "SELECT * FROM events");
  expect(expected.length).toBe(40);
  await page.selectOption("#export-version", "da");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export")]);
  const got = await zipRows(new Uint8Array(readFileSync((await download.path())!)));
  expect(got.files.filter((f) => f.endsWith("-Data.db"))).toEqual([expect.stringMatching(/^demo\/events-[0-9a-f]{32}\/da-1-bti-Data\.db$/)]);
  expect(got.files.some((f) => f.endsWith("-Partitions.db"))).toBe(true);
  expect(got.rows).toEqual(expected);
});
