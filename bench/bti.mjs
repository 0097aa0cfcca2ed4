// `npm run bench:bti [-- --smoke]`: 'da' against 'nb' on the same rows
// (bench/bti.ts), in Node and in Debian's Chromium (a dedicated worker of a
// cross-origin-isolated page, so timers have full resolution). Writes
// bench/results/bti.json and the table between the README's bench:bti
// markers: the figures are the benchmark's output, never typed by hand.
import { createServer } from "vite";
import { chromium } from "@playwright/test";
import { mkdtempSync, rmSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const smoke = process.argv.includes("--smoke");
const opts = { smoke, runs: smoke ? 1 : 3 };
const port = Number(process.env.BENCH_PORT ?? 5177);
const isolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };
const server = await createServer({
  configFile: false, root: process.cwd(), logLevel: "warn",
  server: { host: "127.0.0.1", port, strictPort: true, headers: isolation, watch: null, hmr: false },
  worker: { format: "es" },
});
const results = {};
try {
  await server.listen();
  const { loadCoreNode } = await server.ssrLoadModule("/src/core/load-node.ts");
  loadCoreNode();
  const { btiBench } = await server.ssrLoadModule("/bench/bti.ts");
  results.node = { runtime: `Node ${process.version}`, ...(await btiBench(opts)) };
  console.log("node", JSON.stringify(results.node));
  const profile = mkdtempSync(join(tmpdir(), "cqlite-bti-profile-"));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await ctx.newPage();
    await page.goto(`http://127.0.0.1:${port}/bench/bti/index.html`);
    await page.waitForSelector("body[data-ready]");
    if (!(await page.evaluate(() => crossOriginIsolated))) throw new Error("the page is not cross-origin isolated");
    const version = ctx.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent));
    page.setDefaultTimeout(0);
    results.chromium = { runtime: `Chromium ${version}`, ...(await page.evaluate((o) => globalThis.runBti(o), opts)) };
    console.log("chromium", JSON.stringify(results.chromium));
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
} finally {
  await server.close();
}

const d = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const cell = (m, unit) => `${d(m.median)} ${unit} (${d(m.min)}–${d(m.max)})`;
const lines = [
  `${new Date().toISOString().slice(0, 10)}, ${opts.runs} runs each, the formats in turn; median (min–max). Memory storage; each run flushes one SSTable and reads it.`, "",
  "| Runtime | Measure | nb | da | da / nb |", "|---|---|---|---|---|",
];
for (const r of Object.values(results)) {
  const rows = [
    [`flush, ${r.narrow} narrow partitions + one of ${r.wide} rows (Data.db ${d(r.dataMB.nb)} MB)`, "flush", "MB/s", "higher is faster"],
    ["point read p50 (pk = ?)", "point", "µs", "above 1 is slower"],
    [`one row of the ${r.wide}-row partition, p50`, "wideRow", "µs", "above 1 is slower"],
  ];
  for (const [name, k, unit, sense] of rows) lines.push(`| ${r.runtime} | ${name} | ${cell(r[k].nb, unit)} | ${cell(r[k].da, unit)} | ×${(r[k].da.median / r[k].nb.median).toFixed(2)} (${sense}) |`);
}
const md = lines.join("\n") + "\n";
console.log(md);
if (!smoke) {
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/bti.json", JSON.stringify({ date: new Date().toISOString(), ...results }, null, 2));
  const readme = readFileSync("README.md", "utf8");
  const start = "<!-- bench:bti -->", end = "<!-- /bench:bti -->";
  if (!readme.includes(start)) throw new Error("README has no bench:bti markers");
  writeFileSync("README.md", readme.slice(0, readme.indexOf(start) + start.length) + "\n" + md + readme.slice(readme.indexOf(end)));
}
