// Simple rows (a row timestamp or none, no TTL, no deletion, live cells of
// simple columns) are written from the row stream's bytes; every other row
// is decoded into the core's Row and written from it. The two ways must give
// the same SSTable, component for component, and fail alike on a damaged
// stream: the writer with `simpleRows: false` takes the second way for
// every row, and counts how many it wrote the first way (none then).
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { Rng, randomSchema, randomPartitions } from "./gen.js";
import { parseTable } from "../src/cql/ddl.js";
import { encodePartitions, encodePartitionsIndexed } from "../src/core/rowstream.js";
import { tokenOf } from "../src/core/token.js";
import { encodeValue } from "../src/types/codec.js";
import { comparePartitions } from "../src/schema/order.js";
import { SSTableWriter, MemorySink } from "../src/sstable/writer.js";
import { Partition, Row, Cell } from "../src/sstable/model.js";
import { TableSchema } from "../src/schema/schema.js";
import { FormatVersion } from "../src/sstable/version.js";

type Outcome = { files: Map<string, Uint8Array>; simpleRows: number } | { error: string };

async function write(schema: TableSchema, version: FormatVersion, stream: Uint8Array, keys: number, simpleRows: boolean): Promise<Outcome> {
  const sink = new MemorySink();
  let written: number;
  try {
    const w = new SSTableWriter(schema, sink, { version, generation: 1, expectedKeys: keys, simpleRows });
    await w.appendStream(stream, null, null);
    written = w.simpleRowsWritten;
    await w.finish();
  } catch (e) {
    // the core's failures name their kind and the stream offset
    const c = e as { name: string; code?: string; offset?: number };
    return { error: `${c.name} ${c.code} at ${c.offset}` };
  }
  return { files: new Map(sink.components().map((c) => [c, sink.get(c)!])), simpleRows: written };
}

/** Writes `stream` both ways and holds them to each other; returns the Row way's outcome and how many rows the simple way took. */
async function expectAlike(schema: TableSchema, version: FormatVersion, stream: Uint8Array, keys: number): Promise<{ out: Outcome; simpleRows: number }> {
  const simple = await write(schema, version, stream, keys, true);
  const byRow = await write(schema, version, stream, keys, false);
  if ("error" in byRow) {
    expect(simple).toEqual(byRow);
    return { out: byRow, simpleRows: 0 };
  }
  expect(byRow.simpleRows).toBe(0);
  expect("files" in simple, "error" in simple ? simple.error : "").toBe(true);
  const a = simple as { files: Map<string, Uint8Array>; simpleRows: number };
  expect([...a.files.keys()].sort()).toEqual([...byRow.files.keys()].sort());
  for (const [c, bytes] of byRow.files) expect(Buffer.from(a.files.get(c)!).equals(Buffer.from(bytes)), c).toBe(true);
  return { out: byRow, simpleRows: a.simpleRows };
}

const sorted = (ps: Partition[]) => [...ps].sort((a, b) => comparePartitions(a.token, a.key, b.token, b.key));

// A table with every kind of column a simple row may or may not touch.
const TABLE = parseTable(
  "CREATE TABLE ks.t (p int, c int, a int, b text, d blob, e bigint, s int static, l list<int>, PRIMARY KEY (p, c))",
);
const col = (name: string) => TABLE.columns.findIndex((c) => c.name === name);
const TS = 1_700_000_000_000_000n;
const live = (timestamp: bigint) => ({ timestamp, ttl: 0, localExpirationTime: 0x7fffffff });
const int = (v: number) => encodeValue({ kind: "int" }, v);
const cell = (name: string, value: Uint8Array, timestamp = TS): Cell => ({ column: col(name), timestamp, value });

