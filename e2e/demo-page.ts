// Driving the demo page (web/): what several specs do the same way.
import { expect, Page } from "@playwright/test";

/** Opens the demo on database `db` and waits until its worker has it open. */
export async function openDemo(page: Page, db: string): Promise<void> {
  await page.goto(`/?db=${db}`);
  await expect(page.locator("body")).toHaveAttribute("data-open", db);
}

/** Runs one CQL statement from the console and waits for its result line. */
export async function run(page: Page, cql: string): Promise<void> {
  // the console ignores a run while one is going, and the result line of the
  // last statement must not pass for this one's: wait, then clear it
  await expect(page.locator("#run")).toBeEnabled();
  await page.evaluate(() => (document.getElementById("result-info")!.textContent = ""));
  await page.fill("#cql", cql);
  await page.press("#cql", "Control+Enter");
  await expect(page.locator("#result-info")).toHaveText(/ in \d+ ms$/, { timeout: 60_000 });
}

/** The rows of `cql` as the page's result table shows them (render.ts's show), straight from the open engine. */
export async function shownRows(page: Page, cql: string): Promise<string[]> {
  return page.evaluate(async (cql) => {
    const renderModule = "/render.ts"; // served by the dev server from web/
    const { show } = await import(renderModule);
    const rows = await (window as any).demo.engine().select(cql);
    return rows.map((r: unknown) => show(r));
  }, cql);
}
