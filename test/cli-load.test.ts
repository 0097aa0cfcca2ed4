// The CLI load's promises: a bad row stops it naming its line and writes
// nothing (all or nothing; --skip-bad leaves exactly the bad rows out), and a
// load killed part way leaves no partial output, and a working database
// that opens.
import { describe, test, expect, afterAll } from "vitest";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../src/cli/main.js";
import { load, BadRowError } from "../src/cli/load.js";
import { loadCoreNode } from "../src/core/load-node.js";
import { WriteEngine } from "../src/engine/engine.js";
import { NodeFileStorage } from "../src/storage/node.js";

loadCoreNode();
const tmp = mkdtempSync(join(tmpdir(), "cqlite-cli-load-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SCHEMA = "CREATE TABLE shop.items (id int PRIMARY KEY, name text, qty int)";

async function dumpRows(zip: string): Promise<Map<string, string>> {
  let out = "";
  const code = await run(["dump", zip, "--merged"], (s) => (out += s + "\n"), () => undefined);
  expect(code).toBe(0);
  const rows = new Map<string, string>();
  for (const p of JSON.parse(out)) for (const r of p.rows) rows.set(p.partition.key[0], r.cells.map((c: { name: string; value: unknown }) => `${c.name}=${c.value}`).join(" "));
  return rows;
}

describe("a bad row", () => {
  const csv = join(tmp, "bad.csv");
  const lines = ["id,name,qty"];
  for (let i = 0; i < 5000; i++) lines.push(i === 3210 ? `${i},"bad ""qty""",many` : `${i},"item, ${i}",${i % 10}`);
  writeFileSync(csv, lines.join("\n") + "\n");
  const badLine = 3212; // the header is line 1

  test("stops the load with a typed error naming its line, and writes nothing", async () => {
    const out = join(tmp, "bad.zip");
    const err = await load({ schema: SCHEMA, input: csv, out }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(BadRowError);
    expect((err as BadRowError).code).toBe("BAD_ROW");
    expect((err as BadRowError).line).toBe(badLine);
    expect((err as Error).message).toMatch(new RegExp(`^line ${badLine}: column 'qty': cannot read "many" as int`));
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp).filter((n) => n.includes("partial"))).toEqual([]);
  });

  test("leaves an earlier output as it was", async () => {
    const out = join(tmp, "kept.zip");
    writeFileSync(out, "the previous export");
    await expect(load({ schema: SCHEMA, input: csv, out })).rejects.toBeInstanceOf(BadRowError);
    expect(readFileSync(out, "utf8")).toBe("the previous export");
  });

  test("with --skip-bad, every other row and only they are written", async () => {
    const out = join(tmp, "skipped.zip");
    const r = await load({ schema: SCHEMA, input: csv, out, skipBad: true });
    expect(r).toMatchObject({ rows: 4999, skipped: 1 });
    const rows = await dumpRows(out);
    expect(rows.size).toBe(4999);
    expect(rows.has("3210")).toBe(false);
    expect(rows.get("17")).toBe("name=item, 17 qty=7");
  });

  test("a record with the wrong number of fields is named by line, or skipped", async () => {
    const short = join(tmp, "short.csv");
    writeFileSync(short, "id,name,qty\n1,a,1\n2,b\n3,c,3\n");
    await expect(load({ schema: SCHEMA, input: short, out: join(tmp, "short.zip") })).rejects.toThrow(/^line 3: 2 fields, the header has 3/);
    expect(await load({ schema: SCHEMA, input: short, out: join(tmp, "short.zip"), skipBad: true })).toMatchObject({ rows: 2, skipped: 1 });
    expect([...(await dumpRows(join(tmp, "short.zip"))).keys()].sort()).toEqual(["1", "3"]);
  });
});

describe("a load killed part way", () => {
  test("leaves no partial output, a working directory that opens, and a rerun loads everything", async () => {
    const dir = mkdtempSync(join(tmp, "kill-"));
    const work = join(dir, "tmp");
    mkdirSync(work);
    const csv = join(dir, "rows.csv");
    const rows = 400_000;
    const text: string[] = ["id,name,qty"];
    for (let i = 0; i < rows; i++) text.push(`${i},${"n".repeat(100)}${i},${i % 10}`);
    writeFileSync(csv, text.join("\n") + "\n");
    const schemaFile = join(dir, "schema.cql");
    writeFileSync(schemaFile, SCHEMA);
    const out = join(dir, "out.zip");
    const args = ["bin/cqlite-web.mjs", "load", "--schema", schemaFile, "--input", csv, "--out", out];
    const child = spawn(process.execPath, args, { stdio: "ignore", env: { ...process.env, TMPDIR: work } });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    // killed once its first memtable is an SSTable the manifest names (a second is being written:
    // flushes go one at a time), part way through the input; the load logs nothing, so what
    // its working directory holds is what it flushed
    const flushed = () => readdirSync(work).some((d) => readdirSync(join(work, d), { recursive: true }).filter((f) => String(f).endsWith("-Data.db")).length >= 2);
    let finished = false;
    void exited.then(() => (finished = true));
    while (!finished && !flushed()) await new Promise((r) => setTimeout(r, 20));
    expect(finished).toBe(false);
    child.kill("SIGKILL");
    await exited;
    expect(existsSync(out)).toBe(false);
    const left = readdirSync(work);
    expect(left).toHaveLength(1);
    const storage = await NodeFileStorage.open(join(work, left[0]));
    const e = await WriteEngine.open({ storage, schema: SCHEMA });
    let n = 0;
    for await (const row of e.scan()) {
      expect(row.name).toBe(`${"n".repeat(100)}${row.id}`);
      n++;
    }
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(rows);
    await e.close();
    await storage.close();
    // the same load again, to the end
    const again = spawn(process.execPath, args, { stdio: "ignore", env: { ...process.env, TMPDIR: work } });
    expect(await new Promise((r) => again.on("exit", r))).toBe(0);
    let report = "";
    expect(await run(["validate", out], (s) => (report += s), () => undefined)).toBe(0);
    expect(report).toMatch(new RegExp(`valid: ${rows} partitions, ${rows} rows`));
  }, 120_000);
});
