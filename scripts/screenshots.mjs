// Takes the README's screenshots of the demo: starts the dev server, drives
// the page in Debian's Chromium as a user would, saves PNGs in docs/screenshots.
import { createServer } from "vite";
import { chromium } from "@playwright/test";

const server = await createServer({ configFile: "vite.config.ts", server: { port: 5175, strictPort: true }, logLevel: "warn" });
await server.listen();
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto("http://127.0.0.1:5175/?db=screens");
  await page.waitForSelector("body[data-open=screens]");
  await page.uncheck("#idle");
  for (let i = 0; i < 4; i++) {
    await page.fill("#gen-count", "40000");
    await page.click("#generate");
    await page.waitForSelector('#gen-info[data-done="40000"]', { timeout: 120_000 });
    await page.click("#flush");
    await page.waitForSelector(`#sstables[data-count="${i + 1}"]`);
  }
  await page.fill("#gen-count", "5000");
  await page.click("#generate");
  await page.waitForSelector('#gen-info[data-done="5000"]');
  await page.fill("#cql", "SELECT sensor, at, value, tags FROM events WHERE sensor IN ('value-7', 'value-8') ORDER BY at ASC LIMIT 12");
  await page.click("#run");
  await page.waitForSelector("#result[data-rows]");
  await page.waitForTimeout(700);
  await page.screenshot({ path: "docs/screenshots/demo-console.png" });
  await page.check("#idle");
  await page.waitForSelector('#compaction[data-active="1"]', { timeout: 30_000 });
  await page.screenshot({ path: "docs/screenshots/demo-compacting.png" });
  await page.waitForFunction(() => document.getElementById("compaction")?.textContent === "idle", null, { timeout: 120_000 });
  await page.waitForTimeout(700);
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export")]);
  await download.path();
  await page.waitForTimeout(300);
  await page.screenshot({ path: "docs/screenshots/demo-exported.png" });
} finally {
  await browser.close();
  await server.close();
}
