// Profiling aid: the time of every maintenanceStep(16) of one compaction per
// policy, as a ratio to the budget (`node --cpu-prof` it for detail).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCoreNode } from "../src/core/load-node.js";
import { WriteEngine } from "../src/engine/engine.js";
import { NodeFileStorage } from "../src/storage/node.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { encodeValue } from "../src/types/codec.js";

loadCoreNode();
const storage = process.env.MEM ? new MemoryStorage() : await NodeFileStorage.open(mkdtempSync(join(tmpdir(), "prof-")));
const e = await WriteEngine.open({ storage, schema: "CREATE TABLE bench.kv (id int PRIMARY KEY, payload text)", flushThresholdBytes: 1 << 30, walSync: "none" });
let ts = 1_700_000_000_000_000n;
const policy = process.argv[2] ?? "size-tiered";
for (let f = 0; f < 8; f++) {
  await e.writePartitions(Array.from({ length: 40_000 }, (_, j) => { const id = f * 20_000 + j; const t = ts++; return { key: encodeValue({ kind: "int" }, id), token: 0n, unfiltereds: [{ type: "row" as const, row: { clustering: [], liveness: { timestamp: t, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: t, value: encodeValue({ kind: "text" }, "p".repeat(100) + id) }] } }] }; }));
  await e.flush();
}
e.setMergePolicy(policy === "leveled" ? { kind: "leveled", sstableSize: 2 << 20 } : policy === "time-window" ? { kind: "time-window", windowUnit: "MINUTES", windowSize: 1 } : { kind: "size-tiered" });
const ratios: number[] = [];
for (;;) {
  const s = performance.now();
  const r = await e.maintenanceStep(16);
  const took = performance.now() - s;
  if (r.compaction !== null) ratios.push(took / 16);
  if (!r.pending) break;
}
const sorted = [...ratios].sort((a, b) => a - b);
const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(2);
console.log(`${policy}: ${ratios.length} calls, time/budget p10 ${q(0.1)} median ${q(0.5)} p90 ${q(0.9)} max ${q(1)}; within ±10%: ${ratios.filter((x) => x >= 0.9 && x <= 1.1).length}`);
console.log(ratios.map((x) => x.toFixed(2)).join(" "));
await e.close();
