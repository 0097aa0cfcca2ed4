// ~200 seeded hostile zips (test/fuzz/hostile-zip.ts) into import: each is
// either refused with a CqliteError that has a code, with nothing left in
// storage, or imports exactly the original rows. Stored and deflated zips
// alternate by seed. A failing seed reproduces with mutateZip(zip, seed).
import { test, expect, beforeAll } from "vitest";
import { unzipSync } from "fflate";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { CqliteError } from "../src/errors.js";
import { mutateZip } from "./fuzz/hostile-zip.js";
import { makeZip } from "./zip-make.js";

const SCHEMA = "CREATE TABLE ks.t (id int PRIMARY KEY, v text, n bigint)";
const SEEDS = Number(process.env.FUZZ_SEEDS ?? 200);
let exported: Uint8Array;
let stored: Uint8Array;
let deflated: Uint8Array;
let expected: string[];

const rowsOf = async (e: WriteEngine) => (await e.select("SELECT * FROM t")).map((r) => `${r.id}:${r.v}:${r.n}`).sort();

beforeAll(async () => {
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA, walSync: "none" });
  await e.insert(Array.from({ length: 300 }, (_, id) => ({ id, v: `value ${id}`, n: BigInt(id) * 1000n })));
  const parts: Uint8Array[] = [];
  await e.exportSSTable({ zip: (c) => void parts.push(c.slice()) });
  expected = await rowsOf(e);
  await e.close();
  // the export itself (stored, data descriptors) for half the seeds; for the
  // other half the same files with sizes in their headers, stored or deflated
  exported = new Uint8Array(Buffer.concat(parts));
  const files = Object.entries(unzipSync(exported));
  stored = makeZip(files.map(([name, data]) => ({ name, data })));
  deflated = makeZip(files.map(([name, data]) => ({ name, data, method: 8 as const })));
});

test(`${SEEDS} hostile zips: typed errors with nothing left behind, or the original rows exactly`, async () => {
  const outcomes = new Map<string, number>();
  for (let seed = 1; seed <= SEEDS; seed++) {
    const { bytes, mutation } = mutateZip([exported, stored, exported, deflated][seed % 4], seed);
    const storage = new MemoryStorage();
    const e = await WriteEngine.open({ storage, schema: SCHEMA });
    const what = `seed ${seed}: ${mutation}`;
    try {
      await e.importSSTables(bytes);
      expect(await rowsOf(e), what).toEqual(expected);
      outcomes.set("imported", (outcomes.get("imported") ?? 0) + 1);
    } catch (err) {
      if (!(err instanceof CqliteError)) throw new Error(`${what}: raw ${(err as Error)?.name}: ${(err as Error)?.message}`);
      expect(err.code, what).toMatch(/^[A-Z_]+$/);
      expect(err.message.length, what).toBeLessThanOrEqual(2100);
      expect(await storage.list("import/"), what).toEqual([]);
      expect(await storage.list("sstables/"), what).toEqual([]);
      expect(e.sstables, what).toHaveLength(0);
      outcomes.set(err.code, (outcomes.get(err.code) ?? 0) + 1);
    }
    await e.close();
  }
  console.log(`hostile zips: ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(", ")}`);
  // the mutations reach past the zip into the SSTables' own checks
  expect(outcomes.get("BAD_ZIP")).toBeGreaterThan(20);
  expect(outcomes.size).toBeGreaterThan(3);
}, 600_000);
