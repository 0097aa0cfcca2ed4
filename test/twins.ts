// The same rows written as da (BTI) and as nb (BIG), for tests that read both
// and compare; and the random clustering slices such tests ask of them.
import { beforeAll, afterAll } from "vitest";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import type { FormatVersion } from "../src/sstable/version.js";
import { Rng } from "./gen.js";

/** Fills a da engine (on `storage`, whose files a test may list) and an nb one before the file's tests, and closes both after. */
export function twinEngines(filled: (format: FormatVersion, storage?: MemoryStorage) => Promise<WriteEngine>) {
  const t = { storage: new MemoryStorage(), da: null as unknown as WriteEngine, nb: null as unknown as WriteEngine };
  beforeAll(async () => {
    t.da = await filled("da", t.storage);
    t.nb = await filled("nb");
  }, 120_000);
  afterAll(async () => {
    await t.da.close();
    await t.nb.close();
  });
  return t;
}

/** A random slice `ck lo a AND ck hi b` over clusterings about 0..n. */
export function randomSlice(r: Rng, n: number): { a: number; b: number; lo: ">" | ">="; hi: "<" | "<=" } {
  const a = r.int(n + 20) - 10;
  const b = a + r.int(400);
  const lo = r.int(2) ? ">=" : ">";
  const hi = r.int(2) ? "<=" : "<";
  return { a, b, lo, hi };
}

/** A table with a DESC clustering column and a text one, as slice tests read it. */
export const DESC_SCHEMA = "CREATE TABLE ks.d (pk int, a int, b text, v text, PRIMARY KEY (pk, a, b)) WITH CLUSTERING ORDER BY (a DESC, b ASC)";

/** DESC_SCHEMA's rows: one partition of 900 rows over two SSTables, a range of it deleted. */
export async function fillDesc(e: WriteEngine): Promise<void> {
  const rows = [];
  for (let a = 0; a < 300; a++) for (const b of ["x", "y", "z"]) rows.push({ pk: 0, a, b, v: `v-${a}-${b}`.padEnd(40, ".") });
  await e.insert(rows);
  await e.flush();
  await e.execute("DELETE FROM d WHERE pk = 0 AND a = 150 AND b >= 'y'");
  await e.flush();
}
