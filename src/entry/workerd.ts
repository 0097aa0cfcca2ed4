// Cloudflare Workers (workerd): the core arrives as a WebAssembly.Module
// imported from the worker's own modules; nothing is compiled at run time.
import coreModule from "./core.wasm";
import { setCoreModule } from "../core/core.js";

setCoreModule(coreModule);
export * from "./common.js";
