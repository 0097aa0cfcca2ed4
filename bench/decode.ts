// Reading a partition of thousands of rows whole (issue 18: "a few
// milliseconds"): one partition of 1,466 rows of 14 columns of mixed types,
// flushed and reopened, then SELECTed whole. Profile it with
// `node --cpu-prof dist-bench/node.js --only=decode`.
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { measureAsync } from "./stats.js";
import type { Row } from "./engine.js";

const SCHEMA = `CREATE TABLE bench.events (device uuid, at timestamp, seq int, kind text, source text, value double, ratio float,
  ok boolean, count bigint, tag text, id timeuuid, day date, payload blob, note text, PRIMARY KEY (device, at, seq))`;
const ROWS = 1466;
const DEVICE = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

export async function partitionDecode(smoke: boolean): Promise<Row[]> {
  const storage = new MemoryStorage();
  let e = await WriteEngine.open({ storage, schema: SCHEMA });
  const t0 = Date.UTC(2026, 0, 1);
  await e.insert(Array.from({ length: ROWS }, (_, i) => ({
    device: DEVICE, at: new Date(t0 + i * 60_000), seq: i, kind: ["start", "stop", "tick"][i % 3], source: `sensor-${i % 17}`,
    value: i * 1.25, ratio: (i % 100) / 100, ok: i % 2 === 0, count: BigInt(i) * 1000n, tag: `t${i % 5}`,
    id: `d2177dd0-eaa2-11de-a572-001b779c76e${i % 10}`, day: "2026-01-01", payload: new Uint8Array(16).fill(i & 255), note: "n".repeat(40),
  })));
  await e.close();
  e = await WriteEngine.open({ storage, schema: SCHEMA });
  const q = `SELECT * FROM bench.events WHERE device = ${DEVICE}`;
  const read = async () => {
    const t = performance.now();
    const rows = await e.select(q);
    if (rows.length !== ROWS) throw new Error(`read ${rows.length} of ${ROWS} rows`);
    return performance.now() - t;
  };
  // warm up: V8 tiers the decoder up by call count
  for (let i = 0; i < (smoke ? 3 : 50); i++) await read();
  const m = await measureAsync(smoke ? 5 : 101, read);
  await e.close();
  return [{ name: `a whole partition of ${ROWS} rows of 14 columns of mixed types (SELECT * ... WHERE pk = ?, flushed, reopened)`, value: m, unit: "ms", note: `${((m.median * 1000) / ROWS).toFixed(1)} µs a row; target: a few ms` }];
}
