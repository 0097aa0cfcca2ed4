// Renders the Node part of bench/results/latest.json into the README, between
// its markers: the table is the benchmark's output, never typed by hand.
import { readFileSync, writeFileSync } from "node:fs";

const { node } = JSON.parse(readFileSync("bench/results/latest.json", "utf8"));
const d = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const lines = [`Node ${process.version}, ${node.date.slice(0, 10)}. Median (min–max) of the runs shown; one run where min = max.`, "",
  "| Benchmark | Median | Min–max | Notes |", "|---|---|---|---|"];
for (const rows of Object.values(node.parts)) {
  for (const r of rows) {
    const ratio = r.ratio ? `×${r.ratio.toFixed(2)} vs ${r.peer}` : "";
    lines.push(`| ${r.name} | ${d(r.value.median)} ${r.unit} | ${d(r.value.min)}–${d(r.value.max)} | ${[ratio, r.note ?? ""].filter(Boolean).join("; ")} |`);
  }
}
const md = lines.join("\n") + "\n";
const readme = readFileSync("README.md", "utf8");
const start = "<!-- bench:node -->", end = "<!-- /bench:node -->";
if (!readme.includes(start)) throw new Error("README has no bench:node markers");
writeFileSync("README.md", readme.slice(0, readme.indexOf(start) + start.length) + "\n" + md + readme.slice(readme.indexOf(end)));
