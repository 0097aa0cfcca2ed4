import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

const page = (name: string) => fileURLToPath(new URL(`./web/${name}`, import.meta.url));

// COOP/COEP make the page cross-origin isolated, so performance.now() keeps
// its full resolution (benchmarks) and SharedArrayBuffer is available.
const isolation = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

export default defineConfig({
  root: "web",
  publicDir: false,
  server: { host: "127.0.0.1", port: 5173, headers: isolation, fs: { allow: [".."] } },
  preview: { host: "127.0.0.1", port: 4173, headers: isolation },
  worker: { format: "es" },
  // pre-bundled up front: a dependency found late makes the dev server reload the page mid-test
  optimizeDeps: { include: ["comlink", "fflate", "chai", "@vitest/expect", "idb-keyval", "snappyjs"] },
  build: {
    outDir: "../dist-demo",
    emptyOutDir: true,
    target: "es2022",
    rollupOptions: { input: { index: page("index.html"), sstable: page("sstable.html"), lab: page("engine-lab.html") } },
  },
});
