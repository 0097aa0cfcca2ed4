/**
 * cqlite-web: an embedded storage engine that speaks Apache Cassandra's CQL
 * and writes (and reads) Cassandra's own SSTables, in browsers, Node, Deno and
 * Cloudflare Workers.
 *
 * `import ... from "cqlite-web"` resolves per runtime (the `browser`,
 * `node`, `deno` and `workerd` export conditions); this reference lists the
 * whole API. What only one runtime has:
 *
 * - browsers: {@link openInWorker} and its {@link BrowserEngine},
 *   {@link destroyDatabase}, {@link listDatabases}, {@link OpfsStorage},
 *   {@link IdleMaintenance}; {@link loadCore} fetches the wasm core for code
 *   that runs the engine in its own worker;
 * - Node: {@link NodeFileStorage} and the command line's functions
 *   ({@link runCli}, {@link load}, {@link loadSSTableFiles});
 * - Deno: {@link DenoFileStorage}.
 *
 * Everything else (the {@link WriteEngine}, {@link MemoryStorage}, the
 * {@link mutation} builders, {@link SSTableReader}, {@link handleSSTables},
 * the errors) is in every runtime's entry. The Playwright helpers are
 * `cqlite-web/testing`.
 *
 * @packageDocumentation
 */
// Types only: the whole API, for a type checker that does not say which
// runtime it targets (moduleResolution "bundler" without conditions), and for
// the API reference (npm run docs:api). Each runtime's bundle holds its part.
export * from "./browser.js";
export * from "./node-only.js";
export { DenoFileStorage } from "../storage/deno.js";
