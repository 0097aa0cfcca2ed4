// Issue 19, case 3: validation proves what a reader relies on. Every fixture
// and a wide, range-deleted table of our own validate; a flipped Summary.db
// byte, an Index.db from another table, a shifted position and a bad row
// index block are refused with a typed error; whatever validation accepts
// reads back every key it holds.
import { describe, test, expect } from "vitest";
import { fixtureTables, FixtureTable } from "./helpers.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { wideTable } from "./fuzz/tables.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { readIndex, IndexEntry } from "../src/sstable/index-file.js";
import { readPrefix } from "../src/sstable/clustering-prefix.js";
import { readStatistics, writeStatistics, Statistics } from "../src/sstable/statistics.js";
import { features } from "../src/sstable/version.js";
import { validate } from "../src/tools/validate.js";
import { openImports } from "../src/export/import.js";
import { ByteReader, ByteWriter, compareBytes } from "../src/util/bytes.js";
import { CorruptSSTableError, CqliteError } from "../src/errors.js";
import { TableSchema } from "../src/schema/schema.js";

const tables = fixtureTables().filter((t) => t.version === "md" || t.version === "nb");
const find = (rel: string) => tables.find((t) => t.rel.startsWith(rel))!;

function component(files: Map<string, Uint8Array>, c: string): [string, Uint8Array] {
  return [...files].find(([n]) => n.endsWith(`-${c}`))!;
}

function replace(files: Map<string, Uint8Array>, c: string, bytes: Uint8Array): Map<string, Uint8Array> {
  const out = new Map(files);
  out.set(component(files, c)[0], bytes);
  return out;
}

/** Opens and validates; the typed error, or null when accepted. */
async function refusal(files: Map<string, Uint8Array>, schema?: TableSchema): Promise<CqliteError | null> {
  try {
    await validate(await SSTableReader.openFiles(files, { schema }));
    return null;
  } catch (e) {
    if (!(e instanceof CqliteError)) throw e;
    return e;
  }
}

/** What validation accepted reads back: every key by lookup, the same partitions as a scan of the original. */
async function readsLikeOriginal(files: Map<string, Uint8Array>, original: Map<string, Uint8Array>): Promise<void> {
  const want = await (await SSTableReader.openFiles(original)).partitions();
  const r = await SSTableReader.openFiles(files);
  const strip = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? `${v}` : v instanceof Uint8Array ? Array.from(v) : v));
  expect(strip(await r.partitions())).toBe(strip(want));
  for (const p of want) expect(strip(await r.get(p.key))).toBe(strip(p));
}

describe("what validation accepts", () => {
  test.each(tables.map((t) => [`${t.rel} ${t.version}-${t.generation}`, t] as const))("%s", async (_n, t) => {
    expect(await refusal(t.files)).toBeNull();
  });

  test("a wide table with range deletions across 1 KiB row index blocks", async () => {
    const files = await wideTable();
    expect(await refusal(files)).toBeNull();
    const entries = readIndex(component(files, "Index.db")[1]);
    expect(entries.filter((e) => e.promoted.length > 0).length).toBe(3);
    await readsLikeOriginal(files, files);
  });
});

describe("Summary.db", () => {
  // md: Summary.db has no checksum, so nothing but validation stands between a flipped byte and a reader
  for (const [rel, stride] of [["md/datasets/iris", 1], ["md/baselines/iot", 5], ["md/hello/world", 1]] as const) {
    test(`${rel}: every ${stride === 1 ? "" : `${stride}th `}byte flipped in turn is refused, or reads every key as before`, async () => {
      const t = find(rel);
      const [, summary] = component(t.files, "Summary.db");
      let refused = 0, tried = 0;
      for (let i = 0; i < summary.length; i += stride, tried++) {
        const bad = summary.slice();
        bad[i] ^= 0x01;
        const files = replace(t.files, "Summary.db", bad);
        const e = await refusal(files);
        if (e) refused++;
        else await readsLikeOriginal(files, t.files);
      }
      // all but the bytes a reader never uses (such as the min index interval's spare bits) are caught
      expect(refused).toBeGreaterThan(tried * 0.8);
    });
  }

  test("the issue's case: a flipped key byte is refused at the summary entry", async () => {
    const t = find("md/baselines/iot");
    const [, summary] = component(t.files, "Summary.db");
    const bad = summary.slice();
    bad[24 + 8 * 4 + 3] ^= 0x40; // in the first entry's key, past the 8 offsets
    const e = await refusal(replace(t.files, "Summary.db", bad));
    expect(e).toBeInstanceOf(CorruptSSTableError);
    expect((e as CorruptSSTableError).file).toMatch(/Summary\.db$/);
  });
});

