// A probe of the platform, not of this engine: what a Chromium worker pays to
// touch fresh wasm memory for the first time (a byte per 4 KiB page), to
// touch it again, and to fill it warm and cold. The million-row write job
// fills a memtable of fresh memory (275 MB since session 22); the README cites this probe.
//   node bench/first-touch.mjs [MB=300] [runs=3]
import { openBenchPage } from "./browser-server.mjs";

const [mb = 300, runs = 3] = process.argv.slice(2).map(Number);
// the worker's times, in ms; each run is a fresh worker
const worker = `
onmessage = (e) => {
  const pages = e.data * 16;
  const out = {};
  const fresh = () => {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
    m.grow(pages);
    return new Uint8Array(m.buffer);
  };
  const u = fresh();
  let t = performance.now();
  for (let i = 65536; i < u.length; i += 4096) u[i] = 1;
  out.firstTouch = performance.now() - t;
  t = performance.now();
  for (let i = 65536; i < u.length; i += 4096) u[i] = 2;
  out.touchAgain = performance.now() - t;
  t = performance.now();
  u.fill(3, 65536);
  out.fillWarm = performance.now() - t;
  const v = fresh();
  t = performance.now();
  v.fill(3, 65536);
  out.fillCold = performance.now() - t;
  postMessage(out);
};`;
const port = Number(process.env.BENCH_PORT ?? 5178);
// the bench's own page: cross-origin isolated, so timers run at full resolution
const { page, close } = await openBenchPage(port, { profilePrefix: "cqlite-touch-" });
try {
  for (let i = 0; i < runs; i++) {
    const r = await page.evaluate(([src, n]) => new Promise((resolve) => {
      const w = new Worker(URL.createObjectURL(new Blob([src], { type: "text/javascript" })));
      w.onmessage = (e) => { resolve(e.data); w.terminate(); };
      w.postMessage(n);
    }), [worker, mb]);
    console.log(`${mb} MB: ${Object.entries(r).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(", ")}`);
  }
} finally {
  await close();
}
