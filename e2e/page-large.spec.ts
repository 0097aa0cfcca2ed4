// A zip of a couple of hundred MB, written by the engine in Node and streamed
// to disk, imported into OPFS through the demo with its progress shown, then
// paged through in the console: each page equals the page the Node engine
// that wrote the rows returns for the same statement, next and previous
// included, and selectIter crosses from the worker a page at a time.
import { test, expect, Page } from "@playwright/test";
import { mkdtempSync, rmSync, createWriteStream, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCoreNode } from "../src/core/load-node.js";
import { WriteEngine } from "../src/engine/engine.js";
import { NodeFileStorage } from "../src/storage/node.js";
import { show } from "../web/render.js";

const SCHEMA = "CREATE TABLE huge.t (pk int, ck int, v text, PRIMARY KEY (pk, ck))";
const PARTITIONS = 1000;
const PER_PARTITION = 100;
const ROWS = PARTITIONS * PER_PARTITION;
/** characters of each row's value: pseudo-random hex, which LZ4 cannot shrink, so the zip is as large as the values */
const VALUE = 2000;
const PAGE = 50;
const SELECT = "SELECT * FROM t";

const HEX = new TextEncoder().encode("0123456789abcdef");
const text = new TextDecoder("latin1");
const chars = new Uint8Array(VALUE);

/** Row (pk, ck)'s value: a function of its key alone (xorshift32 from the row's number), so any row can be checked wherever it shows up. */
function value(pk: number, ck: number): string {
  let x = Math.imul(pk * PER_PARTITION + ck + 1, 0x9e3779b1) | 0;
  for (let i = 0; i < VALUE; i += 8) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    for (let k = 0; k < 8; k++) chars[i + k] = HEX[(x >>> (28 - 4 * k)) & 15];
  }
  return text.decode(chars);
}

/**
 * Writes the rows with the engine on files (several SSTables and a
 * memtable), streams its export to `path`, and returns the first pages of
 * SELECT as the same engine pages them: what the console must show.
 */
async function bigZip(dir: string, path: string, pages: number): Promise<string[][]> {
  loadCoreNode();
  const e = await WriteEngine.open({ storage: await NodeFileStorage.open(join(dir, "db")), schema: SCHEMA, walSync: "none", flushThresholdBytes: 48 << 20 });
  try {
    for (let pk = 0; pk < PARTITIONS; pk += 10) {
      const batch = [];
      for (let p = pk; p < pk + 10; p++) for (let ck = 0; ck < PER_PARTITION; ck++) batch.push({ pk: p, ck, v: value(p, ck) });
      await e.insert(batch);
    }
    const out = createWriteStream(path);
    await e.exportSSTable({ validate: false, zip: (chunk) => new Promise<void>((resolve, reject) => out.write(chunk, (err) => (err ? reject(err) : resolve()))) });
    await new Promise((r) => out.end(r));
    const expected: string[][] = [];
    let state: string | null = null;
    for (let i = 0; i < pages; i++) {
      const p: { rows: Record<string, unknown>[]; pagingState: string | null } = await e.selectPage(SELECT, [], { pageSize: PAGE, pagingState: state });
      expected.push(p.rows.map((r) => [r.pk, r.ck, r.v].map(show).join(" ")));
      state = p.pagingState;
    }
    return expected;
  } finally {
    await e.close();
  }
}

