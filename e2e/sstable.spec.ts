import { test, expect } from "@playwright/test";
import { unzipSync } from "fflate";
import { readFileSync } from "node:fs";

test("the page writes an SSTable with the wasm core, reads it back, and downloads a Cassandra-layout zip", async ({ page }) => {
  await page.goto("/sstable.html");
  await expect(page.locator("#status")).toHaveText("ready");
  await page.fill("#rows", "2000");
  await page.click("#build");
  await expect(page.locator("#status")).toHaveAttribute("data-rows", "2000");
  await expect(page.locator("#files tbody tr")).toHaveCount(8);
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  const zip = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
  const names = Object.keys(zip).sort();
  expect(names.every((n) => /^demo\/events-[0-9a-f]{32}\/nb-1-big-[A-Za-z]+\.(db|txt|crc32)$/.test(n))).toBe(true);
  expect(names.some((n) => n.endsWith("Data.db"))).toBe(true);
});
