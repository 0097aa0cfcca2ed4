// Browsers: the engine in a dedicated worker for pages (openInWorker), and
// the engine itself for code that already runs in a worker (OPFS storage,
// the core fetched beside this module by loadCore()).
export * from "../browser/index.js";
export * from "./common.js";
export { OpfsStorage } from "../storage/opfs.js";
export type { OpfsStorageOptions } from "../storage/opfs.js";
export { loadCoreBrowser as loadCore } from "../core/load-browser.js";
