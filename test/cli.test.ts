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

test("convert reads every version (BIG and BTI) and writes md, me, nb, oa and da; dump and validate agree", async () => {
  const legacy = fixtureTables().filter((t) => t.rel.endsWith("_clust") || t.rel.endsWith("_simple"));
  // Data.db offsets differ where oa's live partition deletion takes one byte instead of twelve
  const dump = async (dir: string) => JSON.parse((await cli("dump", dir)).out, (k, v) => (k === "position" ? undefined : v));
  for (const src of legacy.filter((t) => ["ma", "mc", "na", "oa", "da"].includes(t.version))) {
    const before = await dump(src.dir);
    for (const to of ["md", "me", "nb", "oa", "da"]) {
      const out = join(tmp, `to-${to}-${src.rel.replace(/\W/g, "_")}`);
      const r = await cli("convert", src.dir, "--to", to, "--out", out);
      expect(r.code, r.err).toBe(0);
      expect(readdirSync(out).every((n) => n.startsWith(`${to}-1-${to === "da" ? "bti" : "big"}-`))).toBe(true);
      expect(await dump(out), `${src.rel} -> ${to}`).toEqual(before);
      expect((await cli("validate", out)).code).toBe(0);
    }
  }
  const bad = await cli("convert", legacy[0].dir, "--to", "ma", "--out", join(tmp, "never"));
  expect(bad.code).toBe(2);
  expect(bad.err).toMatch(/--to must be one of nb, md, me, oa, da/);
});