// rows of each shape: simple ones first, then ones that are not
function shapes(i: number): Row[] {
  const text = encodeValue({ kind: "text" }, "v".repeat(i % 40) + i);
  const all = [cell("a", int(i)), cell("b", text), cell("d", new Uint8Array(i % 5)), cell("e", encodeValue({ kind: "bigint" }, BigInt(i)))];
  return [
    { clustering: [int(0)], liveness: live(TS), cells: all },
    { clustering: [int(1)], liveness: live(TS), cells: [cell("b", text)] }, // a subset of the columns
    { clustering: [int(2)], cells: [cell("a", int(i), TS + 5n), cell("e", encodeValue({ kind: "bigint" }, 1n), TS - 9n)] }, // no row timestamp
    { clustering: [int(3)], liveness: live(TS), cells: [cell("a", int(i), TS + 1n), cell("b", new Uint8Array(0))] }, // a cell's own timestamp, an empty value
    { clustering: [int(4)], liveness: live(TS), cells: [] }, // the key alone
    { clustering: [int(5)], liveness: { timestamp: TS, ttl: 60, localExpirationTime: 1_700_000_060 }, cells: [cell("a", int(i))] }, // TTL: not simple
    { clustering: [int(6)], deletion: { markedForDeleteAt: TS, localDeletionTime: 1_700_000_000 }, cells: [] }, // deleted: not simple
    { clustering: [int(7)], liveness: live(TS), cells: [{ ...cell("a", int(i)), ttl: 10, localDeletionTime: 1_700_000_010 }] }, // an expiring cell
    { clustering: [int(8)], liveness: live(TS), cells: [{ ...cell("b", new Uint8Array(0)), deleted: true, localDeletionTime: 1_700_000_000 }] }, // a deleted cell
    { clustering: [int(9)], liveness: live(TS), cells: [cell("a", int(i)), { column: col("l"), timestamp: TS, path: new Uint8Array(16).fill(i & 0xff), value: int(i) }] }, // a collection
  ];
}

function shapedPartitions(n: number, pick: (i: number, shapes: Row[]) => Row[]): Partition[] {
  const ps: Partition[] = [];
  for (let i = 0; i < n; i++) {
    const key = int(i);
    const p: Partition = { key, token: tokenOf(key), unfiltereds: pick(i, shapes(i)).map((row) => ({ type: "row", row })) };
    if (i % 3 === 0) p.staticRow = { clustering: [], cells: [cell("s", int(i))] };
    ps.push(p);
  }
  return sorted(ps);
}

describe("compact rows a writer never makes", () => {
  // one partition, one row: 'r', the clustering (1 value of 4 bytes), flags, the row timestamp, one cell at it
  const key = int(1);
  const p: Partition = { key, token: tokenOf(key), unfiltereds: [{ type: "row", row: { clustering: [int(0)], liveness: live(TS), cells: [cell("a", int(5))] } }] };
  const stream = encodePartitionsIndexed([p], undefined, true).bytes;
  const row = 1 + 8 + 4 + 4 + 8 + 4;
  const flagsAt = row + 1 + 1 + 4 + 4;
  test("the layout this test cuts into", async () => {
    expect([stream[row], stream[flagsAt], stream[flagsAt + 1 + 8 + 4 + 2]]).toEqual([0x72, 0x01, 0x08]);
    expect((await expectAlike(TABLE, "nb", stream, 1)).simpleRows).toBe(1);
  });
  test("a cell at the row's timestamp in a row without one fails both ways", async () => {
    const bad = Buffer.concat([stream.subarray(0, flagsAt), Uint8Array.of(0), stream.subarray(flagsAt + 9)]);
    expect("error" in (await expectAlike(TABLE, "nb", bad, 1)).out).toBe(true);
  });
  const cellAt = flagsAt + 1 + 8 + 4; // u16 column, u8 flags, then the value's i32 length
  const valueEnd = cellAt + 3 + 4 + 4;
  test("rows no writer makes but readers take: the same SSTable both ways", async () => {
    // a cell whose own timestamp is the row's (writers flag it instead)
    const own = Buffer.concat([stream.subarray(0, cellAt + 2), Uint8Array.of(0), stream.subarray(flagsAt + 1, flagsAt + 9), stream.subarray(cellAt + 3)]);
    // complex deletions flagged, none counted
    const none = Buffer.concat([stream.subarray(0, flagsAt), Uint8Array.of(0x11), stream.subarray(flagsAt + 1, valueEnd), Uint8Array.of(0, 0, 0, 0), stream.subarray(valueEnd)]);
    expect((await expectAlike(TABLE, "nb", own, 1)).simpleRows).toBe(1);
    const { out, simpleRows } = await expectAlike(TABLE, "nb", none, 1);
    expect(["files" in out, simpleRows]).toEqual([true, 0]);
  });
  test("a row with neither a timestamp nor a cell: the same SSTable both ways", async () => {
    const empty = encodePartitionsIndexed([{ ...p, unfiltereds: [{ type: "row", row: { clustering: [int(0)], cells: [] } }] }], undefined, true).bytes;
    expect(empty[flagsAt]).toBe(0);
    expect((await expectAlike(TABLE, "nb", empty, 1)).simpleRows).toBe(1);
  });
  test("unknown cell flags, a negative value length, a column twice: fail both ways", async () => {
    const edits: [number, number[]][] = [
      [cellAt + 2, [0x10]],
      [cellAt + 2, [0x09]],
      [cellAt + 3, [0xff, 0xff, 0xff, 0xff]],
    ];
    for (const [at, bytes] of edits) {
      const bad = stream.slice();
      bad.set(bytes, at);
      expect("error" in (await expectAlike(TABLE, "nb", bad, 1)).out, `${at}: ${bytes}`).toBe(true);
    }
    // the cell repeated, the count raised to match
    const twice = Buffer.concat([stream.subarray(0, valueEnd), stream.subarray(cellAt, valueEnd), stream.subarray(valueEnd)]);
    twice.set([0, 0, 0, 2], flagsAt + 9);
    expect("error" in (await expectAlike(TABLE, "nb", twice, 1)).out).toBe(true);
  });
  test("a row timestamp of Long.MIN_VALUE fails both ways, with a cell at it or with no cell", async () => {
    const bare = encodePartitionsIndexed([{ ...p, unfiltereds: [{ type: "row", row: { clustering: [int(0)], liveness: live(TS), cells: [] } }] }], undefined, true).bytes;
    for (const rows of [stream, bare]) {
      const bad = rows.slice();
      bad.set([0x80, 0, 0, 0, 0, 0, 0, 0], flagsAt + 1);
      expect("error" in (await expectAlike(TABLE, "nb", bad, 1)).out).toBe(true);
    }
  });
});

