/**
 * Playwright helpers for apps that use cqlite-web: a `cqlite` fixture that
 * seeds a page's database before a test (from rows, CQL or a zip of
 * SSTables), reads rows back for assertions, and clears the origin's
 * databases after each test.
 *
 * ```ts
 * import { test, expect } from "cqlite-web/testing";
 *
 * test("the list shows seeded items", async ({ page, cqlite }) => {
 *   await cqlite.seed("shop", { schema: SCHEMA, rows: [{ id: 1, name: "one" }] });
 *   await page.goto("/");                       // the app opens "shop" and finds the row
 *   await page.click("text=Add");
 *   expect(await cqlite.rows("shop", "SELECT * FROM items")).toHaveLength(2);
 * });
 * ```
 *
 * The fixture works on the page's origin (Playwright's `baseURL`, or the
 * page's current origin) with the package's own browser bundle, served to the
 * page under `/__cqlite-web/` by a route: the app needs no hooks. While the
 * app holds a database open, seeding and reading go through the app's open
 * handle; otherwise the fixture opens the database itself for the call.
 *
 * @packageDocumentation
 */
import { test as base, expect } from "@playwright/test";
import type { Page, TestType, PlaywrightTestArgs, PlaywrightTestOptions, PlaywrightWorkerArgs, PlaywrightWorkerOptions, Fixtures } from "@playwright/test";
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** What to put into a database before the test. */
export interface SeedOptions {
  /** CREATE TABLE (with any CREATE TYPE it needs): the app must open the database with the same */
  schema: string;
  /** plain objects, column → value, one INSERT each (as `BrowserEngine.insert`) */
  rows?: Record<string, unknown>[];
  /** CQL statements run in order (INSERT, UPDATE, DELETE, BATCH) */
  cql?: string | string[];
  /** a zip of SSTables (an export, or Cassandra's files), as bytes or a file path */
  zip?: Uint8Array | string;
  /** flush the memtable to an SSTable after seeding (default false) */
  flush?: boolean;
}

/** The `cqlite` fixture. */
export interface CqliteFixture {
  /** Writes rows, CQL or a zip into the database `name` on the page's origin. */
  seed(name: string, options: SeedOptions): Promise<void>;
  /**
   * The rows of a SELECT on the database `name`: through the app's open
   * handle when it has one, else by opening it (then `schema` is needed, unless
   * this fixture seeded it). bigint, Map and Uint8Array values come back as such.
   */
  rows(name: string, cql: string, params?: unknown[] | Record<string, unknown>, schema?: string): Promise<Record<string, unknown>[]>;
  /** Closes the page's open databases and removes every one on the origin. Runs after each test. */
  clear(): Promise<void>;
}

/** Where the package's browser bundle is: beside this module in the package, dist/ in its repository. */
function distFile(name: string): string {
  for (const rel of [`./${name}`, `../../dist/${name}`]) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error(`cqlite-web/testing: ${name} not found beside this module (in the repository, run npm run build:package)`);
}

const ROUTE = "/__cqlite-web/";
const TYPES: Record<string, string> = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };
const BLANK = "<!doctype html><title>cqlite-web testing</title>";

/** Values cross page.evaluate as JSON; these tags keep bigint, Map, Uint8Array and Date. */
type Tagged = { $bigint: string } | { $map: [unknown, unknown][] } | { $bytes: number[] } | { $date: number } | { $text: string };

function toPage(v: unknown): unknown {
  if (typeof v === "bigint") return { $bigint: v.toString() };
  if (v === null || typeof v !== "object") return v;
  if (v instanceof Uint8Array) return { $bytes: Array.from(v) };
  if (v instanceof Date) return { $date: v.getTime() };
  if (v instanceof Map) return { $map: [...v].map(([k, x]) => [toPage(k), toPage(x)]) };
  if (Array.isArray(v)) return v.map(toPage);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPage(x)]));
}

function fromPage(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(fromPage);
  const t = v as Partial<Record<string, unknown>>;
  if ("$bigint" in t) return BigInt(t.$bigint as string);
  if ("$bytes" in t) return Uint8Array.from(t.$bytes as number[]);
  if ("$date" in t) return new Date(t.$date as number);
  if ("$map" in t) return new Map((t.$map as [unknown, unknown][]).map(([k, x]) => [fromPage(k), fromPage(x)]));
  if ("$text" in t) return t.$text;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromPage(x)]));
}

/**
 * Runs in the page: the tag codec, the package's module, and a handle on
 * `name` (the app's, or one opened for the call). Defined once per document.
 */
