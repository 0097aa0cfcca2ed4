// readPlainPartition takes a partition only when every row it holds is live
// as written; each feature that can hide or expire a value sends it to the
// general decoder instead. Cases as data: a partition, and whether it is plain.
import { test, expect } from "vitest";
import "./helpers.js";
import { encodePartitions, readPlainPartition, PlainPartition } from "../src/core/rowstream.js";
import { ByteReader } from "../src/util/bytes.js";
import { Partition, Row, MARKER_KINDS } from "../src/sstable/model.js";

const TS = 1_700_000_000_000_000n;
const v = (n: number) => Uint8Array.of(0, 0, 0, n);
const row = (ck: number, extra: Partial<Row> = {}): Row => ({ clustering: [v(ck)], liveness: { timestamp: TS, ttl: 0, localExpirationTime: 0 }, cells: [{ column: 0, timestamp: TS, value: v(ck * 10) }], ...extra });
const part = (p: Partial<Partition> = {}): Partition => ({ key: v(7), token: 42n, unfiltereds: [{ type: "row", row: row(1) }, { type: "row", row: row(2) }], ...p });
const deletion = { markedForDeleteAt: TS - 1n, localDeletionTime: 1_700_000_000 };
// column 1 is a collection (complex)
const COMPLEX = Uint8Array.of(0, 1);

const cases: [string, Partition, boolean][] = [
  ["rows with markers and cells", part(), true],
  ["a row without a marker", part({ unfiltereds: [{ type: "row", row: row(1, { liveness: undefined }) }] }), true],
  ["a null and an empty clustering value", part({ unfiltereds: [{ type: "row", row: row(1, { clustering: [null, new Uint8Array(0)] }) }] }), true],
  ["a partition deletion", part({ deletion }), false],
  ["a static row", part({ staticRow: { clustering: [], cells: [{ column: 0, timestamp: TS, value: v(1) }] } }), false],
  ["a row deletion", part({ unfiltereds: [{ type: "row", row: row(1, { deletion }) }] }), false],
  ["a TTL on the row marker", part({ unfiltereds: [{ type: "row", row: row(1, { liveness: { timestamp: TS, ttl: 60, localExpirationTime: 1_700_000_060 } }) }] }), false],
  ["an expiring cell", part({ unfiltereds: [{ type: "row", row: row(1, { cells: [{ column: 0, timestamp: TS, value: v(1), ttl: 60, localDeletionTime: 1_700_000_060 }] }) }] }), false],
  ["a deleted cell", part({ unfiltereds: [{ type: "row", row: row(1, { cells: [{ column: 0, timestamp: TS, value: new Uint8Array(0), deleted: true, localDeletionTime: 1_700_000_000 }] }) }] }), false],
  ["a cell of a complex column", part({ unfiltereds: [{ type: "row", row: row(1, { cells: [{ column: 1, timestamp: TS, value: v(1), path: v(0) }] }) }] }), false],
  ["a complex deletion", part({ unfiltereds: [{ type: "row", row: row(1, { complexDeletions: [{ column: 1, deletion }] }) }] }), false],
  ["a range deletion", part({ unfiltereds: [{ type: "marker", marker: { kind: MARKER_KINDS.INCL_START_BOUND, clustering: [v(1)], deletion } }, { type: "row", row: row(1) }, { type: "marker", marker: { kind: MARKER_KINDS.INCL_END_BOUND, clustering: [v(1)], deletion } }] }), false],
  // past the arrays' first sizes and their doublings: every row a marker and no cell, or alternating
  ...[17, 33, 65, 130, 300].map((n): [string, Partition, boolean] => [`${n} rows with a marker and no cell`, part({ unfiltereds: Array.from({ length: n }, (_, i) => ({ type: "row" as const, row: row(i, { cells: [] }) })) }), true]),
  ["300 rows, a marker and no cell on every other", part({ unfiltereds: Array.from({ length: 300 }, (_, i) => ({ type: "row" as const, row: i % 2 ? row(i, { cells: [] }) : row(i) })) }), true],
];

