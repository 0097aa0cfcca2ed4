// Browser benchmarks, side by side in one run of Debian's Chromium with a
// persistent profile (real OPFS, as users have) and a dev server sending
// COOP/COEP (full-resolution timers). Every job runs in a fresh dedicated
// worker; every figure is the median of several runs with min and max, and
// its ratio to the peer or limit measured in the same run.
//   node bench/browser.mjs [--smoke] [--reads | --flush | --writes]
// --reads runs only the reads: the large table through openInWorker and the
// side-by-side point reads and scans (its figures replace those of the saved
// run, the rest of the table is kept). --flush likewise runs only the flush
// and compaction rows (and the flush's build alone); --writes only the write
// rows (batch 1 to 10 000, a million rows, the time series). --reads --scratch
// runs only SQLite's and this engine's side-by-side reads and prints them,
// writing nothing: a quick look while working on the read path.
// Writes the "browser" part of bench/results/latest.json, bench/results/browser.md,
// bench/results/browser.svg, and the table between the README's markers.
import { openBenchPage } from "./browser-server.mjs";
import { readFileSync, writeFileSync, existsSync, mkdirSync } from "node:fs";

const smoke = process.argv.includes("--smoke");
const RUNS = smoke ? 1 : 5;
const N = smoke ? 2_000 : 100_000;

const d = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const reportOnly = process.argv.includes("--report"); // re-render the saved results only
const readsOnly = process.argv.includes("--reads");
const flushOnly = process.argv.includes("--flush");
const writesOnly = process.argv.includes("--writes");
const partial = readsOnly || flushOnly || writesOnly;
const scratch = readsOnly && process.argv.includes("--scratch");
const saved = reportOnly || partial ? JSON.parse(readFileSync("bench/results/latest.json", "utf8")).browser : null;
const results = reportOnly ? saved.results : [];
// BENCH_PORT lets a second checkout run the browser bench at the same time
const port = Number(process.env.BENCH_PORT ?? 5176);
if (!reportOnly) {
const { page, close } = await openBenchPage(port, {
  profilePrefix: "cqlite-bench-profile-",
  args: [
    "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    // measureUserAgentSpecificMemory answers at once instead of at the next garbage collection
    "--enable-blink-features=ForceEagerMeasureMemory",
  ],
});
let seq = 0;

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1], runs: s.length };
}


