// The command line: dump, validate and convert on every fixture.
import { describe, test, expect, afterAll } from "vitest";
import { mkdtempSync, rmSync, readFileSync, readdirSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixtureTables, FixtureTable } from "./helpers.js";
import { run } from "../src/cli/main.js";
import { toHex } from "../src/util/bytes.js";
import { SSTableReader } from "../src/sstable/reader.js";

const tmp = mkdtempSync(join(tmpdir(), "cqlite-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const code = await run(argv, (s) => (out += s + "\n"), (s) => (err += s + "\n"));
  return { code, out, err };
}

const tables = fixtureTables().filter((t) => t.version === "md" || t.version === "nb");
const data = (t: FixtureTable) => join(t.dir, `${t.version}-${t.generation}-big-Data.db`);

describe("dump", () => {
  test("testtypes1: each table's one value, as sstabledump prints it", async () => {
    const expected: Record<string, string> = {
      ascii: "this is an ascii string", bigint: "1234567", blob: "0x000004d2", boolean: "true", date: "2021-06-25",
      decimal: "2.71828", double: "3.14159", duration: "12h30m50ms", float: "6.28000020980835", inet: "127.0.0.1", int: "420",
      smallint: "123", text: "this is a text string", time: "02:46:30", timestamp: "2021-07-02T20:47:23.000Z", tinyint: "24",
      uuid: "0ce82e94-0aa4-497a-83c2-d8f0e0687f12", varchar: "this is a varchar string", varint: "54321", tuple: "(66, 99)",
    };
    for (const [table, value] of Object.entries(expected)) {
      const t = tables.find((x) => x.rel.startsWith(`md/testtypes1/${table}-`))!;
      const r = await cli("dump", data(t));
      expect(r.code).toBe(0);
      const json = JSON.parse(r.out);
      expect(json).toHaveLength(1);
      expect(json[0].partition.key).toEqual(["1"]);
      const cells = json[0].rows[0].cells;
      expect(cells.at(-1).value, table).toBe(value);
    }
  });

  test("every fixture dumps its partitions and rows; -k picks partitions; -d is one line each", async () => {
    for (const t of tables) {
      const r = await SSTableReader.openFiles(t.files);
      const parts = await r.partitions();
      const res = await cli("dump", t.dir.includes("hello") ? data(t) : t.dir);
      expect(res.code, t.rel).toBe(0);
      const json = JSON.parse(res.out);
      expect(json.length).toBe(parts.length);
      expect(json.reduce((n: number, p: { rows: unknown[] }) => n + p.rows.length, 0)).toBe(
        parts.reduce((n, p) => n + p.unfiltereds.length + (p.staticRow ? 1 : 0), 0),
      );
    }
    const simple = tables.find((t) => t.rel.includes("legacy_nb_simple") && !t.rel.includes("counter"))!;
    const one = JSON.parse((await cli("dump", simple.dir, "-k", "3")).out);
    expect(one.map((p: { partition: { key: string[] } }) => p.partition.key)).toEqual([["3"]]);
    const lines = (await cli("dump", simple.dir, "-d")).out.trim().split("\n");
    expect(lines).toHaveLength(5);
    const counter = JSON.parse((await cli("dump", tables.find((t) => t.rel.includes("simple_counter"))!.dir)).out);
    expect(counter[0].rows[0].cells[0].value).toBe("1");
  });

  test("--schema names the key columns", async () => {
    const t = tables.find((x) => x.rel.includes("legacy_nb_clust"))!;
    const schema = join(tmp, "clust.cql");
    writeFileSync(schema, "CREATE TABLE legacy_tables.legacy_nb_clust (pk text, ck text, val text, PRIMARY KEY (pk, ck))");
    const json = JSON.parse((await cli("dump", t.dir, "--schema", schema, "-k", "0")).out);
    expect(json[0].rows).toHaveLength(50);
    expect(json[0].rows[0].clustering[0]).toMatch(/^0(0123456789){120}$/);
  });
});

describe("validate", () => {
  test("every fixture is valid", async () => {
    for (const t of tables) {
      const r = await cli("validate", t.dir.includes("hello") ? data(t) : t.dir);
      expect(r.code, `${t.rel}: ${r.err}`).toBe(0);
    }
  });
  test("a corrupted copy fails with exit 1, the file and the offset", async () => {
    const t = tables.find((x) => x.rel.includes("baselines/iot"))!;
    const dir = join(tmp, "iot");
    cpSync(t.dir, dir, { recursive: true });
    const f = join(dir, "md-2-big-Data.db");
    const b = readFileSync(f);
    b[200_000] ^= 0x10;
    writeFileSync(f, b);
    const r = await cli("validate", dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/md-2-big\/Data\.db: checksum mismatch \(CRC\.db entry 3\) at offset 196608/);
  });
  test("usage errors exit 2 with help", async () => {
    expect((await cli("validate")).code).toBe(2);
    expect((await cli("frobnicate")).code).toBe(2);
    const h = await cli("dump", "--help");
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/usage: cqlite-web dump/);
  });
});

describe("convert", () => {
  test("every fixture to its own version is byte-identical on Data, Index, Summary and Filter", async () => {
    for (const t of tables) {
      const out = join(tmp, `same-${t.rel.replace(/\W/g, "_")}-${t.generation}`);
      const r = await cli("convert", t.dir.includes("hello") ? data(t) : t.dir, "--to", t.version, "--out", out, "--generation", t.generation);
      expect(r.code, r.err).toBe(0);
      for (const c of ["Index.db", "Summary.db", "Filter.db"]) {
        const name = `${t.version}-${t.generation}-big-${c}`;
        expect(toHex(new Uint8Array(readFileSync(join(out, name)))), `${t.rel} ${c}`).toBe(toHex(t.files.get(name)!));
      }
      const mine = await SSTableReader.openFiles(new Map(readdirSync(out).map((n) => [n, new Uint8Array(readFileSync(join(out, n)))])));
      const theirs = await SSTableReader.openFiles(t.files);
      expect(toHex(await mine.dataRange(0, mine.dataLength))).toBe(toHex(await theirs.dataRange(0, theirs.dataLength)));
    }
  });
  test("to the other version, then dump: the same rows", async () => {
    for (const t of tables) {
      const other = t.version === "md" ? "nb" : "md";
      const out = join(tmp, `other-${t.rel.replace(/\W/g, "_")}-${t.generation}`);
      const src = t.dir.includes("hello") ? data(t) : t.dir;
      expect((await cli("convert", src, "--to", other, "--out", out)).code).toBe(0);
      const a = JSON.parse((await cli("dump", src)).out);
      const b = JSON.parse((await cli("dump", out)).out);
      expect(b).toEqual(a);
    }
  });
});
