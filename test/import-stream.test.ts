// Streaming import: every kind of input, the table chosen from a snapshot of
// several, progress, limits, hostile zips, and failures at every storage
// operation leaving storage as it was (and the import retryable).
import { MAX_MESSAGE } from "../src/util/limits.js";
import { describe, test, expect, afterAll } from "vitest";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { unzipSync } from "fflate";
import { fixtureTables, FIXTURES } from "./helpers.js";
import { core } from "../src/core/core.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { FaultyStorage } from "../src/storage/faulty.js";
import type { Storage } from "../src/storage/storage.js";
import { CqliteError } from "../src/errors.js";
import { ZipError, ZipBombError, ImportLimitError, ImportError, ImportProgress } from "../src/export/import.js";
import { BadFileNameError } from "../src/sstable/names.js";
import { makeZip } from "./zip-make.js";
import { inspectZip } from "../src/export/zip-inspect.js";

const SCHEMA = "CREATE TABLE ks.a (id int PRIMARY KEY, v text)";
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "cqlite-import-"));
  dirs.push(d);
  return d;
}

async function exportBytes(e: WriteEngine, o: Parameters<WriteEngine["exportSSTable"]>[0] = {}): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await e.exportSSTable({ ...o, zip: (c) => void parts.push(c.slice()) });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** An engine holding `rows` rows (values tagged with `tag`), flushed into `flushes` SSTables. */
async function source(rows: number, tag = "a", flushes = 1, schema = SCHEMA): Promise<WriteEngine> {
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema, walSync: "none" });
  const per = Math.ceil(rows / flushes);
  for (let i = 0; i < rows; i += per) {
    await e.insert(Array.from({ length: Math.min(per, rows - i) }, (_, k) => ({ id: i + k, v: `${tag}-${i + k}` })));
    await e.flush();
  }
  return e;
}

async function rowsOf(e: WriteEngine): Promise<string[]> {
  return (await e.select("SELECT * FROM a")).map((r) => `${r.id}:${r.v}`).sort();
}

/** Every file in storage, with its size. */
async function snapshot(s: Storage): Promise<string[]> {
  const out: string[] = [];
  for (const d of ["", "sstables/", "import/", "wal/", "export/"]) {
    for (const n of await s.list(d)) {
      const f = await s.open(n, {});
      out.push(`${n}:${await f.size()}`);
      await f.close();
    }
  }
  return out.sort();
}

let zipA: Uint8Array;
let expected: string[];

