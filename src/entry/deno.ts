// Deno: the core and libzstd are read from beside this module and compiled once.
import { setCoreModule } from "../core/core.js";
import { setLibzstdModule, setLibzstdMissing } from "../core/libzstd.js";

declare const Deno: { readFile(path: URL): Promise<Uint8Array<ArrayBuffer>> };
setCoreModule(new WebAssembly.Module(await Deno.readFile(new URL(/* @vite-ignore */ "./core.wasm", import.meta.url))));
await Deno.readFile(new URL(/* @vite-ignore */ "./libzstd.wasm", import.meta.url)).then(
  (b) => setLibzstdModule(new WebAssembly.Module(b)),
  (e: Error) => setLibzstdMissing(e.message),
);
export * from "./common.js";
export { DenoFileStorage } from "../storage/deno.js";
/** The core is loaded when this module is imported; kept for code shared with other runtimes. */
export async function loadCore(): Promise<void> {}
