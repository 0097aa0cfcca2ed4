#!/usr/bin/env node
// The CLI entry: runs the Node bundle's command line (dist/node.js, built by
// `npm run build:package`, which `npm ci` runs through the prepare script).
import { runCli } from "../dist/node.js";
import { quietOnEpipe } from "./epipe.mjs";

quietOnEpipe(process.stdout);
const code = await runCli(process.argv.slice(2), (s) => process.stdout.write(s + "\n"), (s) => process.stderr.write(s + "\n"));
process.exitCode = code;