const PAGE_HELPERS = `(() => {
  if (globalThis.__cqliteTesting) return;
  const decode = (v) => {
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map(decode);
    if ("$bigint" in v) return BigInt(v.$bigint);
    if ("$bytes" in v) return Uint8Array.from(v.$bytes);
    if ("$date" in v) return new Date(v.$date);
    if ("$map" in v) return new Map(v.$map.map(([k, x]) => [decode(k), decode(x)]));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
  };
  const encode = (v) => {
    if (typeof v === "bigint") return { $bigint: v.toString() };
    if (v === null || typeof v !== "object") return v;
    if (v instanceof Uint8Array) return { $bytes: Array.from(v) };
    if (v instanceof Date) return { $date: v.getTime() };
    if (v instanceof Map) return { $map: [...v].map(([k, x]) => [encode(k), encode(x)]) };
    if (Array.isArray(v)) return v.map(encode);
    if (v.constructor && v.constructor !== Object) return { $text: String(v) };
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  };
  const open = () => globalThis[Symbol.for("cqlite-web.open-databases")] ?? new Map();
  async function withDatabase(name, schema, f) {
    const held = open().get(name);
    if (held) return f(held);
    if (!schema) throw new Error("cqlite-web/testing: the database '" + name + "' is not open in the page: pass its schema");
    const m = await import(${JSON.stringify(ROUTE + "browser.js")});
    const db = await m.openInWorker({ name, schema, idleMaintenance: false, persist: false });
    try { return await f(db); } finally { await db.close(); }
  }
  async function clear() {
    for (const db of [...open().values()]) await db.close().catch(() => undefined);
    const root = await navigator.storage.getDirectory();
    await root.removeEntry("cqlite", { recursive: true }).catch((e) => { if (e.name !== "NotFoundError") throw e; });
  }
  globalThis.__cqliteTesting = { decode, encode, withDatabase, clear };
})()`;

async function prepare(page: Page, baseURL: string | undefined): Promise<void> {
  const url = page.url();
  if (!/^https?:/.test(url)) {
    if (!baseURL) throw new Error("cqlite-web/testing: set Playwright's baseURL (or open a page of the app) so the fixture knows the origin");
    await page.goto(new URL(ROUTE, baseURL).href);
  }
  await page.evaluate(PAGE_HELPERS);
}

async function routeBundle(page: Page): Promise<void> {
  await page.context().route(`**${ROUTE}**`, async (route) => {
    const path = new URL(route.request().url()).pathname.slice(ROUTE.length);
    if (path === "" || path === "index.html") return route.fulfill({ contentType: "text/html", body: BLANK });
    if (!/^(browser|worker)\.js$|^(core|libzstd)\.wasm$/.test(path)) return route.fulfill({ status: 404, body: "not part of cqlite-web" });
    const ext = path.slice(path.lastIndexOf("."));
    await route.fulfill({
      contentType: TYPES[ext], body: readFileSync(distFile(path)),
      // a cross-origin-isolated app's page can use these too
      headers: { "Cross-Origin-Resource-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp", "Cross-Origin-Opener-Policy": "same-origin" },
    });
  });
}

/** The fixture as a Fixtures object, for apps that compose their own `test.extend`. */
export const cqliteFixtures: Fixtures<{ cqlite: CqliteFixture }, object, PlaywrightTestArgs & PlaywrightTestOptions, PlaywrightWorkerArgs & PlaywrightWorkerOptions> = {
  cqlite: async ({ page, baseURL }, use) => {
    await routeBundle(page);
    const schemas = new Map<string, string>();
    const fixture: CqliteFixture = {
      async seed(name, o) {
        schemas.set(name, o.schema);
        await prepare(page, baseURL);
        const zip = typeof o.zip === "string" ? new Uint8Array(readFileSync(o.zip)) : o.zip;
        const arg = {
          name, schema: o.schema, rows: toPage(o.rows ?? []), cql: typeof o.cql === "string" ? [o.cql] : o.cql ?? [],
          zip: zip ? Array.from(zip) : null, flush: !!o.flush,
        };
        await page.evaluate(async (a) => {
          const t = (globalThis as unknown as { __cqliteTesting: any }).__cqliteTesting;
          await t.withDatabase(a.name, a.schema, async (db: any) => {
            if (a.zip) await db.importZip(new Blob([new Uint8Array(a.zip)], { type: "application/zip" }));
            if ((a.rows as unknown[]).length) await db.insert(t.decode(a.rows));
            for (const q of a.cql) await db.execute(q);
            if (a.flush) await db.flush();
          });
        }, arg);
      },
      async rows(name, cql, params, schema) {
        await prepare(page, baseURL);
        const got = await page.evaluate(
          async (a) => {
            const t = (globalThis as unknown as { __cqliteTesting: any }).__cqliteTesting;
            return t.encode(await t.withDatabase(a.name, a.schema, (db: any) => db.select(a.cql, t.decode(a.params))));
          },
          { name, cql, params: toPage(params ?? null), schema: schema ?? schemas.get(name) ?? null },
        );
        return fromPage(got) as Record<string, unknown>[];
      },
      async clear() {
        if (page.isClosed()) return;
        await prepare(page, baseURL);
        await page.evaluate(() => (globalThis as unknown as { __cqliteTesting: any }).__cqliteTesting.clear());
      },
    };
    await use(fixture);
    await fixture.clear().catch(() => undefined); // the page may be gone or elsewhere: a fresh context starts empty anyway
  },
};

/** Playwright's `test` with the `cqlite` fixture. */
export const test: TestType<PlaywrightTestArgs & PlaywrightTestOptions & { cqlite: CqliteFixture }, PlaywrightWorkerArgs & PlaywrightWorkerOptions> = base.extend<{ cqlite: CqliteFixture }>(cqliteFixtures);
export { expect };
