// Browsers and bundlers: the wasm core is fetched from the URL Vite emits
// and compiled once per worker or page.
import wasmUrl from "../../build/core.wasm?url";
import { setCoreModule, hasCoreModule } from "./core.js";
import { CoreLoadError } from "../errors.js";

let loading: Promise<void> | null = null;

export function loadCoreBrowser(): Promise<void> {
  if (hasCoreModule()) return Promise.resolve();
  loading ??= (async () => {
    const r = await fetch(wasmUrl).catch((e: Error) => {
      throw new CoreLoadError(`the wasm core did not load from ${wasmUrl}: ${e.message}`);
    });
    if (!r.ok) throw new CoreLoadError(`the wasm core did not load from ${wasmUrl}: it answered ${r.status} ${r.statusText}`.trim());
    try {
      setCoreModule(await WebAssembly.compileStreaming(r));
    } catch (e) {
      throw new CoreLoadError(`the wasm core from ${wasmUrl} did not compile: ${(e as Error).message}`);
    }
  })().catch((e) => {
    loading = null; // a later call tries again
    throw e;
  });
  return loading;
}
