import { defineConfig } from "vite";

// The Node CLI as one ESM file; the wasm core is read from build/ at run time.
export default defineConfig({
  build: {
    ssr: "src/cli/main.ts",
    outDir: "dist-cli",
    emptyOutDir: true,
    target: "node20",
    rollupOptions: { output: { format: "es", entryFileNames: "main.js" } },
  },
});
