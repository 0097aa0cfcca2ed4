// Node and Deno: the wasm core is read from the package's build directory,
// found relative to this module whether it runs from src/ or a bundle.
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setCoreModule, hasCoreModule } from "./core.js";
import { setLibzstdModule, setLibzstdMissing, hasLibzstdModule } from "./libzstd.js";
// hands the core's value order to the codec (sets and maps are sorted by it)
import "./order.js";

// Beside the package bundle (dist/), or the repository's build/ from a dist-*
// bundle (one level down) or from src/core (two). The nearer comes first: from
// a bundle one level down, two levels up is outside the repository, where a
// stray build/core.wasm of another checkout was once taken for this one's.
const CANDIDATES = ["./core.wasm", "../build/core.wasm", "../../build/core.wasm"];
// beside the package bundle, or in the repository's node_modules (see libzstd.ts), nearer first as above
const LIBZSTD = "@bokuweb/zstd-wasm/dist/esm/zstd.wasm";
const LIBZSTD_CANDIDATES = ["./libzstd.wasm", `../node_modules/${LIBZSTD}`, `../../node_modules/${LIBZSTD}`];

function compileFirst(candidates: string[]): WebAssembly.Module | null {
  for (const rel of candidates) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(url))) return new WebAssembly.Module(readFileSync(url));
  }
  return null;
}

export function loadCoreNode(): void {
  if (!hasLibzstdModule()) {
    const z = compileFirst(LIBZSTD_CANDIDATES);
    if (z) setLibzstdModule(z);
    else setLibzstdMissing("not found beside the bundle nor in node_modules/@bokuweb/zstd-wasm");
  }
  if (hasCoreModule()) return;
  const m = compileFirst(CANDIDATES);
  if (!m) throw new Error("cqlite-web: build/core.wasm not found; run `npm run build:core`");
  setCoreModule(m);
}
