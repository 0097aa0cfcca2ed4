// selectIter across the worker boundary, without a browser: the worker's
// cursor table exposed over comlink on a MessageChannel (structured clone, as
// between a page and its worker), an engine on memory storage behind it, and
// the page's iterator in front. Rows equal the engine's own, a page at a time
// with one asked for ahead; breaking out closes the cursor; limits are typed
// errors.
import { test, expect, afterEach } from "vitest";
import "./helpers.js";
import { expose, wrap, releaseProxy, Remote } from "comlink";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { CursorTable, CursorPage, OpenedCursor, TooManyCursorsError, InvalidPageSizeError } from "../src/browser/cursors.js";
import { RemoteRows, CursorRemote, FIRST_PAGE_ROWS } from "../src/browser/paging.js";
import { encodeRows, decodeRows } from "../src/browser/rowset.js";
import { toWire, fromWire } from "../src/browser/wire.js";
import { Decimal, Duration } from "../src/types/values.js";
import type { CqlRow } from "../src/read/materialize.js";

const SCHEMA = "CREATE TABLE ks.t (pk int, ck int, v text, d decimal, u duration, tags set<text>, m map<int, blob>, n bigint, PRIMARY KEY (pk, ck))";

interface Worker {
  openCursor(cql: string, params: unknown, pageSize: number): Promise<OpenedCursor>;
  nextPage(id: number, pageSize: number): Promise<CursorPage>;
  closeCursor(id: number): Promise<void>;
  openCursors(): number;
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

/** An engine with `rows` rows behind a cursor table on the far side of a MessageChannel. */
async function across(rows: number, maxCursors?: number): Promise<{ engine: WriteEngine; worker: Remote<Worker>; calls: { next: number } }> {
  const engine = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA, walSync: "none" });
  for (let i = 0; i < rows; i += 500) {
    await engine.insert(
      Array.from({ length: Math.min(500, rows - i) }, (_, k) => {
        const n = i + k;
        return {
          pk: n % 17, ck: n, v: `row ${n}`, d: new Decimal(BigInt(n) * 7n, 2), u: new Duration(n % 3, 1, BigInt(n)),
          tags: n % 5 === 0 ? null : [`t${n % 4}`, "all"], m: n % 2 ? new Map([[n, Uint8Array.of(n & 255)]]) : null, n: BigInt(n) << 40n,
        };
      }),
    );
    if (i === 1000) await engine.flush();
  }
  const table = new CursorTable(maxCursors);
  const calls = { next: 0 };
  const side: Worker = {
    openCursor: (cql, params, pageSize) => table.start(() => engine.selectIter(cql, fromWire(params) as never), pageSize),
    nextPage: (id, pageSize) => (calls.next++, table.next(id, pageSize)),
    closeCursor: (id) => table.close(id),
    openCursors: () => table.size,
  };
  const { port1, port2 } = new MessageChannel();
  expose(side, port1);
  const worker = wrap<Worker>(port2);
  cleanup.push(async () => {
    worker[releaseProxy]();
    port1.close();
    port2.close();
    await table.closeAll();
    await engine.close();
  });
  return { engine, worker, calls };
}

function iterate(worker: Remote<Worker>, cql: string, pageSize: number, params?: unknown[]): RemoteRows {
  const remote: CursorRemote = { nextPage: (id, n) => worker.nextPage(id, n), closeCursor: (id) => worker.closeCursor(id) };
  return new RemoteRows(remote, (first) => worker.openCursor(cql, toWire(params), first), pageSize);
}

