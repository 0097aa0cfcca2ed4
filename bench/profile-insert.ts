// Profiling aid: durable inserts of 1 000-row batches on memory storage, for `node --cpu-prof`.
import { loadCoreNode } from "../src/core/load-node.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";

loadCoreNode();
const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE bench.kv (id int PRIMARY KEY, payload text)", flushThresholdBytes: 1 << 30 });
const P = "x".repeat(96);
for (let round = 0; round < 3; round++) {
  const t = performance.now();
  for (let i = 0; i < 100_000; i += 1000) await e.insert(Array.from({ length: 1000 }, (_, k) => ({ id: round * 100_000 + i + k, payload: P + String(i + k).padStart(8, "0") })));
  console.log(`${Math.round(100_000 / ((performance.now() - t) / 1000))} rows/s`);
}
await e.close();
