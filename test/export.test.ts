// Export to Cassandra's layout and zip, and import of Cassandra's SSTables.
import { describe, test, expect } from "vitest";
import { unzipSync } from "fflate";
import { fixtureTables } from "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { SSTableReader, schemaFromHeader } from "../src/sstable/reader.js";
import { materialize } from "../src/read/materialize.js";
import { parseTable } from "../src/cql/ddl.js";
import { schemaCql } from "../src/schema/cql.js";
import { Rng, randomSchema, randomPartitions } from "./gen.js";
import { sortRows } from "./oracle.js";
import { ImportError, ZipError } from "../src/export/import.js";
import { BadFileNameError } from "../src/sstable/names.js";
import { SchemaError, UnsupportedFormatError } from "../src/errors.js";

async function scanRows(e: WriteEngine) {
  const out = [];
  for await (const r of e.scan()) out.push(r);
  return sortRows(out);
}

async function exportZip(e: WriteEngine, opts = {}) {
  const chunks: Uint8Array[] = [];
  const report = await e.exportSSTable({ ...opts, zip: (c) => void chunks.push(c.slice()) });
  const zip = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    zip.set(c, o);
    o += c.length;
  }
  return { report, zip, chunks };
}

async function rowsOfZip(zip: Uint8Array) {
  const files = unzipSync(zip);
  const schemaFile = Object.keys(files).find((n) => n.endsWith("schema.cql"))!;
  const schema = parseTable(new TextDecoder().decode(files[schemaFile]));
  const sst = new Map(Object.entries(files).filter(([n]) => !n.endsWith(".cql")).map(([n, b]) => [n.split("/").pop()!, b]));
  const r = await SSTableReader.openFiles(sst, { schema });
  await r.verifyChecksums();
  const rows = [];
  for await (const p of r.scan()) rows.push(...materialize(schema, p));
  return { names: Object.keys(files), rows: sortRows(rows), schema };
}

