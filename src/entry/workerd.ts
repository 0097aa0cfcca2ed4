// Cloudflare Workers (workerd): the core and libzstd arrive as
// WebAssembly.Modules imported from the worker's own modules; nothing is
// compiled at run time.
import coreModule from "./core.wasm";
import libzstdModule from "./libzstd.wasm";
import { setCoreModule } from "../core/core.js";
import { setLibzstdModule } from "../core/libzstd.js";

setCoreModule(coreModule);
setLibzstdModule(libzstdModule);
export * from "./common.js";
/** The core is loaded when this module is imported; kept for code shared with other runtimes. */
export async function loadCore(): Promise<void> {}
