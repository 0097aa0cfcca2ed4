// The edge examples under load: 100 000 NDJSON rows posted to the Deno and
// workerd examples; rows/s end to end (request to last zip byte) and the
// runtime's peak resident memory (VmHWM); then a 6x larger body to workerd,
// whose peak must not grow with it, and the Worker code's live memory (heap
// plus external, after GC) in Node at 100k and 1M rows. Writes the "edge" part
// of bench/results/latest.json.   node bench/edge.mjs [--smoke]
import { spawn, execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { createServer } from "node:net";

const smoke = process.argv.includes("--smoke");
const ROWS = smoke ? 2_000 : 100_000;
const RUNS = smoke ? 1 : 5;
const SCHEMA = "CREATE TABLE bench.kv (id int PRIMARY KEY, payload text)";
const rowsBody = (n) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: i, payload: "x".repeat(96) + i })).join("\n") + "\n";
const body = rowsBody(ROWS);

const port = () => new Promise((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const hwm = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;

async function measure(name, cmd, args, p, big = false) {
  const child = spawn(cmd, args, { stdio: "ignore" });
  try {
    for (let i = 0; ; i++) {
      try {
        await fetch(`http://127.0.0.1:${p}/`);
        break;
      } catch {
        if (i > 200) throw new Error(`${name} did not start`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const idle = hwm(child.pid);
    const xs = [];
    for (let r = 0; r < RUNS; r++) {
      const t = performance.now();
      const res = await fetch(`http://127.0.0.1:${p}/sstables`, { method: "POST", body, headers: { "content-type": "application/x-ndjson", "x-cql-schema": SCHEMA } });
      if (res.status !== 200) throw new Error(`${name}: ${res.status} ${await res.text()}`);
      const zip = new Uint8Array(await res.arrayBuffer());
      if (zip.length < 1000) throw new Error(`${name}: a ${zip.length}-byte zip`);
      xs.push(ROWS / ((performance.now() - t) / 1000));
    }
    xs.sort((a, b) => a - b);
    const peak = hwm(child.pid);
    const out = [{ name: `${name}: POST ${ROWS} NDJSON rows → zip`, value: { median: xs[xs.length >> 1], min: xs[0], max: xs[xs.length - 1], runs: RUNS }, unit: "rows/s", note: `peak RSS ${peak.toFixed(0)} MB (${idle.toFixed(0)} MB idle), body ${(body.length / 1e6).toFixed(1)} MB` }];
    if (big) {
      const n = ROWS * 6;
      const large = rowsBody(n);
      const t = performance.now();
      const res = await fetch(`http://127.0.0.1:${p}/sstables`, { method: "POST", body: large, headers: { "content-type": "application/x-ndjson", "x-cql-schema": SCHEMA } });
      if (res.status !== 200) throw new Error(`${name}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      const rate = n / ((performance.now() - t) / 1000);
      const after = hwm(child.pid);
      out.push({ name: `${name}: POST ${n} NDJSON rows → zip`, value: { median: rate, min: rate, max: rate, runs: 1 }, unit: "rows/s", note: `peak RSS ${after.toFixed(0)} MB after it (${peak.toFixed(0)} MB before), body ${(large.length / 1e6).toFixed(1)} MB` });
    }
    for (const o of out) console.log(`${o.name}: ${Math.round(o.value.median)} rows/s (${Math.round(o.value.min)}–${Math.round(o.value.max)}), ${o.note}`);
    return out;
  } finally {
    child.kill();
  }
}

const results = [];
const dp = await port();
results.push(...(await measure("Deno, files backend", "node_modules/.bin/deno", ["run", "--allow-net", "--allow-read", "--allow-write", "examples/deno/server.js", String(dp)], dp)));
const wp = await port();
results.push(...(await measure("workerd, memory backend, 2 MiB chunks", "node_modules/.bin/workerd", ["serve", "examples/workerd/config.capnp", "--socket-addr", `http=127.0.0.1:${wp}`], wp, true)));
// what the Worker limit counts, which RSS does not show: live heap + external after GC
const live = [ROWS, ROWS * 10].map((n) => JSON.parse(execFileSync(process.execPath, ["--expose-gc", "bench/edge-live.mjs", String(n)], { encoding: "utf8" })));
const liveNote = live.map((l) => `${l.peakMB.toFixed(0)} MB at ${l.rows} rows`).join(", ");
console.log(`Worker code in Node, live heap + external after GC: ${liveNote}`);
results.push({ name: "the Worker's code in Node: peak live memory (JS heap + external, after GC)", value: { median: live[1].peakMB, min: live[0].peakMB, max: live[1].peakMB, runs: 2 }, unit: "MB", note: liveNote });
if (!smoke) {
  const file = "bench/results/latest.json";
  const prev = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  writeFileSync(file, JSON.stringify({ ...prev, edge: { date: new Date().toISOString(), results } }, null, 2));
  const md = ["| Example | Median | Min–max | Notes |", "|---|---|---|---|",
    ...results.map((r) => `| ${r.name} | ${Math.round(r.value.median)} ${r.unit} | ${r.value.runs > 1 ? `${Math.round(r.value.min)}–${Math.round(r.value.max)}` : "1 run"} | ${r.note} |`)].join("\n") + "\n";
  const readme = readFileSync("README.md", "utf8");
  const start = "<!-- bench:edge -->", end = "<!-- /bench:edge -->";
  if (readme.includes(start)) writeFileSync("README.md", readme.slice(0, readme.indexOf(start) + start.length) + "\n" + md + readme.slice(readme.indexOf(end)));
}
