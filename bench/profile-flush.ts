// Profiling aid: one large flush, for `node --cpu-prof`.
import { loadCoreNode } from "../src/core/load-node.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { encodeValue } from "../src/types/codec.js";

loadCoreNode();
const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE bench.kv (id int PRIMARY KEY, payload text)", flushThresholdBytes: 1 << 30, walSync: "none" });
const ts = 1_700_000_000_000_000n;
for (let i = 0; i < 300_000; i += 10_000)
  await e.writePartitions(Array.from({ length: 10_000 }, (_, j) => ({ key: encodeValue({ kind: "int" }, i + j), token: 0n, unfiltereds: [{ type: "row" as const, row: { clustering: [], liveness: { timestamp: ts, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: ts, value: encodeValue({ kind: "text" }, "p".repeat(100) + (i + j)) }] } }] })));
const t = performance.now();
const info = await e.flush();
console.log(`flush ${(info!.dataLength / 1e6).toFixed(1)} MB in ${(performance.now() - t).toFixed(0)} ms`);
await e.close();
