import { defineConfig } from "vite";

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
  build: {
    outDir: "../dist",
    emptyOutDir: true,
    target: "es2022",
    rollupOptions: { input: { index: "web/index.html", sstable: "web/sstable.html", lab: "web/engine-lab.html" } },
  },
});
