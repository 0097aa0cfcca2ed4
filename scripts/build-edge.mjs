// The runtime bundles, one self-contained file each (a Worker lists its
// modules one by one): dist-edge/{deno,workerd,node}.js, with core.wasm
// beside them (workerd imports it as a module; Deno and Node read it).
import { build } from "vite";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";

rmSync("dist-edge", { recursive: true, force: true });
for (const name of ["deno", "workerd", "node"]) {
  await build({
    configFile: false,
    publicDir: false,
    logLevel: "warn",
    build: {
      outDir: "dist-edge",
      emptyOutDir: false,
      target: "es2022",
      minify: false,
      lib: { entry: `src/entry/${name}.ts`, formats: ["es"], fileName: () => `${name}.js` },
      rollupOptions: { external: [/\.wasm$/, /^node:/] },
    },
  });
}
mkdirSync("dist-edge", { recursive: true });
copyFileSync("build/core.wasm", "dist-edge/core.wasm");
