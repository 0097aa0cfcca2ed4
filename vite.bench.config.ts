import { defineConfig } from "vite";

export default defineConfig({
  build: {
    ssr: "bench/node.ts",
    outDir: "dist-bench",
    emptyOutDir: true,
    target: "node20",
    rollupOptions: { output: { format: "es", entryFileNames: "node.js" } },
  },
});
