// The dev server the browser benchmarks load their page from: COOP/COEP (so
// timers run at full resolution), no watcher and no HMR (an edit during a run
// must not reload the page mid-job); and the page itself, in Debian's
// Chromium with a persistent profile (real OPFS, as users have).
import { createServer } from "vite";
import { chromium } from "@playwright/test";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const isolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

export async function benchServer(port) {
  const server = await createServer({
    configFile: false, root: "bench/browser", logLevel: "warn",
    server: { host: "127.0.0.1", port, strictPort: true, headers: isolation, fs: { allow: [process.cwd(), realpathSync("node_modules")] }, watch: null, hmr: false },
    optimizeDeps: { exclude: ["@sqlite.org/sqlite-wasm"], include: ["idb-keyval", "fflate", "snappyjs", "comlink"] },
    worker: { format: "es" },
  });
  await server.listen();
  return server;
}

/**
 * The bench's page, ready (its worker code loaded), on a server of its own
 * and a fresh persistent profile; `close()` ends all three. `args` are added
 * to Chromium's.
 */
export async function openBenchPage(port, { args = [], profilePrefix = "cqlite-bench-" } = {}) {
  const server = await benchServer(port);
  const profile = mkdtempSync(join(tmpdir(), profilePrefix));
  let ctx = null;
  const close = async () => {
    await ctx?.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    ctx = await chromium.launchPersistentContext(profile, { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", ...args] });
    const page = await ctx.newPage();
    await page.goto(`http://127.0.0.1:${port}/index.html`);
    await page.waitForSelector("body[data-ready]");
    return { page, ctx, close };
  } catch (e) {
    await close();
    throw e;
  }
}
