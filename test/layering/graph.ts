// The import graph of src/ and the layers it must respect. Dependencies point
// one way: a file may import its own layer or a lower one, never a higher.
// Layers are matched by path prefix, the longest first, so one file can sit
// apart from its directory (the engine's facade above the engine's parts).
import { readFileSync, readdirSync } from "node:fs";
import { join, dirname, normalize, relative } from "node:path";

/** Lowest first. Each entry: layer name and the path prefixes (relative to the repository) it holds. */
export const LAYERS: [string, string[]][] = [
  // the wasm files the loaders take by path (core.wasm, libzstd's) sit with the leaves
  ["base", ["src/errors.ts", "src/util/", "src/vite-env.d.ts", "assembly/format/", "build/", "node_modules/@bokuweb/zstd-wasm/dist/esm/zstd.wasm"]],
  ["types", ["src/types/", "src/storage/"]],
  ["schema", ["src/schema/", "src/sstable/model.ts"]],
  ["core", ["src/core/"]],
  ["sstable", ["src/sstable/"]],
  ["storage-engine", ["src/memtable/", "src/wal/", "src/version/"]],
  ["read", ["src/read/", "src/compaction/"]],
  ["engine", ["src/engine/"]],
  ["language", ["src/cql/", "src/tools/", "src/mutation/", "src/batch/"]],
  ["transfer", ["src/export/"]],
  ["facade", ["src/engine/engine.ts", "src/engine/config.ts", "src/engine/session.ts", "src/engine/transfer.ts"]],
  ["hosts", ["src/cli/", "src/browser/", "src/edge/", "src/testing/"]],
  ["entry", ["src/entry/"]],
];

export interface Edge {
  from: string;
  to: string;
  /** the import specifier as written */
  spec: string;
}

/** The .ts files under `dir` (paths relative to `root`). */
export function sourceFiles(root: string, dir = "src"): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(join(root, d), { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith(".ts")) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Every relative import and re-export in the .ts files under `dir` (paths relative to `root`). */
export function importGraph(root: string, dir = "src"): Edge[] {
  const edges: Edge[] = [];
  for (const p of sourceFiles(root, dir)) {
    const text = readFileSync(join(root, p), "utf8");
    // static imports and re-exports, and import("...") in types or dynamic imports
    const specs = [...text.matchAll(/^\s*(?:import|export)\b[^;'"]*?(?:from\s*)?["'](\.{1,2}\/[^"']+)["']/gm), ...text.matchAll(/\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)];
    for (const m of specs) {
      const to = normalize(join(dirname(p), m[1])).replace(/\.js$/, ".ts").replace(/\?.*$/, "");
      edges.push({ from: p, to: relative(".", to), spec: m[1] });
    }
  }
  return edges;
}

/** The layer index of a path, or -1 if no layer holds it. */
export function layerOf(path: string, layers = LAYERS): number {
  let best = -1;
  let bestLength = -1;
  layers.forEach(([, prefixes], i) => {
    for (const p of prefixes) if (path.startsWith(p) && p.length > bestLength) [best, bestLength] = [i, p.length];
  });
  return best;
}

/** Edges that point up a layer, or touch a file no layer holds, each as one line naming the file and the import. */
export function violations(edges: Edge[], layers = LAYERS): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const a = layerOf(e.from, layers);
    const b = layerOf(e.to, layers);
    if (a < 0) out.push(`${e.from}: in no layer`);
    else if (b < 0) out.push(`${e.from} imports ${e.spec}: ${e.to} is in no layer`);
    else if (b > a) out.push(`${e.from} (${layers[a][0]}) imports ${e.spec} (${layers[b][0]}): an edge pointing up`);
  }
  return [...new Set(out)];
}
