// The demo app, driven as a user drives it: console, generator, export and
// import through the page, idle compaction, two tabs on one database.
import { test, expect, Page } from "@playwright/test";
import { openDemo, run, shownRows } from "./demo-page.js";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { zipRows } from "./zip-rows.js";


async function runSelect(page: Page, cql: string): Promise<number> {
  await expect(page.locator("#run")).toBeEnabled();
  await page.evaluate(() => delete document.getElementById("result")!.dataset.rows);
  // the whole result on one page: these tests count rows, the paging has its own
  await page.fill("#page-size", "100000");
  await page.fill("#cql", cql);
  await page.click("#run");
  // a large result on a busy machine takes its time: wait for it, do not time it
  await expect(page.locator("#result")).toHaveAttribute("data-rows", /\d+/, { timeout: 60_000 });
  return Number(await page.locator("#result").getAttribute("data-rows"));
}

async function generate(page: Page, n: number): Promise<void> {
  await page.evaluate(() => delete document.getElementById("gen-info")!.dataset.done);
  await page.fill("#gen-count", String(n));
  await page.click("#generate");
  const info = page.locator("#gen-info");
  await expect(page.locator(`#gen-info[data-done="${n}"], #gen-info.error`)).toHaveCount(1, { timeout: 60_000 });
  expect(await info.getAttribute("class"), (await info.textContent()) ?? "").not.toBe("error");
}

test("rows written in the console are there after a reload", async ({ page }) => {
  await openDemo(page, "reload");
  await run(page, "INSERT INTO events (sensor, at, value, tags) VALUES ('s1', '2024-05-01T10:00:00Z', 21.5, {'a', 'b'})");
  await run(page, "INSERT INTO events (sensor, at, value) VALUES ('s1', '2024-05-01T10:01:00Z', 22.0)");
  await run(page, "UPDATE events SET value = 23.0 WHERE sensor = 's2' AND at = 1714557600000");
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-open", "reload");
  await expect(page.locator("#status")).toContainText("3 WAL records replayed");
  expect(await runSelect(page, "SELECT sensor, at, value, tags FROM events WHERE sensor = 's1'")).toBe(2);
  await expect(page.locator("#result tbody tr").first()).toContainText("22");
  await expect(page.locator("#result tbody tr").nth(1)).toContainText("[a, b]");
});

test("export through the page: the downloaded zip holds the rows a select returns", async ({ page }) => {
  await openDemo(page, "export");
  await generate(page, 3000);
  await page.click("#flush");
  await generate(page, 500); // 50 more partitions, in the memtable this time
  await run(page, "UPDATE events SET value = -1 WHERE sensor = 'value-1' AND at = 1700000010000"); // shadows a flushed cell
  await run(page, "DELETE FROM events WHERE sensor = 'value-7'");
  const expected = await shownRows(page, "SELECT * FROM events");
  expect(expected.length).toBe(3490);
  expect(expected.filter((r) => r.includes("value: -1"))).toHaveLength(1);
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export")]);
  expect(download.suggestedFilename()).toBe("demo-events.zip");
  await expect(page.locator("#export-progress")).toHaveJSProperty("value", 1);
  const zip = new Uint8Array(readFileSync((await download.path())!));
  const got = await zipRows(zip);
  expect(got.files.filter((f) => f.endsWith("-Data.db"))).toEqual([expect.stringMatching(/^demo\/events-[0-9a-f]{32}\/nb-1-big-Data\.db$/)]);
  expect(got.rows).toEqual(expected);
});

