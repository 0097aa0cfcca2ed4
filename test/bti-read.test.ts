// Reads of 'da' (BTI) tables through their tries, against the same writes
// in 'nb' as the oracle: point reads of narrow and wide partitions, slices
// of a wide partition through Rows.db (a range deletion across many blocks,
// newer rows inside it in another SSTable), scans, and keys not there.
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { twinEngines, randomSlice, DESC_SCHEMA, fillDesc } from "./twins.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { Rng } from "./gen.js";
import { CqlValue } from "../src/types/codec.js";
import { FormatVersion } from "../src/sstable/version.js";

const N = 3000;
const SCHEMA = "CREATE TABLE ks.t (pk int, ck int, v text, PRIMARY KEY (pk, ck))";

async function filled(format: FormatVersion, storage = new MemoryStorage()): Promise<WriteEngine> {
  const e = await WriteEngine.open({ storage, schema: SCHEMA, walSync: "none", indexBlockSize: 1024, format });
  for (let i = 0; i < N; i += 1000) await e.insert(Array.from({ length: 1000 }, (_, k) => ({ pk: 0, ck: i + k, v: `old-${i + k}` })));
  await e.insert(Array.from({ length: 200 }, (_, k) => ({ pk: k + 1, ck: k, v: `narrow-${k}` })));
  await e.flush();
  await e.execute("DELETE FROM t USING TIMESTAMP 5000000000000000 WHERE pk = 0 AND ck >= 100 AND ck < 2500");
  for (let k = 50; k < N; k += 3) await e.execute("INSERT INTO t (pk, ck, v) VALUES (0, ?, ?) USING TIMESTAMP 6000000000000000", [k, `new-${k}`]);
  await e.execute("DELETE FROM t WHERE pk = 7");
  await e.flush();
  return e;
}

describe("da against nb: the same rows through the tries", () => {
  const twins = twinEngines(filled);

  test("flushes wrote BTI files: Partitions.db and Rows.db, no Index.db or Summary.db", async () => {
    const names = (await twins.storage.list("sstables/")).map((n) => n.replace(/^.*\//, ""));
    expect(names.some((n) => /^da-\d+-bti-Partitions\.db$/.test(n))).toBe(true);
    expect(names.some((n) => /^da-\d+-bti-Rows\.db$/.test(n))).toBe(true);
    expect(names.some((n) => /Index\.db|Summary\.db/.test(n))).toBe(false);
  });

  test("point reads: every narrow partition, the deleted one, missing keys", async () => {
    for (let pk = 1; pk <= 205; pk++) {
      const q = "SELECT * FROM t WHERE pk = ?";
      expect(await twins.da.select(q, [pk]), `pk ${pk}`).toEqual(await twins.nb.select(q, [pk]));
    }
    expect(await twins.da.select("SELECT * FROM t WHERE pk = 7")).toEqual([]);
    expect(await twins.da.select("SELECT * FROM t WHERE pk = -5")).toEqual([]);
  });

  test("the whole table in a scan", async () => {
    expect(await twins.da.select("SELECT * FROM t")).toEqual(await twins.nb.select("SELECT * FROM t"));
  });

  const shapes: [string, CqlValue[]][] = [
    ["ck = ?", [2000]], ["ck = ?", [2001]], ["ck = ?", [99]], ["ck = ?", [0]], ["ck = ?", [N - 1]], ["ck = ?", [N + 5]],
    ["ck < ?", [120]], ["ck <= ?", [2499]], ["ck > ?", [2490]], ["ck >= ? AND ck < ?", [1500, 1600]],
    ["ck > ? AND ck <= ?", [95, 105]], ["ck IN (?, ?, ?, ?)", [5, 1999, 2000, 2999]],
  ];
  for (const [where, params] of shapes) {
    test(`slice WHERE pk = 0 AND ${where} ${JSON.stringify(params)}: nb's rows, from fewer blocks`, async () => {
      const before = twins.da.readStats();
      const q = `SELECT * FROM t WHERE pk = 0 AND ${where}`;
      expect(await twins.da.select(q, params)).toEqual(await twins.nb.select(q, params));
      expect(twins.da.readStats().blocksSkipped).toBeGreaterThan(before.blocksSkipped);
      const desc = `${q} ORDER BY ck DESC`;
      expect(await twins.da.select(desc, params)).toEqual(await twins.nb.select(desc, params));
    });
  }

  test("random slices agree with nb", async () => {
    const r = new Rng(91);
    for (let q = 0; q < 40; q++) {
      const { a, b, lo, hi } = randomSlice(r, N);
      const sql = `SELECT * FROM t WHERE pk = 0 AND ck ${lo} ? AND ck ${hi} ?`;
      expect(await twins.da.select(sql, [a, b]), sql).toEqual(await twins.nb.select(sql, [a, b]));
    }
  });
});

describe("da slices over a DESC clustering column and a text one", () => {
  const open = async (format: FormatVersion) => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: DESC_SCHEMA, walSync: "none", indexBlockSize: 1024, format });
    await fillDesc(e);
    return e;
  };
  test("every shape agrees with nb", async () => {
    const da = await open("da");
    const nb = await open("nb");
    const shapes: [string, CqlValue[]][] = [
      ["a = ?", [120]], ["a > ?", [280]], ["a < ?", [10]], ["a >= ? AND a <= ?", [148, 152]], ["a = ? AND b > ?", [150, "x"]],
      ["a = ? AND b IN (?, ?)", [200, "x", "z"]], ["a IN (?, ?) AND b = ?", [3, 299, "y"]], ["(a, b) = (?, ?)", [42, "z"]],
    ];
    for (const [where, params] of shapes) {
      const q = `SELECT * FROM d WHERE pk = 0 AND ${where}`;
      const before = da.readStats();
      expect(await da.select(q, params), q).toEqual(await nb.select(q, params));
      expect(da.readStats().blocksSkipped, q).toBeGreaterThan(before.blocksSkipped);
    }
    await da.close();
    await nb.close();
  }, 60_000);
});
