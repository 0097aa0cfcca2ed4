#!/usr/bin/env node
// The CLI entry: runs the Node bundle's command line (dist/node.js, built by
// `npm run build:package`, which `npm ci` runs through the prepare script).
import { setFlagsFromString } from "node:v8";
import { runCli } from "../dist/node.js";
import { quietOnEpipe } from "./epipe.mjs";

quietOnEpipe(process.stdout);
// A load is this process's one job, and V8's default growth let the export's
// garbage take the heap to 330 MB at three million rows (peak RSS 564 MB);
// growing it by at most a fifth at a time holds the peak near 380 MB (README,
// "Batches encoded in the core"). Set here, not in runCli: a program calling
// runCli keeps its own heap settings.
if (process.argv[2] === "load") setFlagsFromString("--heap-growing-percent=20");
const code = await runCli(process.argv.slice(2), (s) => process.stdout.write(s + "\n"), (s) => process.stderr.write(s + "\n"));
process.exitCode = code;
