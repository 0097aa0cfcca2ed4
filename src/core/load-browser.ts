// Browsers and bundlers: the wasm core is fetched from the URL Vite emits
// and compiled once per worker or page.
import wasmUrl from "../../build/core.wasm?url";
import { setCoreModule, hasCoreModule } from "./core.js";
import { CoreLoadError } from "../browser/errors.js";

let loading: Promise<void> | null = null;

export function loadCoreBrowser(): Promise<void> {
  if (hasCoreModule()) return Promise.resolve();
  loading ??= WebAssembly.compileStreaming(fetch(wasmUrl)).then(
    (m) => setCoreModule(m),
    (e) => {
      loading = null; // a later call tries again
      throw new CoreLoadError(`the wasm core did not load from ${wasmUrl}: ${(e as Error)?.message ?? e}`);
    },
  );
  return loading;
}
