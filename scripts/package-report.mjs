// Measures the tarball `npm pack` would make (from the dist/ on disk: run
// `npm run build:package` first) and writes its contents and size into the
// README between <!-- package:files --> and <!-- /package:files -->.
//   node scripts/package-report.mjs          (npm run readme:package)
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

const [pack] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;

// one row per file, except the declarations and the docs, a row per folder
const rows = new Map();
for (const f of pack.files) {
  const group = f.path.startsWith("dist/types/") ? "dist/types/**/*.d.ts" : f.path.startsWith("docs/") ? "docs/**/*.md" : f.path;
  const r = rows.get(group) ?? { files: 0, size: 0 };
  r.files++;
  r.size += f.size;
  rows.set(group, r);
}
const what = {
  "dist/browser.js": "browsers: openInWorker, catalog, OPFS, the engine for code in a worker",
  "dist/worker.js": "the worker openInWorker starts",
  "dist/node.js": "Node: engine, file storage, the CLI's functions",
  "dist/deno.js": "Deno",
  "dist/workerd.js": "Cloudflare Workers",
  "dist/testing.js": "Playwright fixture",
  "dist/core.wasm": "the wasm core",
  "dist/libzstd.wasm": "libzstd 1.5.7 (Zstd chunks as Cassandra writes them)",
  "dist/types/**/*.d.ts": "declarations",
  "bin/cqlite-web.mjs": "the CLI",
};
const table = [
  "| Path | Files | Size | |",
  "|---|---|---|---|",
  ...[...rows].sort(([a], [b]) => a.localeCompare(b)).map(([p, r]) => `| \`${p}\` | ${r.files} | ${kb(r.size)} | ${what[p] ?? ""} |`),
].join("\n");
const every = pack.files.map((f) => f.path).sort().join("\n");
const text = `${pack.entryCount} files, ${kb(pack.size)} packed, ${kb(pack.unpackedSize)} unpacked (\`npm pack\` of ${pack.name} ${pack.version}, measured by \`npm run readme:package\`).\n\n${table}\n\n<details><summary>Every file</summary>\n\n\`\`\`\n${every}\n\`\`\`\n</details>`;

const readme = readFileSync("README.md", "utf8");
const start = "<!-- package:files -->";
const end = "<!-- /package:files -->";
const a = readme.indexOf(start);
const b = readme.indexOf(end);
if (a < 0 || b < a) throw new Error(`README.md has no ${start} ... ${end} section`);
writeFileSync("README.md", `${readme.slice(0, a + start.length)}\n${text}\n${readme.slice(b)}`);
console.log(text);