// the name and the verdict in the test's title, the partition after them (printed whole it would be the title)
test.each(cases.map(([name, p, plain]) => [name, plain, p] as const))("%s: plain %s", (_, plain, p) => {
  // a plain partition between two others: each is read from where the last ended
  const bytes = encodePartitions([part(), p, part()]);
  const r = new ByteReader(bytes);
  const into = new PlainPartition();
  const first = readPlainPartition(r, 0, COMPLEX, into);
  expect(first).toBeGreaterThan(0);
  const end = readPlainPartition(r, first, COMPLEX, into);
  if (!plain) return expect(end).toBe(-1);
  expect(end).toBe(encodePartitions([part(), p]).length);
  const rows = p.unfiltereds.map((u) => (u.type === "row" ? u.row : null)!);
  expect(into.rows).toBe(rows.length);
  expect(bytes.subarray(into.keyAt, into.keyAt + into.keyLength)).toEqual(p.key);
  for (let i = 0; i < rows.length; i++) {
    expect(into.marked[i]).toBe(rows[i].liveness ? 1 : 0);
    const values = Array.from({ length: into.firstValue[i + 1] - into.firstValue[i] }, (_, k) => {
      const j = into.firstValue[i] + k;
      return into.valueLength[j] < 0 ? null : bytes.subarray(into.valueAt[j], into.valueAt[j] + into.valueLength[j]);
    });
    expect(values).toEqual(rows[i].clustering);
    const cells = Array.from({ length: into.firstCell[i + 1] - into.firstCell[i] }, (_, k) => {
      const j = into.firstCell[i] + k;
      return { column: into.column[j], value: bytes.subarray(into.cellAt[j], into.cellAt[j] + into.cellLength[j]) };
    });
    expect(cells).toEqual(rows[i].cells.map((c) => ({ column: c.column, value: c.value })));
  }
});

test("a stream cut short anywhere in a plain partition is an error, never a partition", () => {
  const bytes = encodePartitions([part()]);
  for (let n = 1; n < bytes.length; n++) expect(() => readPlainPartition(new ByteReader(bytes.subarray(0, n)), 0, COMPLEX, new PlainPartition())).toThrow(/truncated/);
});

test("the offset arrays grow past their first size", () => {
  const many = part({ unfiltereds: Array.from({ length: 100 }, (_, i) => ({ type: "row" as const, row: row(i, { cells: [{ column: 0, timestamp: TS, value: v(i) }, { column: 2, timestamp: TS, value: v(i + 1) }] }) })) });
  const bytes = encodePartitions([many]);
  const into = new PlainPartition();
  expect(readPlainPartition(new ByteReader(bytes), 0, COMPLEX, into)).toBe(bytes.length);
  expect(into.rows).toBe(100);
  expect(into.firstCell[100]).toBe(200);
  expect(bytes.subarray(into.cellAt[199], into.cellAt[199] + 4)).toEqual(v(100));
});

// Through the engine: rows written with their primary key alone (a marker,
// no cell), in partitions past the first growth of the scan's row arrays,
// all come back from a full scan and from SELECT *, in memory and flushed.
test("a full scan returns every row of partitions of key-only rows", async () => {
  const { WriteEngine } = await import("../src/engine/engine.js");
  const { MemoryStorage } = await import("../src/storage/memory.js");
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE ks.t (k int, c int, v int, PRIMARY KEY (k, c))" });
  const sizes = [16, 17, 32, 33, 34, 64, 65, 66, 67, 130, 300];
  for (const [k, n] of sizes.entries()) await e.executeMany("INSERT INTO t (k, c) VALUES (?, ?)", Array.from({ length: n }, (_, c) => [k, c]));
  const count = async () => {
    const per = new Map<number, number>();
    for await (const r of e.scan()) per.set(r.k as number, (per.get(r.k as number) ?? 0) + 1);
    return sizes.map((_, k) => per.get(k) ?? 0);
  };
  expect(await count()).toEqual(sizes);
  expect((await e.execute("SELECT * FROM t")).rows).toHaveLength(sizes.reduce((a, b) => a + b));
  await e.flush();
  expect(await count()).toEqual(sizes);
  await e.close();
});
