// The edge examples under load: 100 000 NDJSON rows posted to the Deno and
// workerd examples; rows/s end to end (request to last zip byte) and the
// runtime's peak resident memory (VmHWM). Writes the "edge" part of
// bench/results/latest.json.   node bench/edge.mjs [--smoke]
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { createServer } from "node:net";

const smoke = process.argv.includes("--smoke");
const ROWS = smoke ? 2_000 : 100_000;
const RUNS = smoke ? 1 : 5;
const SCHEMA = "CREATE TABLE bench.kv (id int PRIMARY KEY, payload text)";
const body = Array.from({ length: ROWS }, (_, i) => JSON.stringify({ id: i, payload: "x".repeat(96) + i })).join("\n") + "\n";

const port = () => new Promise((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const hwm = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;

async function measure(name, cmd, args, p) {
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
    const out = { name: `${name}: POST ${ROWS} NDJSON rows → zip`, value: { median: xs[xs.length >> 1], min: xs[0], max: xs[xs.length - 1], runs: RUNS }, unit: "rows/s", note: `peak RSS ${peak.toFixed(0)} MB (${idle.toFixed(0)} MB idle), body ${(body.length / 1e6).toFixed(1)} MB` };
    console.log(`${out.name}: ${Math.round(out.value.median)} rows/s (${Math.round(out.value.min)}–${Math.round(out.value.max)}), ${out.note}`);
    return out;
  } finally {
    child.kill();
  }
}

const results = [];
const dp = await port();
results.push(await measure("Deno, files backend", "node_modules/.bin/deno", ["run", "--allow-net", "--allow-read", "--allow-write", "examples/deno/server.js", String(dp)], dp));
const wp = await port();
results.push(await measure("workerd, memory backend", "node_modules/.bin/workerd", ["serve", "examples/workerd/config.capnp", "--socket-addr", `http=127.0.0.1:${wp}`], wp));
if (!smoke) {
  const file = "bench/results/latest.json";
  const prev = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  writeFileSync(file, JSON.stringify({ ...prev, edge: { date: new Date().toISOString(), results } }, null, 2));
  const md = ["| Example | Median | Min–max | Notes |", "|---|---|---|---|",
    ...results.map((r) => `| ${r.name} | ${Math.round(r.value.median)} rows/s | ${Math.round(r.value.min)}–${Math.round(r.value.max)} | ${r.note} |`)].join("\n") + "\n";
  const readme = readFileSync("README.md", "utf8");
  const start = "<!-- bench:edge -->", end = "<!-- /bench:edge -->";
  if (readme.includes(start)) writeFileSync("README.md", readme.slice(0, readme.indexOf(start) + start.length) + "\n" + md + readme.slice(readme.indexOf(end)));
}