// the same rows in both forms of the row stream: long (decoders, merges) and
// compact (what a write logs and the memtable keeps, so what most flushes read)
for (const form of ["long", "compact"] as const)
describe(`simple rows from the stream's bytes (${form} rows)`, () => {
  const encode = (ps: Partition[]) => (form === "long" ? encodePartitions(ps) : encodePartitionsIndexed(ps, undefined, true).bytes);
  for (const version of ["md", "nb", "oa", "da"] as const) {
    test(`rows of every shape: the same SSTable both ways (${version})`, async () => {
      const ps = shapedPartitions(200, (i, s) => s.filter((_, j) => (i + j) % 3 !== 0));
      const rows = ps.flatMap((p) => p.unfiltereds).length;
      const { simpleRows } = await expectAlike(TABLE, version, encode(ps), ps.length);
      // the first five shapes are simple, the rest not
      expect(simpleRows).toBe(ps.flatMap((p) => p.unfiltereds).filter((u) => u.type === "row" && Number(new DataView(u.row.clustering[0]!.buffer, u.row.clustering[0]!.byteOffset).getInt32(0)) < 5).length);
      expect(simpleRows).toBeLessThan(rows);
    });

    test(`only simple rows: the same SSTable both ways (${version})`, async () => {
      const ps = shapedPartitions(300, (_, s) => s.slice(0, 5));
      const { simpleRows } = await expectAlike(TABLE, version, encode(ps), ps.length);
      expect(simpleRows).toBe(ps.length * 5);
    });

    test(`random schemas and rows: the same SSTable both ways (${version})`, async () => {
      let simple = 0;
      for (let seed = 1; seed <= 12; seed++) {
        const rng = new Rng(seed * 104729 + version.charCodeAt(0));
        const schema = randomSchema(rng);
        const ps = randomPartitions(rng, schema, 60);
        simple += (await expectAlike(schema, version, encode(ps), ps.length)).simpleRows;
      }
      expect(simple).toBeGreaterThan(0);
    });
  }

  // no static row or other row to set the statistics' TTL and deletion time bounds for them
  for (const clustered of [false, true])
  test(`a table of simple rows alone: the same SSTable both ways (${clustered ? "clustered" : "one row per partition"})`, async () => {
    const schema = parseTable(clustered ? "CREATE TABLE ks.ts (p int, t int, v text, PRIMARY KEY (p, t))" : "CREATE TABLE ks.kv (id int PRIMARY KEY, payload text)");
    const ps: Partition[] = [];
    for (let i = 0; i < 500; i++) {
      const key = int(i);
      const rows = clustered ? 1 + (i % 9) : 1;
      const unfiltereds = Array.from({ length: rows }, (_, t) => ({
        type: "row" as const,
        row: { clustering: clustered ? [int(t)] : [], liveness: live(TS + BigInt(i)), cells: [{ column: schema.columns.length - 1, timestamp: TS + BigInt(i % 4), value: encodeValue({ kind: "text" }, "x".repeat(i % 130)) }] },
      }));
      ps.push({ key, token: tokenOf(key), unfiltereds });
    }
    const { simpleRows } = await expectAlike(schema, "nb", encode(sorted(ps)), ps.length);
    expect(simpleRows).toBe(ps.flatMap((p) => p.unfiltereds).length);
  });

  // a partial row's columns go in a 64-bit mask below 64 regular columns and as a list from 64
  for (const width of [62, 63, 64, 65])
  test(`partial rows of a table of ${width} regular columns agree (${width < 64 ? "simple" : "the Row's way"})`, async () => {
    const cols = Array.from({ length: width }, (_, i) => `v${i} int`).join(", ");
    const schema = parseTable(`CREATE TABLE ks.wide (p int PRIMARY KEY, ${cols})`);
    const ps: Partition[] = [];
    for (let i = 0; i < 50; i++) {
      const key = int(i);
      // all columns, none, the last alone, and every k-th
      const keep = (j: number) => i === 0 || (i === 2 ? j === width : i === 3 ? j === 1 : i !== 1 && j % (1 + (i % 7)) === 0);
      const cells = schema.columns.map((c, j) => ({ c, j })).filter(({ c, j }) => c.kind === "regular" && keep(j));
      ps.push({ key, token: tokenOf(key), unfiltereds: [{ type: "row", row: { clustering: [], liveness: live(TS), cells: cells.map(({ j }) => ({ column: j, timestamp: TS, value: int(j) })) } }] });
    }
    const { simpleRows } = await expectAlike(schema, "nb", encode(sorted(ps)), ps.length);
    // past 63 columns only whole rows are simple
    expect(simpleRows).toBe(width < 64 ? ps.length : ps.filter((p) => p.unfiltereds[0].type === "row" && p.unfiltereds[0].row.cells.length === width).length);
  });

  test("a fixed-length value of the wrong length fails both ways", async () => {
    const key = int(1);
    const bad: Partition = { key, token: tokenOf(key), unfiltereds: [{ type: "row", row: { clustering: [int(0)], liveness: live(TS), cells: [cell("a", new Uint8Array(3))] } }] };
    const { out } = await expectAlike(TABLE, "nb", encode([bad]), 1);
    expect("error" in out).toBe(true);
  });

  test("a stream cut at every byte of its simple rows: both ways write the same or fail alike", async () => {
    const ps = shapedPartitions(2, (_, s) => s.slice(0, 4));
    const stream = encode(ps);
    let failed = 0;
    for (let k = 1; k < stream.length; k++) if ("error" in (await expectAlike(TABLE, "nb", stream.subarray(0, k), ps.length)).out) failed++;
    // every cut fails but the one between the two partitions, a whole stream of one
    expect(failed).toBe(stream.length - 2);
  });

  test("a damaged stream: both ways write the same or fail alike", async () => {
    const ps = shapedPartitions(40, (i, s) => s.filter((_, j) => (i + j) % 2 === 0));
    const stream = encode(ps);
    const rng = new Rng(4242);
    let failed = 0;
    for (let n = 0; n < 150; n++) {
      const damaged = stream.slice();
      for (let k = 1 + rng.int(3); k > 0; k--) damaged[rng.int(damaged.length)] ^= 1 << rng.int(8);
      if ("error" in (await expectAlike(TABLE, "nb", damaged, ps.length)).out) failed++;
    }
    // the damage reaches both outcomes
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThan(150);
  });
});
