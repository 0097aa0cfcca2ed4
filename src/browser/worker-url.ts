// Where the engine's worker script is. In this repository Vite serves and
// bundles worker.ts; the package build (scripts/build-package.mjs) swaps this
// module for one naming worker.js beside the bundle, so an installed package
// starts the prebuilt worker that way in every bundler and on a static server.
export function startWorker(name: string): Worker {
  return new Worker(new URL("./worker.ts", import.meta.url), { type: "module", name });
}