describe("inputs", () => {
  test("bytes, Blob, ReadableStream, async iterable, zip path, directory path and name → bytes map all import the same rows", async () => {
    const src = await source(3000);
    zipA = await exportBytes(src);
    expected = await rowsOf(src);
    await src.close();
    const dir = tempDir();
    writeFileSync(join(dir, "a.zip"), zipA);
    const files = unzipSync(zipA);
    for (const [n, b] of Object.entries(files)) {
      mkdirSync(join(dir, "tree", dirname(n)), { recursive: true });
      writeFileSync(join(dir, "tree", n), b);
    }
    async function* odd() {
      // chunk sizes that split every header
      for (let i = 0, k = 1; i < zipA.length; i += k, k = (k * 7) % 65521 + 1) yield zipA.slice(i, i + k);
    }
    const inputs: [string, () => unknown][] = [
      ["bytes", () => zipA],
      ["Blob", () => new Blob([zipA as BlobPart])],
      ["ReadableStream", () => new Blob([zipA as BlobPart]).stream()],
      ["async iterable", () => odd()],
      ["zip path", () => join(dir, "a.zip")],
      ["directory path", () => join(dir, "tree")],
      ["map", () => new Map(Object.entries(files))],
    ];
    for (const [what, input] of inputs) {
      const storage = new MemoryStorage();
      const e = await WriteEngine.open({ storage, schema: SCHEMA });
      const events: ImportProgress[] = [];
      const added = await e.importSSTables(input() as never, { onProgress: (p) => events.push(p) });
      expect(added, what).toHaveLength(1);
      expect(await rowsOf(e), what).toEqual(expected);
      expect(await storage.list("import/"), what).toEqual([]);
      // progress: phases in order, counters never go back, and the last event is complete
      const order = ["read", "validate", "adopt", "done"];
      for (let i = 1; i < events.length; i++) {
        expect(order.indexOf(events[i].phase) >= order.indexOf(events[i - 1].phase) || events[i - 1].phase === "validate", what).toBe(true);
        expect(events[i].bytesRead).toBeGreaterThanOrEqual(events[i - 1].bytesRead);
        expect(events[i].bytesWritten).toBeGreaterThanOrEqual(events[i - 1].bytesWritten);
      }
      const last = events.at(-1)!;
      expect(last.phase).toBe("done");
      expect(last.entries).toBe(last.entriesTotal);
      expect(last.bytesWritten).toBe(Object.values(added[0].files).reduce((a, b) => a + b, 0));
      await e.close();
    }
  });

  test("a stored entry whose data holds the local header signature PK\\3\\4 imports whole (a streaming unzip cuts it there)", async () => {
    const schema = "CREATE TABLE ks.a (id int PRIMARY KEY, v blob) WITH compression = {'enabled': 'false'}";
    const src = await WriteEngine.open({ storage: new MemoryStorage(), schema });
    const sig = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0x50, 0x4b, 0x07, 0x08, 0x50, 0x4b, 0x01, 0x02]);
    await src.insert(Array.from({ length: 50 }, (_, id) => ({ id, v: sig })));
    const zip = await exportBytes(src);
    await src.close();
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema });
    await e.importSSTables(new Blob([zip as BlobPart]));
    const rows = await e.select("SELECT * FROM a");
    expect(rows).toHaveLength(50);
    for (const r of rows) expect([...(r.v as Uint8Array)]).toEqual([...sig]);
    await e.close();
  });
});

test("inspectZip reads the file names and schema.cql from the central directory alone", async () => {
  const { schema, files } = await inspectZip(new Blob([zipA as BlobPart]));
  expect(schema).toMatch(/CREATE TABLE (IF NOT EXISTS )?ks\.a \(/);
  expect(files.filter((f) => f.endsWith("-Data.db"))).toHaveLength(1);
  await expect(inspectZip(zipA.subarray(0, 100))).rejects.toThrow(ZipError);
});

test("an import runs beside writes and flushes: both land, the import in one swap", async () => {
  const big = await source(20_000, "imp");
  const zip = await exportBytes(big);
  await big.close();
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA, walSync: "none" });
  const importing = e.importSSTables(new Blob([zip as BlobPart]));
  for (let i = 0; i < 5; i++) {
    await e.insert(Array.from({ length: 100 }, (_, k) => ({ id: 100_000 + i * 100 + k, v: "own" })));
    await e.flush();
  }
  expect(await importing).toHaveLength(1);
  const rows = await rowsOf(e);
  expect(rows).toHaveLength(20_500);
  expect(e.sstables).toHaveLength(6);
  await e.close();
});