describe("Index.db", () => {
  test("an Index.db from the same table's other generation", async () => {
    const gens = tables.filter((t) => t.rel.startsWith("md/hello/world"));
    expect(gens.length).toBe(2);
    const [a, b] = gens;
    const e = await refusal(replace(a.files, "Index.db", component(b.files, "Index.db")[1]));
    expect(e).toBeInstanceOf(CorruptSSTableError);
    expect((e as CorruptSSTableError).file).toMatch(/(Index|Summary|Filter)\.db$/);
  });

  test.each([
    ["md/hello/world", "md/hello/bar"],
    ["md/datasets/iris", "md/baselines/iot"],
    ["md/testtypes1/int-", "md/hello/world"],
  ])("an Index.db from another table: %s given %s's", async (to, from) => {
    const a = find(to), b = find(from);
    const other = component(b.files, "Index.db")[1];
    expect(compareBytes(other, component(a.files, "Index.db")[1])).not.toBe(0);
    const e = await refusal(replace(a.files, "Index.db", other));
    expect(e).toBeInstanceOf(CorruptSSTableError);
  });

  test("every position shifted by one, up and down, is refused at its entry", async () => {
    const t = find("md/datasets/iris");
    const [, index] = component(t.files, "Index.db");
    const entries = readIndex(index);
    for (let k = 0; k < entries.length; k++) {
      for (const d of [-1, 1]) {
        if (k === 0 && d < 0) continue;
        const files = replace(t.files, "Index.db", writeIndex(entries.map((e, i) => (i === k ? { ...e, position: e.position + d } : e))));
        const e = await refusal(files);
        expect(e, `entry ${k} ${d}`).toBeInstanceOf(CorruptSSTableError);
        expect((e as CorruptSSTableError).file).toMatch(/(Index|Summary)\.db$/);
      }
    }
  });

  test("the engine's importSSTables refuses a flipped Summary.db byte and adds nothing", async () => {
    const t = find("md/baselines/iot");
    const [, summary] = component(t.files, "Summary.db");
    const bad = summary.slice();
    bad[24 + 8 * 4 + 3] ^= 0x40;
    const schema = readFileSync(join(t.dir, "schema.cql"), "utf8");
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema });
    try {
      await expect(e.importSSTables(replace(t.files, "Summary.db", bad))).rejects.toBeInstanceOf(CorruptSSTableError);
      expect(await e.select("SELECT * FROM iot LIMIT 1").catch((x) => x)).toEqual([]);
      expect(e.sstables.length).toBe(0);
    } finally {
      await e.close();
    }
  });

  test("importSSTables' validation refuses it too", async () => {
    const t = find("md/datasets/iris");
    const [, index] = component(t.files, "Index.db");
    const entries = readIndex(index);
    const files = replace(t.files, "Index.db", writeIndex(entries.map((e, i) => (i === 5 ? { ...e, position: e.position + 1 } : e))));
    const schema = (await SSTableReader.openFiles(t.files)).schema;
    await expect(openImports(schema, files)).rejects.toBeInstanceOf(CorruptSSTableError);
  });
});