try {
  if (!(await page.evaluate(() => globalThis.bench.isolated))) throw new Error("the bench page is not cross-origin isolated");

  /** runs a job `runs` times (fresh names each time); returns a Measure per result field */
  async function job(j, runs = RUNS) {
    return (await sideBySide([j.system], j, runs))[j.system];
  }

  /**
   * One job per system, run round-robin `runs` times (each round runs every
   * system once, the order turning by one each round), so that every
   * system's runs meet the same phases of the machine; returns {system:
   * measures}. A job's figures move up to 2x over minutes here, and running
   * one system's runs back to back left a ratio to whichever phase each
   * system happened to get.
   */
  async function sideBySide(systems, j, runs = RUNS) {
    const got = Object.fromEntries(systems.map((s) => [s, {}]));
    for (let r = 0; r < runs; r++) {
      // the order turns by one each round, so each system runs first in its turn
      for (const s of [...systems.slice(r % systems.length), ...systems.slice(0, r % systems.length)]) {
        const res = await page.evaluate((x) => globalThis.bench.run(x), { ...j, system: s, name: `r${Date.now()}-${seq++}` });
        for (const [k, v] of Object.entries(res)) (got[s][k] ??= []).push(v);
      }
    }
    const out = {};
    for (const s of systems) {
      out[s] = Object.fromEntries(Object.entries(got[s]).map(([k, xs]) => [k, stats(xs)]));
      process.stdout.write(`  ${s} ${j.kind}${j.batch ? ` batch ${j.batch}` : ""}${j.policy ? ` ${j.policy}` : ""} (${j.rows} rows): ${Object.entries(out[s]).map(([k, v]) => `${k} ${d(v.median)}`).join(", ")}\n`);
    }
    return out;
  }

  function add(group, name, system, m, unit, peer) {
    results.push({ group, name, system, value: m, unit, ...(peer ? { peer: peer.system, ratio: m.median / peer.value.median } : {}) });
    return results[results.length - 1];
  }

  /** the large table through openInWorker, as a page reads it (bench/browser/large.ts) */
  async function largeReads(page) {
    const rows = smoke ? 60_000 : 1_000_000;
    const shape = { rows, wide: smoke ? 10_000 : 100_000, payload: smoke ? 64 : 200, memRows: smoke ? 1000 : 10_000 };
    const r = await page.evaluate((j) => globalThis.bench.large(j), { ...shape, name: `large-${Date.now()}` });
    const of = (xs) => ({ ...stats(xs), p99: [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] });
    const total = rows + r.memtableRows;
    const desc = `${total} rows, ${d((total * shape.payload) / 1e6)} MB of values, ${r.sstables} SSTables + a memtable of ${r.memtableRows} rows, OPFS, reopened; built in ${d(r.loadS)} s`;
    const rate = (h, m) => (h + m ? `${Math.round((100 * h) / (h + m))}%` : "n/a");
    const rt = of(r.roundTripMs), narrow = of(r.narrowMs), wide = of(r.wideMs), limit = of(r.limitMs), first = of(r.firstMs), scan = stats(r.scanRowsPerSec);
    const bound = 10 + 10 * narrow.median;
    process.stdout.write(`  large (${desc}): round trip ${d(rt.median)} ms, point ${d(narrow.median)} ms, wide ${d(wide.median)} ms, LIMIT 10 ${d(limit.median)} ms, first row ${d(first.median)} ms, scan ${d(scan.median)} rows/s, memory +${d(r.memoryGrowthMB)} MB\n`);
    const add1 = (name, m, unit, note) => Object.assign(add("large", name, "engine", m, unit), { note });
    add1(`a call across the worker boundary with no work (openInWorker, comlink) on ${desc}`, rt, "ms", `p99 ${d(rt.p99)} ms: part of every figure below`);
    add1("narrow point read (SELECT ... WHERE pk = ? AND ck = ?)", narrow, "ms", `p99 ${d(narrow.p99)} ms; chunk cache hit ${rate(r.chunkHits, r.chunkMisses)}, key cache hit ${rate(r.keyHits, r.keyMisses)}`);
    add1(`one row of the ${shape.wide}-row partition (pk = 0 AND ck = ?)`, wide, "ms", `×${(wide.median / narrow.median).toFixed(2)} the narrow point read (target ≤ 3); ${r.blocksRead} row index blocks read, ${r.blocksSkipped} skipped`);
    add1("SELECT * FROM t LIMIT 10", limit, "ms", `target ≤ 10 ms + 10 × point read = ${d(bound)} ms`);
    add1("a full scan's first row (selectIter: until the first row is on the page)", first, "ms", `target ≤ ${d(bound)} ms`);
    const inWorker = stats(r.countRowsPerSec);
    add1("the same scan inside the worker (SELECT COUNT(*): every row read, merged and materialized, none sent)", inWorker, "rows/s", `a full scan through selectIter runs at ×${(scan.median / inWorker.median).toFixed(2)} of this: the rest is the rows' crossing (row sets, structured clone, the page's objects)`);
    add1("a full scan (selectIter, pages of 2000 rows)", scan, "rows/s", r.memoryGrowthMB < 0 ? "memory not measurable here" : `page + worker memory (measureUserAgentSpecificMemory) rose at most ${d(r.memoryGrowthMB)} MB during a scan (target ≤ 64 MB)`);
  }

  /** the engine's memory line: what its memtable holds against how far the worker grew (page + workers, measureUserAgentSpecificMemory) */
  function memoryNote(r, m) {
    if (!m.growthMB || m.growthMB.median < 0) return r;
    r.note = `memory: memtable ${d(m.memtableMB.median)} MB, worker grew ${d(m.growthMB.median)} MB (×${(m.growthMB.median / m.memtableMB.median).toFixed(2)} the memtable)`;
    return r;
  }

  const systems = ["raw", "sqlite", "idb", "engine"];
  const label = { raw: "raw OPFS append+flush", sqlite: "SQLite-WASM (opfs-sahpool)", idb: "IndexedDB (idb-keyval)", engine: "cqlite-web" };

  if (!partial || writesOnly) {
  // durable writes at several batch sizes (batch 1: single-row transactions;
  // IndexedDB and the engine get 64 concurrent writers, SQLite and raw appends cannot use them)
  for (const batch of [1, 100, 1000, 10_000]) {
    // fewer rows where the slowest system needs a second per few hundred
    const rows = smoke ? Math.min(N, batch === 1 ? 300 : N) : batch === 1 ? 2_000 : batch === 100 ? 20_000 : N;
    const got = await sideBySide(systems, { kind: "writes", rows, batch, concurrency: batch === 1 ? 64 : 1 });
    const sq = add("writes", `batch ${batch}`, "sqlite", got.sqlite.rowsPerSec, "rows/s");
    add("writes", `batch ${batch}`, "raw", got.raw.rowsPerSec, "rows/s");
    add("writes", `batch ${batch}`, "idb", got.idb.rowsPerSec, "rows/s", sq);
    memoryNote(add("writes", `batch ${batch}`, "engine", got.engine.rowsPerSec, "rows/s", sq), got.engine);
  }
  // one million rows, in batches of 10 000 (IndexedDB is left out: at ~8 000
  // rows/s its five runs would take ten minutes; its 100 000-row figures stand)
  if (!smoke) {
    const got = await sideBySide(["raw", "sqlite", "engine"], { kind: "writes", rows: 1_000_000, batch: 10_000 });
    const sq = add("writes", "1M rows, batch 10000", "sqlite", got.sqlite.rowsPerSec, "rows/s");
    add("writes", "1M rows, batch 10000", "raw", got.raw.rowsPerSec, "rows/s");
    memoryNote(add("writes", "1M rows, batch 10000", "engine", got.engine.rowsPerSec, "rows/s", sq), got.engine);
  }
  // a time series: composite partition key, clustering timestamp DESC
  {
    const got = await sideBySide(["sqlite", "idb", "engine"], { kind: "timeseries", rows: N, batch: 1000 });
    const sq = add("writes", "time series, batch 1000", "sqlite", got.sqlite.rowsPerSec, "rows/s");
    add("writes", "time series, batch 1000", "idb", got.idb.rowsPerSec, "rows/s", sq);
    memoryNote(add("writes", "time series, batch 1000", "engine", got.engine.rowsPerSec, "rows/s", sq), got.engine);
  }
  }
  if (!partial || flushOnly) {
  // flush against the raw append limit
  const append = add("flush", "sequential 1 MiB appends", "raw", (await job({ system: "raw", kind: "append", rows: N * 4 })).mbps, "MB/s");
  const fl = await job({ system: "engine", kind: "flush", rows: N });
  const flr = add("flush", `memtable → SSTable, a worker's second flush (${d(fl.dataMB.median)} MB of rows, ${d(fl.sstableMB.median)} MB on disk after LZ4)`, "engine", fl.mbps, "MB/s", append);
  const cold = fl.coldMbps;
  flr.note = `MB/s of rows encoded; ${d(fl.diskMbps.median)} MB/s reach the disk; a fresh worker's first flush of as many rows ${d(cold.median)} MB/s (${d(cold.min)}–${d(cold.max)}): its core touches its memory for the first time (bench/first-touch.mjs measures what that costs the machine)`;
  // the same rows' build alone, from sorted row-stream bytes (the memtable's sort left out)
  const bl = await job({ system: "engine", kind: "build", rows: N });
  const blr = add("flush", `the build alone: row stream → SSTable (${d(bl.dataMB.median)} MB of rows)`, "engine", bl.mbps, "MB/s", append);
  blr.note = `MB/s of rows encoded; ${d(bl.diskMbps.median)} MB/s reach the disk; the rest of a flush's time is the memtable's sort`;
  // compaction per policy
  for (const policy of ["size-tiered", "leveled", "time-window"]) {
    const c = await job({ system: "engine", kind: "compaction", rows: 2 * N, policy });
    // (each run: four overlapping flushes of N/2 rows, then maintenanceStep(16) until done)
    const r = add("compaction", policy, "engine", c.mbps, "MB/s");
    r.note = `write amplification ${d(c.writeAmp.median)}; ${Math.round(c.calls.median)} calls of maintenanceStep(16): time/budget p90 ${d(c.budgetP90.median)}, max ${d(c.budgetMax.median)}, ${Math.round(100 * c.budgetWithin.median)}% within ±10%, ${Math.round(100 * c.budgetAtMost.median)}% at most +10%`;
  }
  }
  // reads after compaction (one SSTable for the engine)
  if (!partial || readsOnly) {
    const got = await sideBySide(scratch ? ["sqlite", "engine"] : ["sqlite", "idb", "engine"], { kind: "reads", rows: N, batch: 10_000 });
    for (const [field, name, unit] of [["readP50us", "point read p50", "µs"], ["readP99us", "point read p99", "µs"], ["scanRowsPerSec", "range scan", "rows/s"]]) {
      const sq = add("reads", name, "sqlite", got.sqlite[field], unit);
      if (got.idb) add("reads", name, "idb", got.idb[field], unit, sq);
      add("reads", name, "engine", got.engine[field], unit, sq);
    }
  }
  if ((!partial || readsOnly) && !scratch) await largeReads(page);
  if (!partial) {
  // export
  for (const rows of smoke ? [N] : [N, 3 * N]) {
    const x = await job({ system: "engine", kind: "export", rows });
    add("export", `zip of ${rows} rows (${d(x.zipMB.median)} MB)`, "engine", x.mbps, "MB/s");
  }
  // reopen with a full WAL (about 64 MiB) to replay
  {
    const x = await job({ system: "engine", kind: "reopen", rows: smoke ? 20_000 : 480_000 }, 1);
    const r = add("reopen", `replay a ${d(x.walMB.median)} MB WAL`, "engine", { median: x.reopenMs.median, min: x.reopenMinMs.median, max: x.reopenMaxMs.median, runs: 5 }, "ms");
    r.note = "five opens of the same WAL";
  }
  }
} finally {
  await close();
}
}

