// A user's spec with cqlite-web/testing: the database seeded before the app
// opens it, and what the app wrote read back for the assertion.
import { test, expect } from "cqlite-web/testing";

const SCHEMA = "CREATE TABLE shop.items (id int PRIMARY KEY, name text, tags set<text>)";

async function press(page: import("@playwright/test").Page, id: string): Promise<{ ok: boolean; value?: unknown }> {
  await page.evaluate(() => (document.getElementById("out")!.textContent = ""));
  await page.click(`#${id}`);
  await expect(page.locator("#out")).not.toHaveText("");
  return JSON.parse((await page.textContent("#out"))!);
}

test("the app reads the seeded rows, and the fixture reads what the app wrote", async ({ page, cqlite }) => {
  await cqlite.seed("shop", { schema: SCHEMA, rows: [{ id: 5, name: "five", tags: ["x"] }] });
  await page.goto("/");
  expect(await press(page, "open")).toMatchObject({ ok: true });
  expect((await press(page, "read")).value).toEqual([{ id: 5, name: "five", tags: ["x"] }]);
  expect(await press(page, "write")).toMatchObject({ ok: true });
  const rows = await cqlite.rows("shop", "SELECT id, name FROM items");
  expect(rows.sort((a, b) => Number(a.id) - Number(b.id))).toEqual([{ id: 1, name: "one" }, { id: 2, name: "two" }, { id: 5, name: "five" }]);
});

test("each test starts from an empty origin", async ({ page, cqlite }) => {
  await page.goto("/");
  expect(await press(page, "open")).toMatchObject({ ok: true });
  expect((await press(page, "read")).value).toEqual([]);
  expect(await cqlite.rows("shop", "SELECT * FROM items")).toEqual([]);
});