describe("export", () => {
  for (const version of ["nb", "md"] as const) {
    test(`mixed workload (random schemas: every type, deletions, TTLs, statics) exported as ${version}, unzipped and read back`, async () => {
      for (let seed = 1; seed <= 8; seed++) {
        const r = new Rng(seed * 4241);
        const schema = randomSchema(r);
        const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: schemaCql(schema) });
        for (let b = 0; b < 3; b++) {
          await e.writePartitions(randomPartitions(new Rng(seed * 10 + (b % 2)), e.schema, 15));
          if (b < 2) await e.flush();
        }
        const want = await scanRows(e);
        const { report, zip } = await exportZip(e, { version });
        expect(report.validated).toBe(true);
        const got = await rowsOfZip(zip);
        const dir = `ks/t-${e.schema.id.replace(/-/g, "")}/`;
        expect(got.names.sort()).toEqual(report.files.map((f) => f.name).sort());
        expect(got.names.every((n) => n.startsWith(dir))).toBe(true);
        expect(got.names.some((n) => n === `${dir}${version}-1-big-Data.db`)).toBe(true);
        expect(got.rows).toEqual(want);
        await e.close();
      }
    });
  }

  test("the zip streams out in bounded chunks", async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE ks.big (k int PRIMARY KEY, v text) WITH compression = {'enabled': 'false'}" });
    const { encodeValue } = await import("../src/types/codec.js");
    const ts = 1_700_000_000_000_000n;
    for (let b = 0; b < 4; b++) {
      await e.writePartitions(Array.from({ length: 5000 }, (_, i) => ({
        key: encodeValue({ kind: "int" }, b * 5000 + i), token: 0n,
        unfiltereds: [{ type: "row" as const, row: { clustering: [], liveness: { timestamp: ts, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: ts, value: encodeValue({ kind: "text" }, "v".repeat(200)) }] } }],
      })));
    }
    const { report, chunks } = await exportZip(e);
    expect(report.partitions).toBe(20000);
    expect(report.totalSize).toBeGreaterThan(4_000_000);
    expect(chunks.length).toBeGreaterThan(4);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual((1 << 20) + 1024);
    await e.close();
  });

  async function threeFlushes() {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE ks.t (k int PRIMARY KEY, v text)" });
    for (let f = 0; f < 3; f++) {
      await e.execute("BEGIN BATCH " + Array.from({ length: 50 }, (_, i) => `INSERT INTO t (k, v) VALUES (${f * 40 + i}, 'f${f}')`).join("; ") + " APPLY BATCH");
      await e.flush();
    }
    return e;
  }

  test("the report names the token range; with compact: false every live SSTable is exported as one of its own", async () => {
    const e = await threeFlushes();
    const want = await scanRows(e);
    const { tokenOf } = await import("../src/core/token.js");
    const { encodeValue } = await import("../src/types/codec.js");
    const tokens = want.map((r) => tokenOf(encodeValue({ kind: "int" }, JSON.parse(r).k as number))).sort((a, b) => (a < b ? -1 : 1));
    const whole = await exportZip(e);
    expect(whole.report.generations).toEqual([1]);
    expect([whole.report.minToken, whole.report.maxToken]).toEqual([tokens[0], tokens.at(-1)]);
    const split = await exportZip(e, { compact: false, generation: 7 });
    expect(split.report.generations).toEqual([7, 8, 9]);
    expect(split.report.partitions).toBe(150); // 50 per SSTable; 30 keys are in two of them
    const files = unzipSync(split.zip);
    expect(Object.keys(files).filter((n) => n.endsWith("-Data.db")).map((n) => n.split("/").pop()).sort()).toEqual(["nb-7-big-Data.db", "nb-8-big-Data.db", "nb-9-big-Data.db"]);
    // read together, the three give the rows the engine holds
    const schema = e.schema;
    const e2 = await WriteEngine.open({ storage: new MemoryStorage(), schema: schemaCql(schema) });
    await e2.importSSTables(split.zip);
    expect(await scanRows(e2)).toEqual(want);
    await e.close();
    await e2.close();
  });

  test("Cassandra 4.1 unique identifiers: names Cassandra's pattern accepts, the time they were made, importable; nb only", async () => {
    const { parseUniqueSSTableId, isUniqueSSTableId } = await import("../src/sstable/names.js");
    const e = await threeFlushes();
    const t = Date.now();
    const { report, zip } = await exportZip(e, { uniqueId: true, compact: false });
    expect(report.generations).toHaveLength(3);
    for (const g of report.generations) {
      expect(isUniqueSSTableId(String(g))).toBe(true);
      expect(String(g)).toMatch(/^[0-9a-z]{4}_[0-9a-z]{4}_[0-9a-z]{18}$/);
      expect(Math.abs(parseUniqueSSTableId(String(g))!.ms - t)).toBeLessThan(60_000);
    }
    expect(new Set(report.generations).size).toBe(3);
    expect(Object.keys(unzipSync(zip)).filter((n) => n.endsWith("-Data.db")).every((n) => /\/nb-[0-9a-z]{4}_[0-9a-z]{4}_[0-9a-z]{18}-big-Data\.db$/.test(n))).toBe(true);
    const e2 = await WriteEngine.open({ storage: new MemoryStorage(), schema: schemaCql(e.schema) });
    await e2.importSSTables(zip);
    expect(await scanRows(e2)).toEqual(await scanRows(e));
    const given = await exportZip(e, { uniqueId: "3gvq_0mbz_1x5k02ad4wh0tykq6o" });
    expect(given.report.generations).toEqual(["3gvq_0mbz_1x5k02ad4wh0tykq6o"]);
    expect(parseUniqueSSTableId("3gvq_0mbz_1x5k02ad4wh0tykq6o")!.ms).toBeGreaterThan(Date.UTC(2024, 0, 1));
    await expect(e.exportSSTable({ uniqueId: true, version: "md" })).rejects.toThrow(/format 'nb'/);
    await expect(e.exportSSTable({ uniqueId: "nope" })).rejects.toThrow(/not a Cassandra unique SSTable identifier/);
    await e.close();
    await e2.close();
  });
});