describe("load", () => {
  const schema = `CREATE TYPE ks.pt (x int, y int);
CREATE TABLE ks.every (
  id int, seq bigint, a ascii, t text, si smallint, ti tinyint, vi varint, de decimal, f float, d double, b boolean, bl blob,
  u uuid, tu timeuuid, ts timestamp, dt date, tm time, du duration, ip inet, l list<int>, s set<text>, m map<text, int>,
  tup tuple<int, text>, p frozen<pt>, up pt, st text static,
  PRIMARY KEY (id, seq)) WITH CLUSTERING ORDER BY (seq DESC)`;
  const header = "id,seq,a,t,si,ti,vi,de,f,d,b,bl,u,tu,ts,dt,tm,du,ip,l,s,m,tup,p,up,st";
  const line = (i: number) =>
    `${i % 7},${i},ascii ${i},"text, with ""quotes"" ${i}",${i % 300},${i % 100},${BigInt(i) ** 5n},${i}.25,${i / 4},${i / 8},${i % 2 === 0},0x${(i % 256).toString(16).padStart(2, "0")}ff,` +
    `0ce82e94-0aa4-497a-83c2-${String(i).padStart(12, "0")},c0d913a0-dce7-11eb-b28f-9116fc548b6b,2021-07-02T20:47:${String(i % 60).padStart(2, "0")}Z,2021-06-25,02:46:30.5,1h${i % 60}m,10.0.0.${i % 250},` +
    `"[1,2,${i}]","[""a"",""b${i}""]","{""k"": ${i}}","[${i}, ""x""]","{""x"": ${i}, ""y"": 2}","{""x"": 3, ""y"": ${i}}",static ${i % 7}`;

  test("CSV covering every type: load, then dump gives the rows back", async () => {
    const csv = join(tmp, "every.csv");
    writeFileSync(csv, [header, ...Array.from({ length: 300 }, (_, i) => line(i))].join("\n") + "\n");
    const sf = join(tmp, "every.cql");
    writeFileSync(sf, schema);
    const outDir = join(tmp, "loaded");
    const r = await cli("load", "--schema", sf, "--input", csv, "--out-dir", outDir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/loaded 300 rows/);
    const tableDir = join(outDir, "ks", readdirSync(join(outDir, "ks"))[0]);
    expect(readdirSync(tableDir).sort()).toEqual([
      "nb-1-big-CompressionInfo.db", "nb-1-big-Data.db", "nb-1-big-Digest.crc32", "nb-1-big-Filter.db", "nb-1-big-Index.db",
      "nb-1-big-Statistics.db", "nb-1-big-Summary.db", "nb-1-big-TOC.txt", "schema.cql",
    ]);
    const dump = JSON.parse((await cli("dump", tableDir, "--schema", sf)).out);
    const rows = dump.flatMap((p: { rows: { type: string }[] }) => p.rows.filter((x) => x.type === "row"));
    expect(rows).toHaveLength(300);
    const seven = dump.find((p: { partition: { key: string[] } }) => p.partition.key[0] === "3");
    const row45 = seven.rows.find((x: { clustering?: string[] }) => x.clustering?.[0] === "45");
    const cell = (n: string) => row45.cells.filter((c: { name: string }) => c.name === n);
    expect(cell("t")[0].value).toBe('text, with "quotes" 45');
    expect(cell("vi")[0].value).toBe(String(45n ** 5n));
    expect(cell("de")[0].value).toBe("45.25");
    expect(cell("bl")[0].value).toBe("0x2dff");
    expect(cell("ts")[0].value).toBe("2021-07-02T20:47:45.000Z");
    expect(cell("tm")[0].value).toBe("02:46:30.500000000");
    expect(cell("du")[0].value).toBe("1h45m");
    expect(cell("l").filter((c: { value?: string }) => c.value).map((c: { value: string }) => c.value)).toEqual(["1", "2", "45"]);
    expect(cell("m").find((c: { path?: string[] }) => c.path)!.path).toEqual(["k"]);
    expect(cell("tup")[0].value).toBe("(45, 'x')");
    expect(cell("p")[0].value).toBe("{x: 45, y: 2}");
    expect(seven.rows[0].type).toBe("static_block");
    // and the files validate
    expect((await cli("validate", tableDir)).code).toBe(0);
  });

  test("CSV covering every type in 'da' (--format): the BTI files, the same rows, and they validate", async () => {
    const csv = join(tmp, "every-da.csv");
    writeFileSync(csv, [header, ...Array.from({ length: 300 }, (_, i) => line(i))].join("\n") + "\n");
    const sf = join(tmp, "every-da.cql");
    writeFileSync(sf, schema);
    const outDir = join(tmp, "loaded-da");
    const r = await cli("load", "--schema", sf, "--input", csv, "--out-dir", outDir, "--format", "da");
    expect(r.code, r.err).toBe(0);
    const tableDir = join(outDir, "ks", readdirSync(join(outDir, "ks"))[0]);
    expect(readdirSync(tableDir).filter((n) => n !== "schema.cql").sort()).toEqual([
      "da-1-bti-CompressionInfo.db", "da-1-bti-Data.db", "da-1-bti-Digest.crc32", "da-1-bti-Filter.db", "da-1-bti-Partitions.db",
      "da-1-bti-Rows.db", "da-1-bti-Statistics.db", "da-1-bti-TOC.txt",
    ]);
    // two loads: write times and list cells' time-based paths differ, nothing else
    const TIME_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-1/;
    const varies = (k: string, v: unknown) =>
      ["position", "tstamp", "local_delete_time", "marked_deleted"].includes(k) || (k === "path" && Array.isArray(v) && TIME_UUID.test(String(v[0])));
    const strip = (out: string) => JSON.parse(out, (k, v) => (varies(k, v) ? undefined : v));
    const nbDir = join(tmp, "loaded-nb");
    expect((await cli("load", "--schema", sf, "--input", csv, "--out-dir", nbDir)).code).toBe(0);
    const nbTable = join(nbDir, "ks", readdirSync(join(nbDir, "ks"))[0]);
    const [da, nb] = [strip((await cli("dump", tableDir, "--schema", sf)).out), strip((await cli("dump", nbTable, "--schema", sf)).out)];
    expect(da.length).toBe(nb.length);
    for (let i = 0; i < nb.length; i++) expect(da[i], `partition ${i}`).toEqual(nb[i]);
    expect((await cli("validate", tableDir)).code).toBe(0);
  });

  test("NDJSON to a zip; a bad row stops the load with its line, or is skipped", async () => {
    const sf = join(tmp, "kv.cql");
    writeFileSync(sf, "CREATE TABLE ks.kv (k text PRIMARY KEY, n int, tags set<text>)");
    const nd = join(tmp, "kv.ndjson");
    writeFileSync(nd, ['{"k": "a", "n": 1, "tags": ["x"]}', '{"k": "b", "n": 2}', '{"k": "c", "n": "many"}', '{"k": "d", "n": 4}'].join("\n"));
    const bad = await cli("load", "--schema", sf, "--input", nd, "--out", join(tmp, "kv.zip"));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/line 3: column 'n'/);
    const ok = await cli("load", "--schema", sf, "--input", nd, "--out", join(tmp, "kv.zip"), "--skip-bad", "--keyspace", "shop", "--table", "items");
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/loaded 3 rows, skipped 1 bad rows/);
    const { unzipSync } = await import("fflate");
    const names = Object.keys(unzipSync(new Uint8Array(readFileSync(join(tmp, "kv.zip")))));
    expect(names.every((n) => /^shop\/items-[0-9a-f]{32}\/(nb-1-big-\w+\.\w+|schema\.cql)$/.test(n))).toBe(true);
  });
});