describe("Statistics.db", () => {
  // written anew with its checksums, so only validation can tell
  async function withStats(edit: (s: Statistics) => void): Promise<CqliteError | null> {
    const t = find("nb/legacy_tables/legacy_nb_clust");
    const [, bytes] = component(t.files, "Statistics.db");
    const s = readStatistics(bytes, features("nb"));
    edit(s);
    return refusal(replace(t.files, "Statistics.db", writeStatistics(s, features("nb"))));
  }

  test("a timestamp range narrower than the data's is refused", async () => {
    const e = await withStats((s) => (s.stats.maxTimestamp -= 1n));
    expect(e).toBeInstanceOf(CorruptSSTableError);
    expect((e as CorruptSSTableError).file).toMatch(/Statistics\.db$/);
    expect(await withStats((s) => (s.stats.minTimestamp += 1n))).toBeInstanceOf(CorruptSSTableError);
  });

  test("a wider one is accepted (compaction is only more careful)", async () => {
    expect(await withStats((s) => ((s.stats.minTimestamp -= 10n), (s.stats.maxTimestamp += 10n)))).toBeNull();
  });

  test("a wrong row or partition count is refused", async () => {
    expect(await withStats((s) => (s.stats.totalRows += 1n))).toBeInstanceOf(CorruptSSTableError);
    expect(await withStats((s) => (s.stats.partitionSizes[5] += 1n))).toBeInstanceOf(CorruptSSTableError);
  });
});

describe("row index blocks", () => {
  const cases: [string, (f: BlockFields) => [number, number]][] = [
    ["a block's offset", (f) => [f.blocks[2].offset, 1]],
    ["a block's width", (f) => [f.blocks[1].width, 1]],
    ["the last byte of a block's first clustering", (f) => [f.blocks[3].lastName - 1, 0x01]],
    ["the last byte of a block's last clustering", (f) => [f.blocks[3].offset - 1, 0x01]],
    ["a block's open-marker flag", (f) => [f.blocks[1].open, 0x01]],
    ["the header length", (f) => [f.headerLength, 0x01]],
    ["the partition deletion", (f) => [f.deletion + 3, 0x01]],
    ["a block offset in the table at the end", (f) => [f.offsetsTable + 7, 0x04]],
  ];
  for (const [name, where] of cases) {
    test.each([
      ["nb/legacy_tables/legacy_nb_clust (Cassandra's)", () => Promise.resolve(find("nb/legacy_tables/legacy_nb_clust").files)],
      ["a wide table with range deletions (ours)", wideTable],
    ])(`${name}: %s`, async (_n, make) => {
      const files = await make();
      const [, index] = component(files, "Index.db");
      const entries = readIndex(index);
      const e = entries.find((x) => x.promoted.length > 0)!;
      const schema = (await SSTableReader.openFiles(files)).schema;
      const [at, mask] = where(blockFields(e, schema));
      const bad = index.slice();
      bad[e.promoted.byteOffset - index.byteOffset + at] ^= mask; // readIndex's entries are views of `index`
      const err = await refusal(replace(files, "Index.db", bad));
      expect(err).toBeInstanceOf(CorruptSSTableError);
      expect((err as CorruptSSTableError).file).toMatch(/Index\.db$/);
    });
  }
});

/** Offsets within a promoted index of the fields a test flips. */
interface BlockFields {
  headerLength: number;
  deletion: number;
  blocks: { firstName: number; lastName: number; offset: number; width: number; open: number }[];
  offsetsTable: number;
}

function blockFields(e: IndexEntry, schema: TableSchema): BlockFields {
  const types = schema.clustering.map((c) => c.type);
  const r = new ByteReader(e.promoted);
  const headerLength = r.pos;
  r.uvint();
  const deletion = r.pos;
  r.i32();
  r.i64();
  const n = r.uvintNum();
  const blocks: BlockFields["blocks"] = [];
  for (let i = 0; i < n; i++) {
    const firstName = r.pos;
    readPrefix(r, types);
    const lastName = r.pos;
    readPrefix(r, types);
    const offset = r.pos;
    r.uvint();
    const width = r.pos;
    r.uvint();
    const open = r.pos;
    if (r.u8()) (r.i32(), r.i64());
    blocks.push({ firstName, lastName, offset, width, open });
  }
  return { headerLength, deletion, blocks, offsetsTable: r.pos };
}

function writeIndex(entries: IndexEntry[]): Uint8Array {
  const w = new ByteWriter();
  for (const e of entries) w.u16(e.key.length).bytes(e.key).uvint(e.position).uvint(e.promoted.length).bytes(e.promoted);
  return w.result();
}
