// `npm run bench [-- --smoke] [-- --only=PART]`: the Node benchmarks, the edge
// runtimes, then the browser; each given the same flags. --only=edge or
// --only=browser runs that one; --only=<Node part> runs that Node part.
import { execFileSync } from "node:child_process";

const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith("--only="))?.slice(7);
// gc() exposed: the memory lines collect before they measure
const run = (file) => execFileSync(process.execPath, ["--expose-gc", file, ...args], { stdio: "inherit" });
if (only !== "browser" && only !== "edge") {
  run("dist-bench/node.js");
  if (!args.includes("--smoke")) run("bench/report.mjs");
}
if (!only || only === "edge") run("bench/edge.mjs");
if (!only || only === "browser") run("bench/browser.mjs");
