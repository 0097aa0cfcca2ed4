import { loadCoreNode } from "../src/core/load-node.js";
import { Memtable } from "../src/memtable/memtable.js";
import { encodePartitionsIndexed } from "../src/core/rowstream.js";
import { tokenOf } from "../src/core/token.js";
import { encodeValue } from "../src/types/codec.js";
import { Partition } from "../src/sstable/model.js";
import { KV_PLAIN } from "./workload.js";
loadCoreNode();
const rows = Number(process.env.ROWS ?? 100_000), B = Number(process.env.B ?? 1000);
const text = "x".repeat(100);
const ts = 1_700_000_000_000_000n;
const bs: Uint8Array[] = [];
for (let b = 0; b < rows; b += B) {
  const ps: Partition[] = [];
  for (let i = b; i < b + B; i++) {
    const key = encodeValue({ kind: "int" }, i);
    ps.push({ key, token: tokenOf(key), unfiltereds: [{ type: "row", row: { clustering: [], liveness: { timestamp: ts, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: ts, value: encodeValue({ kind: "text" }, text + i) }] } }] });
  }
  bs.push(encodePartitionsIndexed(ps).bytes);
}
for (let round = 0; round < Number(process.env.R ?? 10); round++) {
  const m = new Memtable(KV_PLAIN, () => 1_700_000_000);
  const t = performance.now();
  for (const b of bs) m.applyEncoded(b, 1n);
  const s = (performance.now() - t) / 1000;
  if (round % 3 == 0) console.log(`round ${round}: ${(rows / s / 1000).toFixed(0)}k rows/s, ${(s * 1e9 / rows).toFixed(0)} ns/row`);
  m.release();
}
