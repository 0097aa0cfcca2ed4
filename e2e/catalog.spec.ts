// The catalog of databases (idb-keyval): listDatabases and destroyDatabase
// answer from the page without starting a worker, and the demo lists them.
import { test, expect, Page } from "@playwright/test";
import { openDemo, run } from "./demo-page.js";
import { resolve } from "node:path";

const BROWSER_ENTRY = `/@fs${resolve("src/browser/index.ts")}`;


test("the demo lists the origin's databases; listing and deleting start no worker", async ({ page }) => {
  await openDemo(page, "alpha");
  await run(page, "INSERT INTO events (sensor, at, value) VALUES ('a', 1, 1.0)");
  await page.fill("#db-name", "beta");
  await page.click("#open"); // closes alpha, opens beta
  await expect(page.locator("body")).toHaveAttribute("data-open", "beta");
  await expect(page.locator("#databases")).toHaveAttribute("data-count", "2");
  await expect(page.locator('#databases tr[data-name="alpha"]')).toContainText("demo.events");
  await expect(page.locator('#databases tr[data-name="beta"] td').last()).toHaveText("open");

  const workers: string[] = [];
  page.on("worker", (w) => workers.push(w.url()));
  const r = await page.evaluate(async (entry) => {
    const m = await import(/* @vite-ignore */ entry);
    const list = (await m.listDatabases()) as { name: string; schema: string | null; created: number; lastOpened: number; size: number; open: boolean }[];
    let locked: { name: string; code: string } | null = null;
    await m.destroyDatabase("beta").catch((e: { name: string; code: string }) => (locked = { name: e.name, code: e.code }));
    await m.destroyDatabase("alpha");
    return { list, locked, after: ((await m.listDatabases()) as { name: string }[]).map((d) => d.name) };
  }, BROWSER_ENTRY);
  expect(workers).toEqual([]);
  const alpha = r.list.find((d) => d.name === "alpha")!;
  expect(alpha).toMatchObject({ open: false, schema: expect.stringContaining("CREATE TABLE demo.events") });
  expect(alpha.size).toBeGreaterThan(0);
  expect(alpha.created).toBeLessThanOrEqual(alpha.lastOpened);
  expect(r.list.find((d) => d.name === "beta")).toMatchObject({ open: true });
  expect(r.locked).toEqual({ name: "DatabaseLockedError", code: "LOCKED" });
  expect(r.after).toEqual(["beta"]);

  await page.click("#close");
  await page.click("#destroy"); // beta, from the form
  await expect(page.locator("#databases")).toHaveAttribute("data-count", "0");
});
