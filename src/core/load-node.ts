// Node and Deno: the wasm core is read from the package's build directory,
// found relative to this module whether it runs from src/ or a bundle.
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setCoreModule, hasCoreModule } from "./core.js";

// beside the package bundle (dist/), or the repository's build/ from src/ or a dist-* bundle
const CANDIDATES = ["./core.wasm", "../../build/core.wasm", "../build/core.wasm"];

export function loadCoreNode(): void {
  if (hasCoreModule()) return;
  for (const rel of CANDIDATES) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(url))) {
      setCoreModule(new WebAssembly.Module(readFileSync(url)));
      return;
    }
  }
  throw new Error("cqlite-web: build/core.wasm not found; run `npm run build:core`");
}
