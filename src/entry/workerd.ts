// Cloudflare Workers (workerd): the core arrives as a WebAssembly.Module
// imported from the worker's own modules; nothing is compiled at run time.
import coreModule from "./core.wasm";
import { setCoreModule } from "../core/core.js";

setCoreModule(coreModule);
export * from "./common.js";
/** The core is loaded when this module is imported; kept for code shared with other runtimes. */
export async function loadCore(): Promise<void> {}
