// The package's Playwright fixture (cqlite-web/testing, imported by name as
// an app's suite would) on the demo: a database seeded before the page opens
// it, rows read back through the page's open handle, the origin cleared
// between tests.
import { test, expect } from "cqlite-web/testing";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";

const EVENTS = "CREATE TABLE demo.events (sensor text, at timestamp, value double, tags set<text>, PRIMARY KEY (sensor, at)) WITH CLUSTERING ORDER BY (at DESC)";

async function openDemo(page: import("@playwright/test").Page, db: string): Promise<void> {
  await page.goto(`/?db=${db}`);
  await expect(page.locator("body")).toHaveAttribute("data-open", db);
}

test("rows and CQL seeded before the page opens the database are what its console selects", async ({ page, cqlite }) => {
  await cqlite.seed("seeded", {
    schema: EVENTS,
    rows: [{ sensor: "s1", at: "2024-05-01T10:00:00Z", value: 21.5, tags: ["a"] }, { sensor: "s1", at: "2024-05-01T10:01:00Z", value: 22 }],
    cql: "UPDATE events SET tags = tags + {'b'} WHERE sensor = 's1' AND at = '2024-05-01T10:00:00Z'",
    flush: true,
  });
  await openDemo(page, "seeded");
  await page.fill("#cql", "SELECT sensor, at, value FROM events WHERE sensor = 's1'");
  await page.click("#run");
  await expect(page.locator("#result tbody tr")).toHaveCount(2);
  await expect(page.locator("#sstables")).toHaveAttribute("data-count", "1");
  // read back through the demo's own open handle (it holds the lock)
  await page.fill("#cql", "INSERT INTO events (sensor, at, value) VALUES ('s2', 1, 5.0)");
  await page.press("#cql", "Control+Enter");
  await expect(page.locator("#result-info")).toHaveText(/ in \d+ ms$/);
  expect(await cqlite.rows("seeded", "SELECT sensor, at, value, tags FROM events WHERE sensor IN ('s1', 's2')")).toEqual([
    { sensor: "s1", at: 1714557660000n, value: 22, tags: null },
    { sensor: "s1", at: 1714557600000n, value: 21.5, tags: ["a", "b"] },
    { sensor: "s2", at: 1n, value: 5, tags: null },
  ]);
});

test("a zip of Cassandra's SSTables seeds a database; the previous test's database is gone", async ({ page, cqlite }) => {
  const dir = "test/fixtures/cassandra/nb/legacy_tables/legacy_nb_simple";
  const zip = zipSync(Object.fromEntries(readdirSync(dir).map((f) => [`legacy_tables/legacy_nb_simple/${f}`, new Uint8Array(readFileSync(join(dir, f)))])));
  const schema = "CREATE TABLE legacy_tables.legacy_nb_simple (pk text PRIMARY KEY, val text)";
  await cqlite.seed("legacy", { schema, zip });
  // read without the page holding it: the fixture opens it for the call
  const rows = await cqlite.rows("legacy", "SELECT pk, val FROM legacy_nb_simple");
  expect(rows.map((r) => r.pk).sort()).toEqual(["0", "1", "2", "3", "4"]);
  expect(await cqlite.rows("seeded", "SELECT * FROM events", undefined, EVENTS)).toEqual([]);
  await page.goto("/");
});
