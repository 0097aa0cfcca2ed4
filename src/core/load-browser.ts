// Browsers and bundlers: the wasm core is fetched from the URL Vite emits
// and compiled once per worker or page.
import wasmUrl from "../../build/core.wasm?url";
import { setCoreModule, hasCoreModule } from "./core.js";

let loading: Promise<void> | null = null;

export function loadCoreBrowser(): Promise<void> {
  if (hasCoreModule()) return Promise.resolve();
  loading ??= WebAssembly.compileStreaming(fetch(wasmUrl)).then((m) => setCoreModule(m));
  return loading;
}