/** The console's result table as "pk ck v" lines. */
async function shown(page: Page): Promise<string[]> {
  return page.locator("#result tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent).join(" ")));
}

async function turn(page: Page, button: "#next" | "#prev" | "#run", expectPage: number): Promise<void> {
  await page.evaluate(() => delete document.getElementById("result")!.dataset.page);
  await page.click(button);
  await expect(page.locator("#result")).toHaveAttribute("data-page", String(expectPage));
}

test("a zip of a couple of hundred MB imports into OPFS through the demo and pages through in the console", async ({ page }) => {
  test.setTimeout(600_000);
  const dir = mkdtempSync(join(tmpdir(), "cqlite-e2e-huge-"));
  try {
    const zip = join(dir, "huge.zip");
    const t0 = Date.now();
    const expected = await bigZip(dir, zip, 3);
    const size = statSync(zip).size;
    expect(size).toBeGreaterThan(190e6);
    console.log(`wrote a ${(size / 1e6).toFixed(0)} MB zip of ${ROWS} rows in Node in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

    await page.goto("/?db=huge");
    await expect(page.locator("body")).toHaveAttribute("data-open", "huge");
    await page.fill("#schema", SCHEMA);
    await page.evaluate(() => delete document.body.dataset.open);
    await page.click("#open");
    await expect(page.locator("body")).toHaveAttribute("data-open", "huge");
    await page.setInputFiles("#import-file", zip);
    await page.click("#import");
    await expect(page.locator("#import-info")).toHaveText(`1 SSTable(s), ${ROWS} rows imported`, { timeout: 420_000 });
    // progress reached the page as it went, through its phases, to the end
    expect(Number(await page.locator("#import-info").getAttribute("data-events"))).toBeGreaterThan(100);
    expect((await page.locator("#import-info").getAttribute("data-phases"))!.split(" ")).toEqual(expect.arrayContaining(["read", "validate"]));
    await expect(page.locator("#import-progress")).toHaveJSProperty("value", 1);
    console.log(`imported it through the page in ${await page.locator("#import-info").getAttribute("data-seconds")} s`);
    // the import's own first look at the table (LIMIT 100) is a page of 100 rows
    await expect(page.locator("#result")).toHaveAttribute("data-rows", "100");

    // the console pages: forward twice, back once; each page is the Node engine's page
    await page.fill("#page-size", String(PAGE));
    await page.fill("#cql", SELECT);
    await turn(page, "#run", 1);
    await expect(page.locator("#prev")).toBeDisabled();
    expect(await shown(page)).toEqual(expected[0]);
    await expect(page.locator("#result-info")).toHaveText(new RegExp(`^rows 1–${PAGE}, page 1, more follow, in \\d+ ms$`));
    await turn(page, "#next", 2);
    expect(await shown(page)).toEqual(expected[1]);
    await expect(page.locator("#result")).toHaveAttribute("data-first", String(PAGE + 1));
    await turn(page, "#next", 3);
    expect(await shown(page)).toEqual(expected[2]);
    await expect(page.locator("#result-info")).toHaveText(new RegExp(`^rows ${2 * PAGE + 1}–${3 * PAGE}, page 3, more follow, in \\d+ ms$`));
    await turn(page, "#prev", 2);
    expect(await shown(page)).toEqual(expected[1]);
    await turn(page, "#prev", 1);
    expect(await shown(page)).toEqual(expected[0]);
    await expect(page.locator("#prev")).toBeDisabled();
    // the end of a result: the last partition's 100 rows in pages of 40, the last page with the count of the whole
    await page.fill("#page-size", "40");
    await page.fill("#cql", `SELECT * FROM t WHERE pk = ${PARTITIONS - 1}`);
    await turn(page, "#run", 1);
    await turn(page, "#next", 2);
    await turn(page, "#next", 3);
    await expect(page.locator("#result-info")).toHaveText(/^rows 81–100 of 100, page 3, in \d+ ms$/);
    await expect(page.locator("#next")).toBeDisabled();
    expect((await shown(page)).map((r) => r.split(" ").slice(0, 2).join(" "))).toEqual(Array.from({ length: 20 }, (_, k) => `${PARTITIONS - 1} ${80 + k}`));
    expect((await shown(page))[0].split(" ")[2]).toBe(value(PARTITIONS - 1, 80));

    // selectIter from the page: every row crosses, a page at a time, each checked against its key; break releases the cursor
    const iter = await page.evaluate(
      async ({ per, len }) => {
        const db = (window as any).demo.engine();
        const seen = new Set<number>();
        let bad = 0;
        const check = (v: string, pk: number, ck: number) => {
          // the same generator as the test's value(), checked by its first 16 characters
          let x = Math.imul(pk * per + ck + 1, 0x9e3779b1) | 0;
          let s = "";
          for (let i = 0; i < 2; i++) {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            s += (x >>> 0).toString(16).padStart(8, "0");
          }
          return v.length === len && v.startsWith(s);
        };
        for await (const r of db.selectIter("SELECT * FROM t", undefined, { pageSize: 2000 })) {
          seen.add(r.pk * per + r.ck);
          if (!check(r.v, r.pk, r.ck)) bad++;
        }
        const openAfterAll = await db.openCursors();
        let n = 0;
        for await (const _ of db.selectIter("SELECT pk FROM t", undefined, { pageSize: 100 })) if (++n === 250) break;
        return { rows: seen.size, bad, openAfterAll, openAfterBreak: await db.openCursors() };
      },
      { per: PER_PARTITION, len: VALUE },
    );
    expect(iter).toEqual({ rows: ROWS, bad: 0, openAfterAll: 0, openAfterBreak: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
