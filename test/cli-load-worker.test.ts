// The CLI load's CSV stager and encoder on a worker thread (src/cli/csv-worker.ts) runs
// only from the package, beside dist/csv-worker.js: the load imported from
// dist/ must write what the same load from the source (staging in-thread)
// writes, stop on the same bad line with the same message, and count the
// same skipped rows.
import { describe, test, expect, beforeAll, afterAll } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../src/cli/main.js";
import { load as loadFromSource, type LoadOptions, type LoadReport } from "../src/cli/load.js";
import { loadCoreNode } from "../src/core/load-node.js";

loadCoreNode();
const REPO = join(__dirname, "..");
const tmp = mkdtempSync(join(tmpdir(), "cqlite-load-worker-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let loadFromPackage: (o: LoadOptions) => Promise<LoadReport>;
beforeAll(async () => {
  if (!existsSync(join(REPO, "dist/csv-worker.js"))) execFileSync(process.execPath, [join(REPO, "scripts/build-package.mjs")], { cwd: REPO, stdio: "ignore" });
  ({ load: loadFromPackage } = (await import(join(REPO, "dist/node.js"))) as { load: typeof loadFromSource });
}, 120_000);

const SCHEMA = "CREATE TABLE shop.items (id int PRIMARY KEY, name text, qty int, price double)";

/** Rows over several batches, with every kind of field CSV has: quoted, doubled quotes, commas, non-ASCII, empty, CRLF, a blank line. */
function input(bad: string | null): string {
  const lines = ["\ufeffid,name,qty,price"];
  for (let i = 0; i < 9000; i++) {
    if (i === 4321 && bad !== null) lines.push(bad);
    else if (i % 7 === 0) lines.push(`${i},"say ""hi"", ${i}",${i % 13},${i / 4}`);
    else if (i % 11 === 0) lines.push(`${i},caf\u00e9 \u{1F600} ${i},,`);
    else if (i % 17 === 0) lines.push(`${i},"two\nlines",${-i},1e3\r`);
    else lines.push(`${i},item ${i},${i % 10},${i}.5`);
    if (i === 5000) lines.push("  ");
  }
  return lines.join("\n") + "\n";
}

/** The partitions a zip holds, as the CLI dumps them, without the write and deletion times (each load takes its own). */
async function dump(zip: string): Promise<string> {
  let out = "";
  expect(await run(["dump", zip, "--merged"], (s) => (out += s + "\n"), () => undefined)).toBe(0);
  return JSON.stringify(JSON.parse(out), (k, v) => (k === "tstamp" || k === "local_delete_time" ? undefined : v));
}

async function both(csv: string, options: Partial<LoadOptions>): Promise<[LoadReport | Error, LoadReport | Error]> {
  const file = join(tmp, `in-${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(file, csv);
  const go = (f: typeof loadFromSource, out: string) => f({ schema: SCHEMA, input: file, out, ...options }).catch((e: Error) => e);
  return [await go(loadFromPackage, join(tmp, "worker.zip")), await go(loadFromSource, join(tmp, "thread.zip"))];
}

describe("CSV staged on a worker thread", () => {
  test("writes what staging in-thread writes", async () => {
    const [w, t] = await both(input(null), {});
    expect(w).toMatchObject({ rows: 9000, skipped: 0, stagedInWorker: true });
    expect(t).toMatchObject({ rows: 9000, skipped: 0, stagedInWorker: false });
    const out = await dump(join(tmp, "worker.zip"));
    expect(out).toBe(await dump(join(tmp, "thread.zip")));
    expect(out).toContain('"say \\"hi\\", 7"');
    expect(out).toContain("caf\u00e9 \u{1F600} 11");
  });

  test("a key written again later keeps its later row: write times follow the input across batches", async () => {
    const lines = ["id,name,qty,price"];
    for (let i = 0; i < 7000; i++) lines.push(`${i % 2500},row ${i},${i % 10},1`);
    const [w, t] = await both(lines.join("\n") + "\n", {});
    expect(w).toMatchObject({ rows: 7000, stagedInWorker: true });
    expect(t).toMatchObject({ rows: 7000 });
    const out = await dump(join(tmp, "worker.zip"));
    expect(out).toBe(await dump(join(tmp, "thread.zip")));
    const names = new Map<string, string>();
    for (const p of JSON.parse(out)) names.set(p.partition.key[0], p.rows[0].cells.find((c: { name: string }) => c.name === "name").value);
    expect(names.size).toBe(2500);
    for (let k = 0; k < 2500; k++) expect(names.get(String(k))).toBe(`row ${k < 2000 ? 5000 + k : 2500 + k}`);
  });

  test("a bad value stops both on the same line with the same message", async () => {
    const [w, t] = await both(input("4321,x,many,1"), {});
    expect(w).toBeInstanceOf(Error);
    expect(t).toBeInstanceOf(Error);
    expect((w as Error & { code: string }).code).toBe("BAD_ROW");
    expect((w as Error & { line: number }).line).toBe((t as Error & { line: number }).line);
    expect((w as Error).message).toBe((t as Error).message);
    expect((w as Error).message).toMatch(/^line \d+: column 'qty': cannot read "many" as int/);
  });

  test("with skipBad both leave out the same rows", async () => {
    const [w, t] = await both(input("4321,x,1"), { skipBad: true });
    expect(w).toMatchObject({ rows: 8999, skipped: 1, stagedInWorker: true });
    expect(t).toMatchObject({ rows: 8999, skipped: 1 });
    expect(await dump(join(tmp, "worker.zip"))).toBe(await dump(join(tmp, "thread.zip")));
  });

  test("a quote never closed stops both, skipBad or not", async () => {
    const [w, t] = await both(input('4321,"never closed,1,1'), { skipBad: true });
    expect(w).toBeInstanceOf(Error);
    expect((w as Error).message).toBe((t as Error).message);
  });

  test("a table with a collection stages in-thread (its cells carry the write's time)", async () => {
    const file = join(tmp, "tags.csv");
    writeFileSync(file, "id,tags\n1,\"[\"\"a\"\", \"\"b\"\"]\"\n2,[]\n");
    const r = await loadFromPackage({ schema: "CREATE TABLE shop.tagged (id int PRIMARY KEY, tags set<text>)", input: file, out: join(tmp, "tags.zip") });
    expect(r).toMatchObject({ rows: 2, stagedInWorker: false });
  });
});
