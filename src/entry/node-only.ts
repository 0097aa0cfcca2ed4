// What only Node has: file storage, and the command line's functions for
// programmatic use.
export { NodeFileStorage } from "../storage/node.js";
export { run as runCli, loadSSTableFiles } from "../cli/main.js";
export { load } from "../cli/load.js";
export { readInputs } from "../cli/inputs.js";
export type { TableInput, SSTableInput } from "../cli/inputs.js";
export type { LoadOptions, LoadReport } from "../cli/load.js";