describe("a snapshot of several tables and generations", () => {
  async function snapshotZip(): Promise<Map<string, Uint8Array>> {
    // two tables of the same shape, the first in two generations, in Cassandra's snapshot layout
    const a = await source(400, "a", 2);
    const b = await source(300, "b", 1, "CREATE TABLE ks.b (id int PRIMARY KEY, v text)");
    const files = new Map<string, Uint8Array>();
    for (const [e, t] of [[a, "a"], [b, "b"]] as const) {
      for (const [n, bytes] of Object.entries(unzipSync(await exportBytes(e, { compact: false })))) {
        const base = n.split("/").pop()!;
        files.set(base === "schema.cql" ? `ks/${t}-${"0".repeat(31)}1/snapshots/s1/schema.cql` : `ks/${t}-${"0".repeat(31)}1/snapshots/s1/${base}`, bytes);
      }
      await e.close();
    }
    files.set("ks/a-00000000000000000000000000000001/snapshots/s1/manifest.json", new TextEncoder().encode('{"files":[]}'));
    return files;
  }

  test("the table matching the schema imports with all its generations; another is chosen by name; an unmatched schema is told which tables there are", async () => {
    const files = await snapshotZip();
    const zip = makeZip([...files].map(([name, data]) => ({ name, data, method: 8 as const })));
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA });
    const added = await e.importSSTables(zip);
    expect(added).toHaveLength(2);
    const rows = await rowsOf(e);
    expect(rows).toHaveLength(400);
    expect(rows.every((r) => r.includes(":a-"))).toBe(true);
    await e.close();

    const other = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA });
    await other.importSSTables(zip, { keyspace: "ks", table: "b" });
    expect((await rowsOf(other)).filter((r) => r.includes(":b-"))).toHaveLength(300);
    await expect(other.importSSTables(zip, { table: "c" })).rejects.toThrow(/no SSTables of \*\.c in the input; it holds ks\.a, ks\.b/);
    await other.close();

    const c = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE ks.c (id int PRIMARY KEY, v text)" });
    await expect(c.importSSTables(zip)).rejects.toThrow(ImportError);
    await expect(c.importSSTables(zip)).rejects.toThrow(/several tables \(ks\.a, ks\.b\)/);
    expect(c.sstables).toHaveLength(0);
    await c.close();
  });

  test("Cassandra's own keyspace directory of several tables: the one named as the schema's table imports, by path", async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE legacy_tables.legacy_nb_clust (pk text, ck text, val text, PRIMARY KEY (pk, ck))" });
    const added = await e.importSSTables(join(FIXTURES, "nb"));
    expect(added).toHaveLength(1);
    expect(added[0].rows).toBeGreaterThan(0);
    expect((await e.select("SELECT * FROM legacy_nb_clust")).length).toBe(added[0].rows);
    await e.close();
  });

  test("a snapshot directory imports by path", async () => {
    const files = await snapshotZip();
    const dir = tempDir();
    for (const [n, b] of files) {
      mkdirSync(join(dir, dirname(n)), { recursive: true });
      writeFileSync(join(dir, n), b);
    }
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA });
    expect(await e.importSSTables(dir, { table: "a" })).toHaveLength(2);
    expect(await rowsOf(e)).toHaveLength(400);
    await e.close();
  });
});

