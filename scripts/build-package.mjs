// The package's dist/: one self-contained ES module per runtime, the
// browser's worker, the Playwright helpers, the wasm core beside them, and
// the declarations of the public API. Third-party code (comlink, fflate,
// snappyjs) is bundled in, so the package has no runtime
// dependencies and no CommonJS reaches a user's bundler.
//
//   dist/node.js      Node (default): engine, file storage, CLI functions; reads ./core.wasm
//   dist/deno.js      Deno: engine, Deno file storage; reads ./core.wasm
//   dist/workerd.js   Cloudflare Workers: imports ./core.wasm as a module
//   dist/browser.js   pages and workers: openInWorker, OPFS, loadCore() fetches ./core.wasm
//   dist/worker.js    the worker openInWorker starts (new URL("./worker.js", import.meta.url))
//   dist/csv-worker.js the CLI load's CSV reader, on a thread of its own (src/cli/csv-worker.ts)
//   dist/testing.js   Playwright fixture (Node side)
//   dist/libzstd.wasm libzstd 1.5.7 for Zstd chunks, loaded beside core.wasm in every runtime
//   dist/types/       .d.ts for all of the above
//
// Run after `npm run build:core` (npm run build:package does both).
import { rolldown } from "rolldown";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist");
const core = join(root, "build/core.wasm");
if (!existsSync(core)) throw new Error("build/core.wasm is missing: run `npm run build:core` first");

/**
 * In the repository, Vite resolves the core as `build/core.wasm?url` and the
 * worker as `worker.ts`; in the package both sit beside the bundle, found
 * with `new URL(..., import.meta.url)`, which every bundler and a plain static
 * server understand.
 */
const besideTheBundle = {
  name: "cqlite-beside-the-bundle",
  resolveId(id) {
    if (id.endsWith("core.wasm?url")) return "\0cqlite-core-url";
    if (id.endsWith("zstd.wasm?url")) return "\0cqlite-libzstd-url";
    return null;
  },
  load(id) {
    if (id === "\0cqlite-core-url") return 'export default new URL("./core.wasm", import.meta.url).href;';
    if (id === "\0cqlite-libzstd-url") return 'export default new URL("./libzstd.wasm", import.meta.url).href;';
    if (id.endsWith("src/browser/worker-url.ts")) {
      // Bundlers follow the new Worker(new URL(...)) form. A page that imports the package from
      // another origin (a CDN) cannot start a worker from there, so a same-origin blob imports it.
      // The script's URL (for explaining a failed load) is known only while this code is still
      // dist/browser.js: once a bundler has moved it, the worker is wherever the bundler put it.
      return `export function startWorker(name) {
  const script = new URL(/* @vite-ignore */ "./worker.js", import.meta.url);
  const scriptUrl = /\\/browser\\.js$/.test(new URL(import.meta.url).pathname) ? script.href : undefined;
  if (typeof location !== "undefined" && script.origin !== location.origin) {
    const boot = URL.createObjectURL(new Blob([\`import \${JSON.stringify(script.href)};\`], { type: "text/javascript" }));
    return Object.assign(new Worker(boot, { type: "module", name }), { scriptUrl });
  }
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name });
  return Object.assign(worker, { scriptUrl });
}`;
    }
    return null;
  },
};

const WEB = ["browser", "import", "module", "default"];
const targets = [
  { name: "node", input: "src/entry/node.ts", platform: "node", conditions: ["node", "import", "module", "default"] },
  { name: "deno", input: "src/entry/deno.ts", platform: "neutral", conditions: ["deno", ...WEB] },
  { name: "workerd", input: "src/entry/workerd.ts", platform: "neutral", conditions: ["workerd", "worker", ...WEB] },
  { name: "browser", input: "src/entry/browser.ts", platform: "browser", conditions: WEB },
  { name: "worker", input: "src/browser/worker.ts", platform: "browser", conditions: WEB },
  { name: "csv-worker", input: "src/cli/csv-worker.ts", platform: "node", conditions: ["node", "import", "module", "default"] },
  { name: "testing", input: "src/testing/index.ts", platform: "node", conditions: ["node", "import", "module", "default"], external: [/^@playwright\//] },
];

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const t of targets) {
  const bundle = await rolldown({
    input: join(root, t.input),
    platform: t.platform,
    resolve: { conditionNames: t.conditions, mainFields: ["module", "main"] },
    external: [/^node:/, /\.wasm$/, ...(t.external ?? [])],
    plugins: [besideTheBundle],
    logLevel: "warn",
  });
  await bundle.write({ file: join(out, `${t.name}.js`), format: "es", codeSplitting: false /* the CLI's on-demand CSV reader too: one file per runtime */ });
  await bundle.close();
}
copyFileSync(core, join(out, "core.wasm"));
// libzstd 1.5.7 (src/core/libzstd.ts): the one file of @bokuweb/zstd-wasm the package needs
copyFileSync(join(root, "node_modules/@bokuweb/zstd-wasm/dist/esm/zstd.wasm"), join(out, "libzstd.wasm"));

// declarations of every entry's public API (dist/types/src/entry/*.d.ts ...)
execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
console.log("dist/: node, deno, workerd, browser, worker, csv-worker, testing, core.wasm, libzstd.wasm, types");
