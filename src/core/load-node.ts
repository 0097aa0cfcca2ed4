// Node and Deno: the wasm core is read from the package's build directory.
import { readFileSync } from "node:fs";
import { setCoreModule, hasCoreModule } from "./core.js";

export function loadCoreNode(): void {
  if (hasCoreModule()) return;
  const url = new URL("../../build/core.wasm", import.meta.url);
  setCoreModule(new WebAssembly.Module(readFileSync(url)));
}
