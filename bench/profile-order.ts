// A/B aid for the read paths that order clusterings and values: one row and
// slices of a wide partition read through its row index, an IN list of
// clusterings, paging through the wide partition (each page resumes after a
// clustering), a partition merged from an SSTable and a memtable, and ALLOW
// FILTERING over a scan. Prints the median of ROUNDS rounds of each, in ms
// per query (per page, per scan). Build and run:
//   npx rolldown bench/profile-order.ts -o dist-prof/profile-order.mjs -p node --external "node:*" && node dist-prof/profile-order.mjs
import { mkdtempSync, rmSync, cpSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCoreNode } from "../src/core/load-node.js";
import { WriteEngine } from "../src/engine/engine.js";
import { NodeFileStorage } from "../src/storage/node.js";

loadCoreNode();
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const WIDE = 100_000;
const NARROW = 20_000;
const schema = "CREATE TABLE bench.t (pk int, ck int, v text, PRIMARY KEY (pk, ck))";
const v = (i: number) => "x".repeat(60) + String(i).padStart(8, "0");
const open = async (dir: string) => WriteEngine.open({ storage: await NodeFileStorage.open(dir), schema, walSync: "none", flushThresholdBytes: 1 << 30, flushThresholdRows: 10_000_000 });
// DATA=dir: the SSTables are written there once and copied for each run, so
// interleaved runs of two builds spend their time on the reads
const data = process.env.DATA;
if (data && !existsSync(join(data, "done"))) {
  const w = await open(data);
  for (let i = 0; i < WIDE; i += 5000) await w.insert(Array.from({ length: 5000 }, (_, k) => ({ pk: 0, ck: i + k, v: v(i + k) })));
  for (let i = 0; i < NARROW; i += 5000) await w.insert(Array.from({ length: 5000 }, (_, k) => ({ pk: 1 + ((i + k) % 2000), ck: i + k, v: v(i + k) })));
  await w.flush();
  await w.close();
  writeFileSync(join(data, "done"), "");
}
const dir = mkdtempSync(join(tmpdir(), "prof-order-"));
if (data) cpSync(data, dir, { recursive: true });
const e = await open(dir);
if (!data) {
  for (let i = 0; i < WIDE; i += 5000) await e.insert(Array.from({ length: 5000 }, (_, k) => ({ pk: 0, ck: i + k, v: v(i + k) })));
  for (let i = 0; i < NARROW; i += 5000) await e.insert(Array.from({ length: 5000 }, (_, k) => ({ pk: 1 + ((i + k) % 2000), ck: i + k, v: v(i + k) })));
  await e.flush();
}
// partition 1 again, in the memtable: its reads merge two sources
await e.insert(Array.from({ length: 20 }, (_, k) => ({ pk: 1, ck: k * 200 + 1, v: v(k) })));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(name: string, n: number, q: (i: number) => Promise<unknown>): Promise<void> {
  // ONLY=text: just the parts whose name has it (for a profile)
  if (process.env.ONLY && !name.includes(process.env.ONLY)) return;
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) await q(i);
    rounds.push((performance.now() - t) / n);
  }
  console.log(`${name}: ${median(rounds).toFixed(4)} ms`);
}

const at = (i: number) => (i * 7919) % WIDE;
await time("wide: one row (pk = 0 AND ck = ?)", 2000, (i) => e.select("SELECT * FROM t WHERE pk = 0 AND ck = ?", [at(i)]));
await time("wide: a slice of 100 rows", 500, (i) => e.select("SELECT * FROM t WHERE pk = 0 AND ck >= ? AND ck < ?", [at(i), at(i) + 100]));
await time("wide: IN of 20 clusterings", 300, (i) => e.select(`SELECT * FROM t WHERE pk = 0 AND ck IN (${Array.from({ length: 20 }, (_, k) => at(i + k * 31)).join(", ")})`));
await time("wide: the last 10 rows (ORDER BY ck DESC LIMIT 10)", 1000, () => e.select("SELECT * FROM t WHERE pk = 0 ORDER BY ck DESC LIMIT 10"));
await time("wide: 20 pages of 500 rows", 5, async () => {
  let state: string | null = null;
  for (let p = 0; p < 20; p++) state = (await e.selectPage("SELECT * FROM t WHERE pk = 0", [], { pageSize: 500, pagingState: state })).pagingState;
});
await time("merged (SSTable + memtable): whole partition", 2000, () => e.select("SELECT * FROM t WHERE pk = 1"));
await time("merged (SSTable + memtable): slice", 2000, () => e.select("SELECT * FROM t WHERE pk = 1 AND ck >= 1000 AND ck < 3000"));
await time("scan with ALLOW FILTERING (v > ?), every row", 3, () => e.select("SELECT pk, ck FROM t WHERE v > ? ALLOW FILTERING", [v(WIDE - 50)]));
await time("scan with ALLOW FILTERING (ck IN ...), every row", 3, () => e.select("SELECT pk, ck FROM t WHERE ck IN (5, 500, 5000) ALLOW FILTERING"));
await e.close();
rmSync(dir, { recursive: true, force: true });
