// The package as users get it: `npm pack`, then one fresh app in a temporary
// directory outside the repository installs the tarball (and vite,
// typescript, @types/node, @playwright/test from the registry) with nothing of the repo on its
// path. That one install serves every check: a Node script, tsc under node16
// and bundler resolution, the CLI through npx, a Vite app in dev and
// production driven in Chromium, the app's own Playwright suite with
// cqlite-web/testing, a plain page from a static server and from a CDN-like
// origin, Deno, workerd and wrangler.
import { describe, test, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync, cpSync, writeFileSync, readFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, Browser, Page } from "@playwright/test";
import { unzipSync } from "fflate";
import "./helpers.js";
import { REPO, sh, shCode, serve, freePort, zipRows, staticServer, Server } from "./package/harness.js";
import { compareWithCassandra } from "./zstd-reference.js";

const version = (pkg: string) => JSON.parse(readFileSync(join(REPO, "node_modules", pkg, "package.json"), "utf8")).version as string;

let work: string;
let app: string;
let tarball: string;
let browser: Browser;

beforeAll(async () => {
  // npm test builds dist/ first (pretest); a lone vitest run builds it here
  if (!existsSync(join(REPO, "dist/node.js"))) await sh("npm", ["run", "build:package"], REPO);
  work = mkdtempSync(join(tmpdir(), "cqlite-package-"));
  expect(resolve(work).startsWith(REPO)).toBe(false);
  const packed = JSON.parse((await sh("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], REPO)).stdout);
  tarball = join(work, packed[0].filename);
  app = join(work, "app");
  cpSync(join(REPO, "test/package/app"), app, { recursive: true });
  cpSync(join(REPO, "examples"), join(app, "examples"), { recursive: true });
  writeFileSync(join(app, "package.json"), JSON.stringify({
    name: "an-app", private: true, type: "module",
    dependencies: { "cqlite-web": `file:${tarball}` },
    devDependencies: { vite: version("vite"), typescript: version("typescript"), "@types/node": version("@types/node"), "@playwright/test": version("@playwright/test") },
  }, null, 2));
  await sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], app);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--no-first-run"] });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the tarball", () => {
  test("holds dist/, bin/, the docs, the manifest files and the third-party notices, nothing else", async () => {
    const packed = JSON.parse((await sh("npm", ["pack", "--dry-run", "--ignore-scripts", "--json"], REPO)).stdout)[0];
    const paths: string[] = packed.files.map((f: { path: string }) => f.path);
    expect(paths.filter((p) => !/^(dist\/|bin\/|docs\/.*\.md$|README\.md$|package\.json$|LICENSE|THIRD_PARTY_NOTICES\.md$)/.test(p))).toEqual([]);
    for (const f of ["dist/node.js", "dist/deno.js", "dist/workerd.js", "dist/browser.js", "dist/worker.js", "dist/csv-worker.js", "dist/testing.js", "dist/core.wasm", "dist/libzstd.wasm", "THIRD_PARTY_NOTICES.md", "bin/cqlite-web.mjs"]) expect(paths).toContain(f);
    const installed = JSON.parse(readFileSync(join(app, "node_modules/cqlite-web/package.json"), "utf8"));
    expect(installed.dependencies ?? {}).toEqual({});
  });
});

describe("Node", () => {
  test("an ESM script writes, reads and exports a zip that holds its rows", async () => {
    const dir = join(work, "node-db");
    mkdirSync(dir);
    const out = JSON.parse((await sh("node", ["node-app.mjs", dir], app)).stdout);
    expect(out.rows).toEqual([{ id: 8, at: "1714561200000", qty: 1 }, { id: 7, at: "1714557600000", qty: 4 }]);
    const { rows } = await zipRows("CREATE TABLE shop.items (id int, at timestamp, qty int, PRIMARY KEY (id, at))", new Uint8Array(readFileSync(join(dir, "export.zip"))));
    expect(rows).toEqual([{ id: 8, at: 1714561200000n, qty: 1 }, { id: 7, at: 1714557600000n, qty: 4 }]);
  });

  test.each(["tsconfig.node16.json", "tsconfig.bundler-node.json", "tsconfig.json"])("tsc -p %s type-checks the app against the package's declarations", async (config) => {
    const r = await shCode("node", ["node_modules/typescript/bin/tsc", "-p", config], app);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});

describe("the CLI through npx", () => {
  const SCHEMA = "CREATE TABLE shop.items (id int PRIMARY KEY, name text, qty int)";
  test("load turns a CSV into a zip; dump and validate read the zip, its root and its table directory", async () => {
    writeFileSync(join(app, "schema.cql"), SCHEMA + ";\n");
    writeFileSync(join(app, "rows.csv"), "id,name,qty\n" + Array.from({ length: 50 }, (_, i) => `${i},"item, ${i}",${i * 2}`).join("\n") + "\n");
    const help = await sh("npx", ["cqlite-web", "--help"], app);
    expect(help.stdout).toMatch(/^usage: cqlite-web <command>/);
    const load = await sh("npx", ["cqlite-web", "load", "--schema", "schema.cql", "--input", "rows.csv", "--out", "items.zip"], app);
    expect(load.stdout).toMatch(/^loaded 50 rows/);
    const zip = new Uint8Array(readFileSync(join(app, "items.zip")));
    const { rows, files } = await zipRows(SCHEMA, zip);
    expect(rows).toHaveLength(50);
    expect(rows.find((r) => r.id === 7)).toEqual({ id: 7, name: "item, 7", qty: 14 });
    // the table directory, unpacked as a user would
    const tableDir = files.find((f) => f.endsWith("-Data.db"))!.split("/").slice(0, -1).join("/");
    for (const [name, bytes] of Object.entries(unzipSync(zip))) {
      if (name.endsWith("/")) continue;
      mkdirSync(join(app, "unzipped", name, ".."), { recursive: true });
      writeFileSync(join(app, "unzipped", name), bytes);
    }
    const dump = JSON.parse((await sh("npx", ["cqlite-web", "dump", join("unzipped", tableDir)], app)).stdout);
    expect(dump).toHaveLength(50);
    expect((await sh("npx", ["cqlite-web", "validate", join("unzipped", tableDir)], app)).stdout).toMatch(/^valid: 50 partitions, 50 rows/);
    expect(JSON.parse((await sh("npx", ["cqlite-web", "dump", "items.zip"], app)).stdout)).toEqual(dump);
    expect((await sh("npx", ["cqlite-web", "validate", "items.zip"], app)).stdout).toMatch(/^valid: 50 partitions, 50 rows/);
    expect((await sh("npx", ["cqlite-web", "validate", "unzipped"], app)).stdout).toMatch(/^valid: 50 partitions, 50 rows/);
  });
});

/** Clicks a button of the test app and returns what it wrote into #out. */
async function press(page: Page, id: string): Promise<{ ok: boolean; value?: any; name?: string; code?: string; message?: string; typed?: boolean; ms: number }> {
  await page.evaluate(() => (document.getElementById("out")!.textContent = ""));
  await page.click(`#${id}`);
  await page.waitForFunction(() => document.getElementById("out")!.textContent !== "", null, { timeout: 120_000 });
  return JSON.parse((await page.textContent("#out"))!);
}

const APP_SCHEMA = "CREATE TABLE shop.items (id int PRIMARY KEY, name text, tags set<text>)";

async function useTheApp(url: string): Promise<void> {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  expect(await press(page, "open"), "open").toMatchObject({ ok: true, value: "opfs:/cqlite/shop" });
  expect(await press(page, "write")).toMatchObject({ ok: true });
  expect((await press(page, "read")).value).toEqual([{ id: 1, name: "one", tags: ["a", "b"] }, { id: 2, name: "two", tags: null }]);
  const [download, exported] = await Promise.all([page.waitForEvent("download"), press(page, "export")]);
  expect(exported).toMatchObject({ ok: true, value: { rows: 2 } });
  const { rows } = await zipRows(APP_SCHEMA, new Uint8Array(readFileSync((await download.path())!)));
  expect(rows.sort((a, b) => Number(a.id) - Number(b.id))).toEqual([{ id: 1, name: "one", tags: ["a", "b"] }, { id: 2, name: "two", tags: null }]);
  expect(await press(page, "close")).toMatchObject({ ok: true, value: "closed" });
  expect(errors).toEqual([]);

  // the worker's script or the wasm core missing: open rejects at once, typed, with the reason
  for (const [what, pattern, name] of [["worker", /\/worker[^/]*\.js$/, "WorkerLoadError"], ["core", /\/core[^/]*\.wasm$/, "CoreLoadError"]] as const) {
    const p = await context.newPage();
    await p.route((u) => pattern.test(u.pathname), (route) => route.fulfill({ status: 404, body: "not here" }));
    await p.goto(url);
    const r = await press(p, "open");
    expect(r, what).toMatchObject({ ok: false, name, typed: true });
    // a bundled worker's URL is the bundler's: the page can only say its script failed; the core's fetch gives its status
    expect(r.message, what).toMatch(what === "worker" ? /its script failed to load or to run/ : /answered 404/);
    // settled by the load failure itself, not by the start timeout (no
    // timing here: a loaded machine may take seconds to serve the page)
    expect(r.message, what).not.toMatch(/did not load within/);
    await p.close();
  }
  await context.close();
}

describe("a Vite app", () => {
  let server: Server | null = null;
  afterAll(async () => server?.stop());

  test("under the dev server: open, write, read, export, close", async () => {
    const port = await freePort();
    server = await serve("node", ["node_modules/vite/bin/vite.js", "--port", String(port), "--strictPort", "--host", "127.0.0.1"], app, `http://127.0.0.1:${port}/`);
    try {
      await useTheApp(`http://127.0.0.1:${port}/`);
    } finally {
      await server.stop();
      server = null;
    }
  });

  test("built for production and served: the same", async () => {
    const build = await sh("node", ["node_modules/vite/bin/vite.js", "build"], app);
    expect(build.stdout + build.stderr).not.toMatch(/warn|error/i);
    const assets = readdirSync(join(app, "dist/assets"));
    expect(assets.some((f) => /^core-.*\.wasm$/.test(f))).toBe(true);
    expect(assets.some((f) => /^worker-.*\.js$/.test(f))).toBe(true);
    const port = await freePort();
    server = await serve("node", ["node_modules/vite/bin/vite.js", "preview", "--port", String(port), "--strictPort", "--host", "127.0.0.1"], app, `http://127.0.0.1:${port}/`);
    try {
      await useTheApp(`http://127.0.0.1:${port}/`);
    } finally {
      await server.stop();
      server = null;
    }
  });
});

describe("the app's own Playwright suite with cqlite-web/testing", () => {
  test("seeds before the app opens its database, reads back what it wrote, starts each test empty", async () => {
    // after the production build above: the app's playwright.config.ts serves dist/ with vite preview
    expect(existsSync(join(app, "dist/index.html"))).toBe(true);
    const port = await freePort();
    const r = await shCode("node", ["node_modules/@playwright/test/cli.js", "test"], app, { PORT: String(port) });
    expect(r.stdout + r.stderr).toMatch(/2 passed/);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});

describe("a plain <script type=module> page, no bundler", () => {
  /** The page writes, reads, exports and closes, and puts what it saw into #out. */
  const page = (entry: string) => `<!doctype html><meta charset="utf-8"><pre id="out"></pre>
<script type="module">
import { openInWorker } from ${JSON.stringify(entry)};
const out = document.getElementById("out");
try {
  const db = await openInWorker({ name: "plain", schema: ${JSON.stringify(APP_SCHEMA)} });
  await db.insert([{ id: 1, name: "one", tags: ["a"] }]);
  const rows = await db.select("SELECT * FROM items");
  const { blob } = await db.exportSSTable();
  await db.close();
  out.textContent = JSON.stringify({ rows, zip: blob.size });
} catch (e) { out.textContent = JSON.stringify({ error: e.name + ": " + e.message }); }
</script>`;

  async function visit(url: string, missing?: RegExp): Promise<unknown> {
    const p = await browser.newPage();
    if (missing) await p.route((u) => missing.test(u.pathname), (route) => route.fulfill({ status: 404, body: "not here" }));
    try {
      await p.goto(url);
      await p.waitForFunction(() => document.getElementById("out")!.textContent !== "", null, { timeout: 120_000 });
      return JSON.parse((await p.textContent("#out"))!);
    } finally {
      await p.close();
    }
  }

  test("served with the app from a static server, and from another origin as a CDN serves it", async () => {
    const site = await staticServer(app, false);
    const cdn = await staticServer(join(app, "node_modules/cqlite-web"), true);
    try {
      writeFileSync(join(app, "same-origin.html"), page("./node_modules/cqlite-web/dist/browser.js"));
      writeFileSync(join(app, "from-cdn.html"), page(`${cdn.origin}/dist/browser.js`));
      for (const html of ["same-origin.html", "from-cdn.html"]) {
        const r = await visit(`${site.origin}/${html}`);
        expect(r, html).toMatchObject({ rows: [{ id: 1, name: "one", tags: ["a"] }], zip: expect.any(Number) });
      }
      // unbundled, the page knows where the worker's script is, and says what the server answered
      const failed = (await visit(`${site.origin}/same-origin.html`, /\/worker\.js$/)) as { error: string };
      expect(failed.error).toMatch(/^WorkerLoadError: .*worker\.js answers 404/);
    } finally {
      await site.close();
      await cdn.close();
    }
  });
});

describe("edge runtimes, from the installed package", () => {
  // Zstd chunks: every runtime loads libzstd.wasm and writes Cassandra's bytes
  const SCHEMA = "CREATE TABLE shop.items (id int, at timestamp, name text, PRIMARY KEY (id, at)) WITH compression = {'class': 'ZstdCompressor', 'chunk_length_in_kb': '4'}";
  const ndjson = Array.from({ length: 200 }, (_, i) => JSON.stringify({ id: i % 20, at: 1_700_000_000_000 + i, name: `n${i}` })).join("\n") + "\n";

  async function postRows(port: number): Promise<void> {
    const res = await fetch(`http://127.0.0.1:${port}/sstables`, {
      method: "POST", body: ndjson, headers: { "content-type": "application/x-ndjson", "x-cql-schema": encodeURIComponent(SCHEMA) },
    });
    expect(res.status, await res.clone().text().catch(() => "")).toBe(200);
    const zip = new Uint8Array(await res.arrayBuffer());
    const { rows } = await zipRows(SCHEMA, zip);
    expect(rows).toHaveLength(200);
    expect(rows.find((r) => r.id === 3 && r.at === 1_700_000_000_003n)).toEqual({ id: 3, at: 1_700_000_000_003n, name: "n3" });
    const sst = new Map(Object.entries(unzipSync(zip)).filter(([n]) => n.includes("-big-")).map(([n, b]) => [n.split("/").pop()!, b]));
    expect(await compareWithCassandra(sst, 3)).toMatchObject({ mismatches: [] });
  }

  test("Deno serves the example, importing the package by its name", async () => {
    const port = await freePort();
    const s = await serve(join(REPO, "node_modules/.bin/deno"), ["run", "--allow-net", "--allow-read", "--allow-write", "examples/deno/server.js", String(port)], app, `http://127.0.0.1:${port}/`);
    try {
      await postRows(port);
    } finally {
      await s.stop();
    }
  });

  test("workerd serves the example Worker with the package's workerd bundle, core.wasm and libzstd.wasm as modules", async () => {
    const config = readFileSync(join(app, "examples/workerd/config.capnp"), "utf8").replaceAll("../../dist/", "../../node_modules/cqlite-web/dist/");
    expect(config).toContain("node_modules/cqlite-web/dist/workerd.js");
    writeFileSync(join(app, "examples/workerd/installed.capnp"), config);
    const port = await freePort();
    const s = await serve(join(REPO, "node_modules/.bin/workerd"), ["serve", "examples/workerd/installed.capnp", "--socket-addr", `http=127.0.0.1:${port}`], app, `http://127.0.0.1:${port}/`);
    try {
      await postRows(port);
    } finally {
      await s.stop();
    }
  });

  test("wrangler dev builds and serves the example project (wrangler.toml), the core bundled as a wasm module", async () => {
    // wrangler is this repo's devDependency, run as a tool: it bundles the project, resolving cqlite-web from the app's node_modules
    const port = await freePort();
    const s = await serve("node", [join(REPO, "node_modules/wrangler/bin/wrangler.js"), "dev", "--ip", "127.0.0.1", "--port", String(port)], join(app, "examples/wrangler"), `http://127.0.0.1:${port}/`, 90_000, { WRANGLER_SEND_METRICS: "false" });
    try {
      await postRows(port);
    } finally {
      await s.stop();
    }
  });
});
