// `npm run bench [-- --smoke] [-- --only=PART]`: the Node benchmarks, then the
// browser ones (skipped with --only=PART for a Node part, or --node), each
// given the same flags.
import { execFileSync } from "node:child_process";

const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith("--only="))?.slice(7);
const run = (file) => execFileSync(process.execPath, [file, ...args], { stdio: "inherit" });
if (only !== "browser") run("dist-bench/node.js");
if (!args.includes("--node") && (!only || only === "browser")) run("bench/browser.mjs");