test("a zip of Cassandra's own SSTables imports through the page and its rows show in the result table", async ({ page }) => {
  const dir = "test/fixtures/cassandra/nb/legacy_tables";
  const table = "legacy_nb_simple";
  const files = Object.fromEntries(readdirSync(join(dir, table)).map((f) => [`legacy_tables/${table}/${f}`, new Uint8Array(readFileSync(join(dir, table, f)))]));
  await openDemo(page, "imports");
  await page.fill("#schema", "CREATE TABLE legacy_tables.legacy_nb_simple (pk text PRIMARY KEY, val text)");
  await page.fill("#db-name", "legacy");
  await page.click("#open");
  await expect(page.locator("body")).toHaveAttribute("data-open", "legacy");
  await page.setInputFiles("#import-file", { name: "legacy.zip", mimeType: "application/zip", buffer: Buffer.from(zipSync(files)) });
  await page.click("#import");
  await expect(page.locator("#import-info")).toHaveText("1 SSTable(s), 5 rows imported", { timeout: 60_000 });
  await expect(page.locator("#result tbody tr")).toHaveCount(5);
  const cells = await page.locator("#result tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
  expect(cells.map((r) => r[0]).sort()).toEqual(["0", "1", "2", "3", "4"]);
  expect(new Set(cells.map((r) => r[1]))).toEqual(new Set(["foo bar baz"]));
});

test("an export imports back through the page into a database of its own", async ({ page }) => {
  await openDemo(page, "roundtrip");
  await generate(page, 1000);
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export")]);
  await page.setInputFiles("#import-file", (await download.path())!);
  await page.fill("#schema", "CREATE TABLE other.t (k int PRIMARY KEY, v text)");
  await page.fill("#db-name", "other");
  await page.click("#open");
  await expect(page.locator("body")).toHaveAttribute("data-open", "other");
  await page.click("#import");
  // the zip carries schema.cql for demo.events: the page opens that table's own database
  await expect(page.locator("#import-info")).toHaveText("1 SSTable(s), 1000 rows imported", { timeout: 60_000 });
  await expect(page.locator("body")).toHaveAttribute("data-open", "demo.events");
  expect(await runSelect(page, "SELECT * FROM events")).toBe(1000);
});

test("idle maintenance compacts to completion without long tasks on the page", async ({ page }) => {
  await page.addInitScript(() => {
    const w = window as unknown as { longTasks: { start: number; duration: number }[] };
    w.longTasks = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) w.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: "longtask", buffered: true });
  });
  await openDemo(page, "idle");
  await page.uncheck("#idle");
  for (let i = 0; i < 4; i++) {
    await generate(page, 15_000);
    await page.click("#flush");
    await expect(page.locator("#sstables")).toHaveAttribute("data-count", String(i + 1));
  }
  const t0 = await page.evaluate(() => performance.now());
  await page.check("#idle");
  await expect(page.locator("#maintenance")).toContainText("1 compactions", { timeout: 60_000 });
  await expect(page.locator("#sstables")).toHaveAttribute("data-count", "1");
  const t1 = await page.evaluate(() => performance.now());
  const steps = await page.evaluate(() => (window as any).demo.engine().maintenance.steps as number);
  expect(steps).toBeGreaterThan(3); // the work was spread over many idle periods
  // Compaction runs in the worker: the page must never be blocked by it. A
  // loaded machine stretches the page's own small tasks past the 50 ms that
  // makes a "long task", so what is held is that none comes near what a
  // merge slice run on the page would take (hundreds of ms for these rows).
  const long = await page.evaluate(([a, b]) => (window as any).longTasks.filter((t: { start: number; duration: number }) => t.start >= a && t.start <= b && t.duration > 250), [t0, t1]);
  expect(long).toEqual([]);
  expect(await runSelect(page, "SELECT * FROM events LIMIT 100000")).toBe(60_000);
});

test("a second tab is told the database is locked, and takes over when the first closes", async ({ page, context }) => {
  await openDemo(page, "shared");
  await run(page, "INSERT INTO events (sensor, at, value) VALUES ('tab1', 1, 1.0)");
  const second = await context.newPage();
  await second.goto("/?db=shared");
  await expect(second.locator("#lock-message")).toBeVisible();
  await expect(second.locator("#lock-message")).toContainText("open in another tab");
  await page.close();
  await expect(second.locator("body")).toHaveAttribute("data-open", "shared");
  await expect(second.locator("#lock-message")).toBeHidden();
  expect(await runSelect(second, "SELECT * FROM events WHERE sensor = 'tab1'")).toBe(1);
});