test("the rows cross a page at a time and equal the engine's, typed values included", async () => {
  const { engine, worker } = await across(2300);
  const want = await engine.select("SELECT * FROM t");
  expect(want).toHaveLength(2300);
  const it = iterate(worker, "SELECT * FROM t", 97);
  const got: CqlRow[] = [];
  for await (const r of it) got.push(r);
  expect(got).toEqual(want);
  expect(got.find((r) => r.ck === 10)!.d).toBeInstanceOf(Decimal);
  expect(got.find((r) => r.ck === 10)!.u).toBeInstanceOf(Duration);
  // a small first page (the first row comes as soon as a LIMIT's would), then pages of 97 (32 × 4 > 97)
  expect(it.pages).toBe(1 + Math.ceil((2300 - FIRST_PAGE_ROWS) / 97));
  expect(await worker.openCursors()).toBe(0);
  // bound markers and a result that fits in its first page
  const few: CqlRow[] = [];
  for await (const r of iterate(worker, "SELECT ck, v FROM t WHERE pk = ? AND ck < ?", 1000, [3, 100])) few.push(r);
  expect(few).toEqual(await engine.select("SELECT ck, v FROM t WHERE pk = ? AND ck < ?", [3, 100]));
  expect(few.length).toBeGreaterThan(0);
});

test("at most one page is asked for ahead of the one being read; breaking out closes the worker's cursor", async () => {
  const { worker, calls } = await across(3000);
  const it = iterate(worker, "SELECT * FROM t", 100);
  let seen = 0;
  for await (const _ of it) {
    if (++seen === 150) break; // in the third page (rows 133-232)
  }
  // the first page (32 rows) came with the open; each page taken asked for the one after it
  expect(FIRST_PAGE_ROWS).toBe(32);
  expect(calls.next).toBe(3);
  expect(await worker.openCursors()).toBe(0);
  // a cursor left open and read no further holds its place until closed
  const held = iterate(worker, "SELECT * FROM t", 100);
  expect((await held.next()).done).toBe(false);
  expect(await worker.openCursors()).toBe(1);
  await held.return();
  expect(await worker.openCursors()).toBe(0);
  expect((await held.next()).done).toBe(true);
});

test("cursors are bounded in number, page sizes in range, and a closed cursor is a typed error", async () => {
  const { worker } = await across(600, 2);
  const a = iterate(worker, "SELECT * FROM t", 10);
  const b = iterate(worker, "SELECT * FROM t", 10);
  await a.next();
  await b.next();
  await expect(iterate(worker, "SELECT * FROM t", 10).next()).rejects.toMatchObject({ message: expect.stringContaining("2 cursors are open") });
  await a.return();
  const c = iterate(worker, "SELECT * FROM t", 10);
  expect((await c.next()).done).toBe(false);
  await expect(worker.nextPage(99, 10)).rejects.toMatchObject({ message: expect.stringContaining("cursor 99 is not open") });
  await expect(iterate(worker, "SELECT * FROM t", 0).next()).rejects.toMatchObject({ message: expect.stringContaining("pageSize must be") });
  // the table's own errors carry their codes
  const table = new CursorTable(1);
  await expect(table.start(async function* () {}, 0)).rejects.toThrow(InvalidPageSizeError);
  await table.start(async function* () { yield { a: 1 }; yield { a: 2 }; }, 1);
  await expect(table.start(async function* () {}, 1)).rejects.toThrow(TooManyCursorsError);
  await b.return();
  await c.return();
});

test("a failing query ends its cursor and reaches the caller", async () => {
  const { worker } = await across(10);
  await expect(iterate(worker, "SELECT nope FROM t", 10).next()).rejects.toMatchObject({ message: expect.stringContaining("nope") });
  await expect(iterate(worker, "INSERT INTO t (pk, ck) VALUES (1, 1)", 10).next()).rejects.toMatchObject({ message: expect.stringContaining("SELECT") });
  expect(await worker.openCursors()).toBe(0);
});

test("row sets keep each row's own columns, in any order, through structured clone", () => {
  const rows: CqlRow[] = [{ a: 1, b: "x" }, { b: "y", a: 2 }, { a: 3 }, { c: new Decimal(5n, 1), a: null }, {}];
  const set = structuredClone(encodeRows(rows));
  expect(set.columns).toEqual(["a", "b", "c"]);
  const back = decodeRows(set);
  expect(back).toEqual(rows);
  expect(back[3].c).toBeInstanceOf(Decimal);
  expect(decodeRows(encodeRows([]))).toEqual([]);
});
