// Profiling aid: point reads (get) and a full scan of a flushed 100 000-row kv table on file storage, as the browser bench's reads job does, for `node --cpu-prof`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCoreNode } from "../src/core/load-node.js";
import { WriteEngine } from "../src/engine/engine.js";
import { NodeFileStorage } from "../src/storage/node.js";
import { MemoryStorage } from "../src/storage/memory.js";

loadCoreNode();
const dir = mkdtempSync(join(tmpdir(), "prof-get-"));
// MEMORY=1: reads without a system call, nearer OPFS's synchronous access handles than Node's thread-pool reads
const storage = process.env.MEMORY ? new MemoryStorage() : await NodeFileStorage.open(dir);
const e = await WriteEngine.open({ storage, schema: "CREATE TABLE bench.kv (id int PRIMARY KEY, payload text)", flushThresholdBytes: 1 << 30, flushThresholdRows: 10_000_000 });
const P = "x".repeat(96);
const ROWS = 100_000;
for (let i = 0; i < ROWS; i += 10_000) {
  const id = new Int32Array(10_000), payload: string[] = [];
  for (let k = 0; k < 10_000; k++) (id[k] = i + k), payload.push(P + String(i + k).padStart(8, "0"));
  await e.insertColumns({ id, payload });
}
await e.flush();
for (let round = 0; round < Number(process.env.ROUNDS ?? 5); round++) {
  const xs: number[] = [];
  for (let k = 0; k < (process.env.SCAN_ONLY ? 1 : 20_000); k++) {
    const id = (k * 7919) % ROWS;
    const t = performance.now();
    if ((await e.get({ id })).length !== 1) throw new Error(`row ${id} missing`);
    xs.push((performance.now() - t) * 1000);
  }
  xs.sort((a, b) => a - b);
  const t = performance.now();
  let n = 0;
  if (!process.env.GETS_ONLY) for await (const _ of e.scan()) n++;
  const s = e.readStats();
  console.log(`get p50 ${xs[xs.length >> 1].toFixed(1)} µs p99 ${xs[Math.floor(xs.length * 0.99)].toFixed(1)} µs; scan ${Math.round(n / ((performance.now() - t) / 1000))} rows/s; chunk cache ${s.chunkCache.hits}/${s.chunkCache.misses}, key cache ${s.keyCache.hits}/${s.keyCache.misses} ${s.keyCache.bytes}/${s.keyCache.maxBytes}`);
}
await e.close();
rmSync(dir, { recursive: true });
