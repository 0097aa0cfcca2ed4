#!/usr/bin/env node
// The CLI entry: runs the bundled CLI (built by `npm run build:cli`, which
// `npm ci` runs through the prepare script).
import { run } from "../dist-cli/main.js";
import { quietOnEpipe } from "./epipe.mjs";

quietOnEpipe(process.stdout);
const code = await run(process.argv.slice(2), (s) => process.stdout.write(s + "\n"), (s) => process.stderr.write(s + "\n"));
process.exitCode = code;