if (scratch) process.exit(0);

if (partial) {
  // this run's groups take the place of the saved run's; the others stay as they were measured
  const fresh = results.splice(0);
  const mine = readsOnly ? ["reads", "large"] : flushOnly ? ["flush", "compaction"] : ["writes"];
  let placed = false;
  for (const r of saved.results) {
    if (!mine.includes(r.group)) results.push(r);
    else if (!placed) {
      results.push(...fresh);
      placed = true;
    }
  }
  if (!placed) results.push(...fresh);
}

// ---- reports

const now = new Date().toISOString();
// when only the reads ran, the other rows keep the date of the run that measured them
const fullDate = partial || reportOnly ? saved.date : now;
const partDate = (ran, key) => (ran ? now : reportOnly || partial ? saved[key] ?? null : null);
const readsDate = partDate(readsOnly, "readsDate");
const flushDate = partDate(flushOnly, "flushDate");
const writesDate = partDate(writesOnly, "writesDate");
const version = saved?.chromium ?? (await import("node:child_process")).execFileSync(process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", ["--version"]).toString().trim();
const label = { raw: "raw OPFS", sqlite: "SQLite-WASM", idb: "IndexedDB", engine: "cqlite-web" };
const lines = [
  `Chromium: ${version}, persistent profile, dedicated workers, cross-origin isolated. Median of ${RUNS} runs (min–max); ratio to the peer in the same run.${readsDate ? ` The reads and large rows are from a run of ${readsDate.slice(0, 10)} (\`--reads\`).` : ""}${flushDate ? ` The flush and compaction rows are from a run of ${flushDate.slice(0, 10)} (\`--flush\`).` : ""}${writesDate ? ` The writes rows are from a run of ${writesDate.slice(0, 10)} (\`--writes\`).` : ""}${readsDate || flushDate || writesDate ? ` The others are from the full run of ${fullDate.slice(0, 10)}.` : ""}`,
  ...(results.some((r) => r.group === "large") ? ["", "Large rows: one run on the large table; median (min–max) of the operations it timed."] : []),
  "",
  "| Group | Workload | System | Median | Min–max | Ratio |",
  "|---|---|---|---|---|---|",
];
for (const r of results) {
  lines.push(`| ${r.group} | ${r.name} | ${label[r.system]} | ${d(r.value.median)} ${r.unit} | ${d(r.value.min)}–${d(r.value.max)} | ${r.ratio ? `×${r.ratio < 0.1 ? r.ratio.toPrecision(2) : r.ratio.toFixed(2)} vs ${label[r.peer] ?? r.peer}${r.unit === "µs" ? " (time: above 1 is slower)" : ""}` : ""}${r.note ? ` ${r.note}` : ""} |`);
}

const md = lines.join("\n") + "\n";

// the chart: rows/s of every system per write workload, log scale
function svg() {
  const groups = [...new Set(results.filter((r) => r.group === "writes").map((r) => r.name))];
  const colors = { raw: "#999", sqlite: "#3a7bd5", idb: "#e8a33d", engine: "#2e9e5b" };
  const W = 800, rowH = 14, gap = 18, left = 170, right = 150;
  const bars = groups.map((g) => results.filter((r) => r.group === "writes" && r.name === g));
  const H = bars.reduce((h, b) => h + b.length * rowH + gap, 40);
  const max = Math.max(...results.filter((r) => r.group === "writes").map((r) => r.value.median));
  const min = 100;
  const x = (v) => left + ((Math.log10(Math.max(v, min)) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))) * (W - left - right);
  let y = 30;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<text x="${left}" y="16" font-size="12">Durable writes, rows/s (log scale), Chromium over OPFS: median of the runs</text>`];
  for (const [i, b] of bars.entries()) {
    out.push(`<text x="4" y="${y + (b.length * rowH) / 2 + 4}">${groups[i]}</text>`);
    for (const r of b) {
      out.push(`<rect x="${left}" y="${y}" width="${Math.max(1, x(r.value.median) - left).toFixed(1)}" height="${rowH - 3}" fill="${colors[r.system]}"/>`);
      out.push(`<text x="${(x(r.value.median) + 4).toFixed(1)}" y="${y + rowH - 4}">${label[r.system]} ${Math.round(r.value.median).toLocaleString("en")}</text>`);
      y += rowH;
    }
    y += gap;
  }
  out.push("</svg>");
  return out.join("\n") + "\n";
}

console.log("\n" + md);
if (!smoke) {
  mkdirSync("bench/results", { recursive: true });
  const file = "bench/results/latest.json";
  const prev = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  if (!reportOnly) writeFileSync(file, JSON.stringify({ ...prev, browser: { date: fullDate, ...(readsDate ? { readsDate } : {}), ...(flushDate ? { flushDate } : {}), ...(writesDate ? { writesDate } : {}), chromium: version, results } }, null, 2));
  writeFileSync("bench/results/browser.md", md);
  writeFileSync("bench/results/browser.svg", svg());
  const readme = readFileSync("README.md", "utf8");
  const start = "<!-- bench:browser -->", end = "<!-- /bench:browser -->";
  if (readme.includes(start)) writeFileSync("README.md", readme.slice(0, readme.indexOf(start) + start.length) + "\n" + md + readme.slice(readme.indexOf(end)));
}
