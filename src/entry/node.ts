// Node: the core is read from beside this module (dist/core.wasm) or from
// the repository's build/ directory.
import { loadCoreNode } from "../core/load-node.js";

loadCoreNode();
export * from "./common.js";
export * from "./node-only.js";
/** The core is loaded when this module is imported; kept for code shared with other runtimes. */
export async function loadCore(): Promise<void> {
  loadCoreNode();
}
