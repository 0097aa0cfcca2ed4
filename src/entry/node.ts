// Node: the core is read from the package's build directory.
import { loadCoreNode } from "../core/load-node.js";

loadCoreNode();
export * from "./common.js";
export { NodeFileStorage } from "../storage/node.js";
