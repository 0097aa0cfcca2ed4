// Where the engine's worker script is. In this repository Vite serves and
// bundles worker.ts; the package build (scripts/build-package.mjs) swaps this
// module for one naming worker.js beside the bundle, so an installed package
// starts the prebuilt worker that way in every bundler and on a static server.
// The script's URL rides on the worker so a failed load can be explained.
export function startWorker(name: string): Worker {
  const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module", name });
  return Object.assign(worker, { scriptUrl: new URL(/* @vite-ignore */ "./worker.ts", import.meta.url).href });
}
