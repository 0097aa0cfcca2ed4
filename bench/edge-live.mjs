// The chunked POST /sstables (the Worker example's code) in Node, measuring
// what a Worker's 128 MB limit counts: live JS heap plus external memory
// (ArrayBuffers, the wasm core's memory), after a forced GC at every 20 000
// rows of body. The body is generated as it is read, so none of it is held
// here.   node --expose-gc bench/edge-live.mjs ROWS  → prints JSON
import { handleSSTables, MemoryStorage } from "../dist/node.js";

const ROWS = Number(process.argv[2] ?? 100_000);
let peak = 0;
const sample = () => {
  globalThis.gc();
  const m = process.memoryUsage();
  peak = Math.max(peak, m.heapUsed + m.external);
};
function body() {
  let i = 0;
  const enc = new TextEncoder();
  return new ReadableStream({
    pull(c) {
      if (i % 20_000 === 0) sample();
      if (i >= ROWS) return c.close();
      let s = "";
      for (let k = 0; k < 1000 && i < ROWS; k++, i++) s += JSON.stringify({ id: i, payload: "x".repeat(96) + i }) + "\n";
      c.enqueue(enc.encode(s));
    },
  });
}
sample();
const base = peak;
peak = 0;
const req = new Request("http://x/sstables", { method: "POST", body: body(), duplex: "half", headers: { "content-type": "application/x-ndjson", "x-cql-schema": "CREATE TABLE bench.kv (id int PRIMARY KEY, payload text)" } });
const res = await handleSSTables(req, { maxBodyBytes: 1 << 30, chunkBytes: 2 << 20, storage: async () => ({ storage: new MemoryStorage(), dispose: async () => {} }) });
let zipBytes = 0;
for await (const c of res.body) zipBytes += c.length;
sample();
if (res.status !== 200) throw new Error(`status ${res.status}`);
console.log(JSON.stringify({ rows: ROWS, zipBytes, baseMB: base / 1e6, peakMB: peak / 1e6 }));
