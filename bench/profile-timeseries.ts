// Profiling aid: the browser bench's time series (100 sensors, a row a minute,
// clustering DESC) inserted in batches of 1 000, for `node --cpu-prof`.
import { loadCoreNode } from "../src/core/load-node.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";

loadCoreNode();
const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE bench.ts (sensor text, day int, at timestamp, value double, PRIMARY KEY ((sensor, day), at)) WITH CLUSTERING ORDER BY (at DESC)", flushThresholdBytes: 1 << 30 });
const T0 = 1_700_000_000_000;
const row = (i: number) => ({ sensor: `sensor-${i % 100}`, day: Math.floor(i / 100 / 1440), at: BigInt(T0 + Math.floor(i / 100) * 60_000), value: i * 0.5 });
const t = performance.now();
for (let i = 0; i < 100_000; i += 1000) await e.insert(Array.from({ length: 1000 }, (_, k) => row(i + k)));
console.log(`${Math.round(100_000 / ((performance.now() - t) / 1000))} rows/s`);
await e.close();
