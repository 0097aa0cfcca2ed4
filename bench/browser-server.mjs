// The dev server both browser benchmarks load their page from: COOP/COEP (so
// timers run at full resolution), no watcher and no HMR (an edit during a run
// must not reload the page mid-job).
import { createServer } from "vite";
import { realpathSync } from "node:fs";

const isolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

export async function benchServer(port) {
  const server = await createServer({
    configFile: false, root: "bench/browser", logLevel: "warn",
    server: { host: "127.0.0.1", port, strictPort: true, headers: isolation, fs: { allow: [process.cwd(), realpathSync("node_modules")] }, watch: null, hmr: false },
    optimizeDeps: { exclude: ["@sqlite.org/sqlite-wasm"], include: ["idb-keyval", "fflate", "snappyjs", "comlink"] },
    worker: { format: "es" },
  });
  await server.listen();
  return server;
}
