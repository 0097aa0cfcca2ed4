// Types only: the whole API, for a type checker that does not say which
// runtime it targets (moduleResolution "bundler" without conditions). Each
// runtime's bundle holds its part: openInWorker and OpfsStorage in browsers,
// NodeFileStorage and the CLI's functions in Node, DenoFileStorage in Deno.
export * from "./browser.js";
export * from "./node-only.js";
export { DenoFileStorage } from "../storage/deno.js";