describe("import", () => {
  const tables = fixtureTables().filter((t) => t.version === "md" || t.version === "nb");
  test("every md and nb fixture: import, select, export again: the same rows", async () => {
    for (const t of tables) {
      const probe = await SSTableReader.openFiles(t.files);
      const schema = schemaFromHeader(probe.statistics, "imported", "t");
      const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: schemaCql(schema) });
      const added = await e.importSSTables(t.files);
      expect(added).toHaveLength(1);
      const direct = sortRows((await probe.partitions()).flatMap((p) => materialize(probe.schema, p)));
      const selected = await scanRows(e);
      expect(selected, t.rel).toEqual(direct);
      const { zip } = await exportZip(e);
      expect((await rowsOfZip(zip)).rows, t.rel).toEqual(selected);
      await e.close();
    }
  });

  test("an imported SSTable is compacted with the engine's own data", async () => {
    const t = tables.find((x) => x.rel.includes("legacy_nb_simple") && !x.rel.includes("counter"))!;
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE legacy_tables.s (pk text PRIMARY KEY, val text)" });
    await e.importSSTables(t.files);
    await e.importSSTables(t.files);
    e.setMergePolicy({ kind: "size-tiered", minThreshold: 2 });
    while ((await e.maintenanceStep(100)).pending);
    expect(e.sstables).toHaveLength(1);
    expect((await scanRows(e)).length).toBe(5);
    await e.close();
  });

  test("clear errors: missing component, schema mismatch, unsupported version, bad name", async () => {
    const t = tables.find((x) => x.rel.includes("testtypes1/int-"))!;
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE ks.t (id int PRIMARY KEY, intval int)" });
    const missing = new Map([...t.files].filter(([n]) => !n.endsWith("Index.db")));
    await expect(e.importSSTables(missing)).rejects.toThrow(ImportError);
    await expect(e.importSSTables(missing)).rejects.toThrow(/missing component Index\.db/);
    const other = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE ks.t (id int PRIMARY KEY, intval text)" });
    await expect(other.importSSTables(t.files)).rejects.toThrow(SchemaError);
    const oa = fixtureTables().find((x) => x.version === "oa")!;
    await expect(e.importSSTables(oa.files)).rejects.toThrow(UnsupportedFormatError);
    await expect(e.importSSTables(new Map([["notes.bin", new Uint8Array(1)]]))).rejects.toThrow(BadFileNameError);
    await expect(e.importSSTables(new Uint8Array([1, 2, 3]))).rejects.toThrow(ZipError);
    expect(e.sstables).toHaveLength(0);
    await e.close();
    await other.close();
  });
});

test("export and compaction over SSTables with more partitions than one slice window holds", async () => {
  const { encodeValue } = await import("../src/types/codec.js");
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE bench.kv (id int PRIMARY KEY, payload text)", flushThresholdBytes: 1 << 30, walSync: "none" });
  const ts = 1_700_000_000_000_000n;
  for (let f = 0; f < 4; f++) {
    await e.writePartitions(Array.from({ length: 12000 }, (_, j) => ({
      key: encodeValue({ kind: "int" }, f * 12000 + j), token: 0n,
      unfiltereds: [{ type: "row" as const, row: { clustering: [], liveness: { timestamp: ts, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: ts, value: encodeValue({ kind: "text" }, "p".repeat(100)) }] } }],
    })));
    await e.flush();
  }
  expect((await e.exportSSTable({})).partitions).toBe(48000);
  e.setMergePolicy({ kind: "size-tiered" });
  while ((await e.maintenanceStep(1000)).pending);
  expect(e.sstables).toHaveLength(1);
  expect(e.sstables[0].partitions).toBe(48000);
  await e.close();
});
