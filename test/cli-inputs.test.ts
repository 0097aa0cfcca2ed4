// dump and validate take what people have in hand: an export's zip, the
// export unpacked (its root, or one table directory holding several
// generations), or one Data.db; --merged gives the reconciled view.
import { describe, test, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unzipSync } from "fflate";
import "./helpers.js";
import { run } from "../src/cli/main.js";
import { loadCoreNode } from "../src/core/load-node.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";

loadCoreNode();
const tmp = mkdtempSync(join(tmpdir(), "cqlite-cli-inputs-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const code = await run(argv, (s) => (out += s + "\n"), (s) => (err += s + "\n"));
  return { code, out, err };
}

const zipPath = join(tmp, "export.zip");
const root = join(tmp, "unpacked");
let tableDir: string;

type Dumped = { partition: { key: string[]; position?: number }; rows: { clustering?: string[]; cells?: { name: string; value?: string }[]; deletion_info?: unknown }[] };
/** Rows as "key/clustering=values", a row tombstone as "key/clustering deleted". */
const cellsOf = (ps: Dumped[]) =>
  ps.flatMap((p) => p.rows.map((r) => `${p.partition.key[0]}/${r.clustering?.[0]}${r.deletion_info ? " deleted" : `=${r.cells!.map((c) => c.value).join(",")}`}`)).sort();

beforeAll(async () => {
  // two generations: the second overwrites one row and deletes another
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE shop.items (id int, at int, v text, PRIMARY KEY (id, at))" });
  for (let i = 0; i < 4; i++) await e.execute("INSERT INTO items (id, at, v) VALUES (?, ?, ?)", [i % 2, i, `old${i}`]);
  await e.flush();
  await e.execute("UPDATE items SET v = 'new1' WHERE id = 1 AND at = 1");
  await e.execute("DELETE FROM items WHERE id = 0 AND at = 2");
  await e.flush();
  const chunks: Uint8Array[] = [];
  await e.exportSSTable({ compact: false, zip: (c) => void chunks.push(c.slice()) });
  await e.close();
  const zip = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((at, c) => (zip.set(c, at), at + c.length), 0);
  writeFileSync(zipPath, zip);
  for (const [name, bytes] of Object.entries(unzipSync(zip))) {
    if (name.endsWith("/")) continue;
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), bytes);
  }
  tableDir = join(root, "shop", readdirSync(join(root, "shop"))[0]);
});

describe("dump", () => {
  test("a zip of an export: each SSTable, oldest generation first", async () => {
    const r = await cli("dump", zipPath);
    expect(r.code, r.err).toBe(0);
    const each = JSON.parse(r.out) as { sstable: string; partitions: Dumped[] }[];
    expect(each.map((s) => s.sstable.split("/").pop())).toEqual(["nb-1", "nb-2"]);
    expect(cellsOf(each[0].partitions)).toEqual(["0/0=old0", "0/2=old2", "1/1=old1", "1/3=old3"]);
    expect(cellsOf(each[1].partitions)).toEqual(["0/2 deleted", "1/1=new1"]);
  });

  test("--merged: one reconciled array, the overwrite applied and the deleted row's cells gone (its tombstone kept)", async () => {
    const r = await cli("dump", zipPath, "--merged");
    expect(r.code, r.err).toBe(0);
    const merged = JSON.parse(r.out) as Dumped[];
    expect(cellsOf(merged)).toEqual(["0/0=old0", "0/2 deleted", "1/1=new1", "1/3=old3"]);
    expect(merged.every((p) => p.partition.position === undefined)).toBe(true);
  });

  test("the export's root and its table directory give what the zip gives; one Data.db gives that SSTable alone", async () => {
    const fromZip = JSON.parse((await cli("dump", zipPath)).out) as { partitions: Dumped[] }[];
    for (const path of [root, tableDir]) {
      const r = await cli("dump", path);
      expect(r.code, r.err).toBe(0);
      expect((JSON.parse(r.out) as { partitions: Dumped[] }[]).map((s) => s.partitions)).toEqual(fromZip.map((s) => s.partitions));
      expect(cellsOf(JSON.parse((await cli("dump", path, "--merged")).out))).toEqual(["0/0=old0", "0/2 deleted", "1/1=new1", "1/3=old3"]);
    }
    const one = await cli("dump", join(tableDir, "nb-2-big-Data.db"));
    expect(one.code, one.err).toBe(0);
    expect(cellsOf(JSON.parse(one.out))).toEqual(["0/2 deleted", "1/1=new1"]);
  });

  test("-d prints one line per partition, naming its SSTable when there are several", async () => {
    const lines = (await cli("dump", tableDir, "-d")).out.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.sstable.split("/").pop())).toEqual(["nb-1", "nb-1", "nb-2", "nb-2"]);
  });

  test("a directory or zip without SSTables is an error naming what is expected", async () => {
    const empty = join(tmp, "empty");
    mkdirSync(empty);
    const r = await cli("dump", empty);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no SSTable in .*empty \(a Data\.db, a table directory, an export or snapshot root, or a zip of one\)/);
  });
});

describe("validate", () => {
  test("every SSTable of a zip, an export root or a table directory, then the sums", async () => {
    for (const path of [zipPath, root, tableDir]) {
      const r = await cli("validate", path);
      expect(r.code, r.err).toBe(0);
      const lines = r.out.trim().split("\n");
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/nb-1: valid: 2 partitions, 4 rows, \d+ files$/);
      expect(lines[1]).toMatch(/nb-2: valid: 2 partitions, 2 rows, \d+ files$/);
      expect(lines[2]).toMatch(/^valid: 2 SSTables, 4 partitions, 6 rows, \d+ files$/);
    }
  });
});

describe("load reads CSV with the edge's parser", () => {
  test("quoted commas and a record over two lines load; a record with a field too many is named by its line", async () => {
    const schema = join(tmp, "t.cql");
    writeFileSync(schema, "CREATE TABLE ks.t (id int PRIMARY KEY, name text)");
    const good = join(tmp, "good.csv");
    writeFileSync(good, 'id,name\n1,"a, b"\n2,"two\nlines"\n3,\n');
    const out = join(tmp, "good.zip");
    const r = await cli("load", "--schema", schema, "--input", good, "--out", out);
    expect(r.code, r.err).toBe(0);
    const dumped = await cli("dump", out, "--merged");
    expect(dumped.code, dumped.err).toBe(0);
    const values = (JSON.parse(dumped.out) as Dumped[]).map((p) => [p.partition.key[0], p.rows[0].cells?.find((c) => c.name === "name")?.value ?? null]);
    expect(values.sort()).toEqual([["1", "a, b"], ["2", "two\nlines"], ["3", null]]);
    const bad = join(tmp, "bad.csv");
    writeFileSync(bad, "id,name\n1,x\n2,y,z\n");
    const b = await cli("load", "--schema", schema, "--input", bad, "--out", join(tmp, "bad.zip"));
    expect(b.code).not.toBe(0);
    expect(b.err).toMatch(/line 3: 3 fields, the header has 2/);
  });
});
