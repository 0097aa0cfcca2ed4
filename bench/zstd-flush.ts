// Zstd flush: MB/s of uncompressed Data.db and the bytes Data.db takes, for
// LZ4 and Zstd at several levels and chunk sizes, one 7 MB flush each (the
// best of two). Rows: a time series of sensor readings, text and numbers
// varied enough that compression is neither trivial nor hopeless.
//   npm run bench:zstd   (ZSTD_BENCH_ROWS=N for another size)
import { loadCoreNode } from "../src/core/load-node.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";

loadCoreNode();
const ROWS = Number(process.env.ZSTD_BENCH_ROWS ?? 100_000);
const REPS = 2;
const CASES: [string, string][] = [
  ["LZ4, 16 KiB", "{'class': 'LZ4Compressor', 'chunk_length_in_kb': '16'}"],
  ...[[1, 16], [3, 4], [3, 16], [3, 64], [9, 16], [19, 16]].map(([l, kb]): [string, string] => [`Zstd ${l}, ${kb} KiB`, `{'class': 'ZstdCompressor', 'compression_level': '${l}', 'chunk_length_in_kb': '${kb}'}`]),
];

let seed = 12345;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / (1 << 24);
const statements: string[] = [];
for (let i = 0; i < ROWS; i++) {
  const sensor = `sensor-${(i % 500).toString().padStart(4, "0")}`;
  const status = ["ok", "ok", "ok", "degraded", "offline"][Math.floor(rnd() * 5)];
  statements.push(`INSERT INTO t (sensor, ts, temp, humidity, status, note) VALUES ('${sensor}', ${1_700_000_000_000 + i * 1000}, ${(15 + rnd() * 20).toFixed(3)}, ${Math.floor(rnd() * 100)}, '${status}', 'firmware ${Math.floor(rnd() * 9)}.${Math.floor(rnd() * 20)} rack ${Math.floor(rnd() * 40)} reading ${Math.floor(rnd() * 1e6).toString(36)}')`);
}

for (const [name, compression] of CASES) {
  let best = Infinity;
  let data = 0;
  let length = 0;
  for (let rep = 0; rep < REPS; rep++) {
    const schema = `CREATE TABLE bench.t (sensor text, ts timestamp, temp double, humidity int, status text, note text, PRIMARY KEY (sensor, ts)) WITH compression = ${compression}`;
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema, flushThresholdBytes: 1 << 30, walSync: "none" });
    for (let i = 0; i < statements.length; i += 2000) await e.execute(`BEGIN UNLOGGED BATCH ${statements.slice(i, i + 2000).join("; ")} APPLY BATCH`);
    const t = performance.now();
    const info = (await e.flush())!;
    best = Math.min(best, performance.now() - t);
    data = info.files.find((f) => f.component === "Data.db")!.size;
    length = info.dataLength;
    await e.close();
  }
  console.log(`${name.padEnd(16)} ${(length / 1e6 / (best / 1000)).toFixed(1).padStart(6)} MB/s  Data.db ${data} bytes (${((100 * data) / length).toFixed(1)}% of ${length})`);
}