describe("hostile and broken zips: a typed error, nothing left in storage", () => {
  const entriesOf = (zip: Uint8Array) => Object.entries(unzipSync(zip)).map(([name, data]) => ({ name, data }));

  async function refused(zip: Uint8Array | Blob, kind: new (...a: never[]) => CqliteError, pattern: RegExp, options = {}): Promise<void> {
    const storage = new MemoryStorage();
    const e = await WriteEngine.open({ storage, schema: SCHEMA });
    const before = await snapshot(storage);
    const err = await e.importSSTables(zip, options).then(() => null, (x) => x);
    expect(err).toBeInstanceOf(kind);
    expect(String(err.message)).toMatch(pattern);
    expect(err.message.length).toBeLessThan(600);
    expect(await snapshot(storage)).toEqual(before);
    expect(e.sstables).toHaveLength(0);
    // the engine goes on: the good zip imports after the bad one
    await e.importSSTables(zipA);
    expect(await rowsOf(e)).toEqual(expected);
    await e.close();
  }

  test("path traversal, absolute paths, duplicate names", async () => {
    const good = entriesOf(zipA);
    await refused(makeZip([{ name: "../x/nb-1-big-Data.db", data: new Uint8Array(4) }, ...good]), ZipError, /unsafe path/);
    await refused(makeZip([{ name: "/etc/nb-1-big-Data.db", data: new Uint8Array(4) }, ...good]), ZipError, /unsafe path/);
    await refused(makeZip([...good, { ...good.find((g) => g.name.endsWith("Data.db"))! }]), ZipError, /listed twice/);
  });

  test("a file that is not an SSTable is refused; companions (schema.cql, manifest.json, README.md) are not", async () => {
    const good = entriesOf(zipA);
    await refused(makeZip([...good, { name: "ks/a/notes.bin", data: new Uint8Array(8) }]), BadFileNameError, /notes\.bin/);
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA });
    await e.importSSTables(makeZip([...good, { name: "README.md", data: new Uint8Array(3) }, { name: "x/manifest.json", data: new Uint8Array(2) }]));
    expect(await rowsOf(e)).toEqual(expected);
    await e.close();
  });

  test("an entry that inflates past its declared size is a ZipBombError at the first byte past it", async () => {
    const good = entriesOf(zipA);
    const data = good.find((g) => g.name.endsWith("Data.db"))!;
    const lying = good.map((g) => (g === data ? { ...g, method: 8 as const, declaredSize: 100 } : g));
    await refused(makeZip(lying), ZipBombError, /inflates beyond the 100 bytes its header declares/);
    const zeros = { name: data.name, data: new Uint8Array(16 << 20), method: 8 as const, declaredSize: 1 << 20 };
    await refused(makeZip([...good.filter((g) => g !== data), zeros]), ZipBombError, /beyond the 1048576 bytes/);
  });

  test("an entry that inflates short of its size, or to other bytes than its CRC-32, is a ZipError", async () => {
    const good = entriesOf(zipA);
    const data = good.find((g) => g.name.endsWith("Data.db"))!;
    await refused(makeZip(good.map((g) => (g === data ? { ...g, method: 8 as const, declaredSize: g.data.length + 10 } : g))), ZipError, /inflates to \d+ bytes, its header declares/);
    await refused(makeZip(good.map((g) => (g === data ? { ...g, crc: 12345 } : g))), ZipError, /CRC-32 mismatch/);
  });

  test("limits: declared sizes past maxEntryBytes, maxTotalBytes or maxMetadataBytes are refused before a byte is read", async () => {
    await refused(zipA, ImportLimitError, /maxEntryBytes/, { maxEntryBytes: 1000 });
    await refused(zipA, ImportLimitError, /maxTotalBytes/, { maxTotalBytes: 10_000 });
    await refused(zipA, ImportLimitError, /maxMetadataBytes/, { maxMetadataBytes: 10 });
    await refused(zipA, ImportLimitError, /maxEntries/, { maxEntries: 3 });
  });

  test("truncated zips", async () => {
    for (const cut of [1, 21, 22, 100, Math.floor(zipA.length / 2), zipA.length - 1]) await refused(zipA.subarray(0, zipA.length - cut), ZipError, /truncated|not a zip|damaged|runs past/);
    await refused(new Uint8Array(0), ZipError, /not a zip/);
  });

  test("a name 100 000 characters long gives an error of bounded length", async () => {
    await refused(makeZip([{ name: `${"x".repeat(100_000)}.bin`, data: new Uint8Array(1) }]), ZipError, /central directory of \d+ bytes/);
    await refused(makeZip([{ name: `${"y".repeat(60_000)}.bin`, data: new Uint8Array(1) }]), ZipError, /./, { maxEntries: 10 });
  });

  test("a TOC.txt naming a 60 000-character component: the error is clipped (src/util/limits.ts)", async () => {
    const good = entriesOf(zipA);
    const toc = good.find((g) => g.name.endsWith("TOC.txt"))!;
    const evil = { ...toc, data: new TextEncoder().encode(`Data.db\n${"Q".repeat(60_000)}.db\n`) };
    const storage = new MemoryStorage();
    const e = await WriteEngine.open({ storage, schema: SCHEMA });
    const err = await e.importSSTables(makeZip(good.map((g) => (g === toc ? evil : g)))).then(() => null, (x) => x);
    expect(err).toBeInstanceOf(CqliteError);
    expect(err.code).toBe("MISSING_COMPONENT");
    expect(err.message.length).toBeLessThan(MAX_MESSAGE + 100);
    expect(err.message).toMatch(/… \(\d+ characters\)/);
    expect(await storage.list("import/")).toEqual([]);
    await e.close();
  });

  test("a byte-ordered SSTable past maxResortBytes is refused (it is re-sorted in memory)", async () => {
    const t = fixtureTables().find((x) => x.rel.endsWith("legacy_nb_simple"))!;
    const schema = "CREATE TABLE legacy_tables.legacy_nb_simple (pk text PRIMARY KEY, val text)";
    const storage = new MemoryStorage();
    const e = await WriteEngine.open({ storage, schema });
    await expect(e.importSSTables(t.files, { maxResortBytes: 10 })).rejects.toThrow(ImportLimitError);
    expect(await storage.list("import/")).toEqual([]);
    expect(await e.importSSTables(t.files)).toHaveLength(1);
    expect(await e.select("SELECT * FROM legacy_nb_simple")).toHaveLength(5);
    await e.close();
  });

  test("re-sorted imports, many of them: nothing a staged reader held stays in the core", async () => {
    const t = fixtureTables().find((x) => x.rel.endsWith("legacy_nb_simple"))!;
    const schema = "CREATE TABLE legacy_tables.legacy_nb_simple (pk text PRIMARY KEY, val text)";
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema });
    const x = core().exports;
    const generation = core().generation;
    let memory10 = 0, headers10 = 0;
    for (let i = 1; i <= 60; i++) {
      expect(await e.importSSTables(t.files)).toHaveLength(1);
      if (i === 10) (memory10 = x.memory.buffer.byteLength), (headers10 = x.headersLive());
    }
    // the same instance throughout (a discarded core would start its counts afresh)
    expect(core().generation).toBe(generation);
    // each import opens, validates and re-sorts a reader of its own: its header (and any chunk it kept) is freed with it
    expect(x.headersLive()).toBe(headers10);
    expect(x.memory.buffer.byteLength - memory10).toBeLessThan(256 << 10);
    expect(await e.select("SELECT * FROM legacy_nb_simple")).toHaveLength(5);
    await e.close();
  });

  test("staging left by a crash is removed when the engine next opens", async () => {
    const storage = new MemoryStorage();
    const f = await storage.open("import/dead-0-Data.db", { create: true });
    await f.write(0, new Uint8Array(10));
    await f.close();
    const e = await WriteEngine.open({ storage, schema: SCHEMA });
    expect(e.openReport.orphansRemoved).toContain("import/dead-0-Data.db");
    expect(await storage.list("import/")).toEqual([]);
    await e.close();
  });
});

