// Browsers and bundlers: the wasm core and libzstd (see libzstd.ts) are
// fetched from the URLs Vite emits and compiled once per worker or page. A
// libzstd that does not load fails only the writing of Zstd chunks.
import wasmUrl from "../../build/core.wasm?url";
// by path: the package exports only its JS glue, which this project does not use
import libzstdUrl from "../../node_modules/@bokuweb/zstd-wasm/dist/esm/zstd.wasm?url";
import { setCoreModule, hasCoreModule } from "./core.js";
import { setLibzstdModule, setLibzstdMissing } from "./libzstd.js";
import { CoreLoadError } from "../errors.js";
// hands the core's value order to the codec (sets and maps are sorted by it)
import "./order.js";

let loading: Promise<void> | null = null;

async function compile(url: string, what: string): Promise<WebAssembly.Module> {
  const r = await fetch(url).catch((e: Error) => {
    throw new CoreLoadError(`${what} did not load from ${url}: ${e.message}`);
  });
  if (!r.ok) throw new CoreLoadError(`${what} did not load from ${url}: it answered ${r.status} ${r.statusText}`.trim());
  try {
    return await WebAssembly.compileStreaming(r);
  } catch (e) {
    throw new CoreLoadError(`${what} from ${url} did not compile: ${(e as Error).message}`);
  }
}

export function loadCoreBrowser(): Promise<void> {
  if (hasCoreModule()) return Promise.resolve();
  loading ??= (async () => {
    const libzstd = compile(libzstdUrl, "libzstd").then(setLibzstdModule, (e: Error) => setLibzstdMissing(e.message));
    const core = await compile(wasmUrl, "the wasm core");
    await libzstd;
    setCoreModule(core);
  })().catch((e) => {
    loading = null; // a later call tries again
    throw e;
  });
  return loading;
}