test("a fault at every storage operation of an import: a typed error, storage and engine as before, and the retry imports", async () => {
  const small = await source(200);
  const zip = await exportBytes(small);
  await small.close();
  const first = new FaultyStorage(new MemoryStorage());
  const e0 = await WriteEngine.open({ storage: first, schema: SCHEMA, walSync: "none" });
  await e0.insert([{ id: 1000, v: "own" }]);
  await e0.flush();
  const base = first.ops;
  await e0.importSSTables(zip);
  const total = first.ops - base;
  await e0.close();
  expect(total).toBeGreaterThan(30);
  let failed = 0;
  for (let i = 0; i < total; i++) {
    const mem = new MemoryStorage();
    const f = new FaultyStorage(mem, { fault: { kind: "fail", at: base + i } });
    const e = await WriteEngine.open({ storage: f, schema: SCHEMA, walSync: "none" });
    await e.insert([{ id: 1000, v: "own" }]);
    await e.flush();
    expect(f.ops, `op ${i}`).toBe(base);
    const before = await snapshot(mem);
    const err = await e.importSSTables(zip).then(() => null, (x) => x);
    if (err) {
      failed++;
      expect(err, `op ${i}`).toBeInstanceOf(CqliteError);
      expect(await snapshot(mem), `op ${i}`).toEqual(before);
      expect(e.sstables, `op ${i}`).toHaveLength(1);
      expect(await e.importSSTables(zip), `op ${i}`).toHaveLength(1);
    }
    expect(await rowsOf(e), `op ${i}`).toHaveLength(201);
    await e.close();
  }
  expect(failed).toBeGreaterThan(total / 2);
});
