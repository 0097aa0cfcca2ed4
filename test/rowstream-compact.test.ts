// The compact row form (assembly/stream.ts) against the long one it stands
// for: random schemas and partitions (deletions, TTLs, statics, collections,
// range tombstones) and hand-made rows for what those leave out (shadowable
// deletions, elements at the row's timestamp) decode to the same partitions
// host-side, build the same SSTable in the core, merge alike in the memtable
// when written twice, and cut into blocks over the same rows; the scan's
// plain path takes the same partitions; and a compact row with bad flags, or
// cut short anywhere, is refused on both sides with an error. Log payloads carry them as format 3;
// format 2's long rows still replay.
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { Rng, randomSchema, randomPartitions, plain } from "./gen.js";
import { encodePartitions, encodePartitionsIndexed, decodePartitions, streamBlocks, readPlainPartition, PlainPartition } from "../src/core/rowstream.js";
import { SSTableWriter, MemorySink } from "../src/sstable/writer.js";
import { Memtable } from "../src/memtable/memtable.js";
import { ByteReader } from "../src/util/bytes.js";
import { parseTable } from "../src/cql/ddl.js";
import { tokenOf } from "../src/core/token.js";
import { encodeValue } from "../src/types/codec.js";
import { isMultiCell } from "../src/types/cqltype.js";
import { CoreError } from "../src/errors.js";
import { RS_ROW_COMPACT } from "../assembly/format/constants.js";
import { Partition, Row } from "../src/sstable/model.js";
import { encodeMutation, decodeMutation, mutationStream, MUTATION_FORMAT, BadMutationPayloadError } from "../src/engine/mutation.js";

const compact = (ps: Partition[]) => encodePartitionsIndexed(ps, undefined, true).bytes;

async function sstable(schema: ReturnType<typeof randomSchema>, stream: Uint8Array, keys: number): Promise<Map<string, string>> {
  const sink = new MemorySink();
  const w = new SSTableWriter(schema, sink, { version: "nb", generation: 1, expectedKeys: keys });
  await w.appendStream(stream, null, null);
  await w.finish();
  return new Map(sink.components().map((c) => [c, Buffer.from(sink.get(c)!).toString("hex")]));
}

describe("compact rows read as their long form", () => {
  test.each(Array.from({ length: 40 }, (_, i) => i + 1))("seed %i", async (seed) => {
    const r = new Rng(seed);
    const schema = randomSchema(r);
    const ps = randomPartitions(r, schema, 1 + r.int(60));
    const long = encodePartitions(ps);
    const short = compact(ps);
    expect(short.length).toBeLessThanOrEqual(long.length);
    if (ps.some((p) => p.unfiltereds.some((u) => u.type === "row"))) expect(short.includes(RS_ROW_COMPACT)).toBe(true);
    // host-side decoding
    expect(plain(decodePartitions(short))).toEqual(plain(decodePartitions(long)));
    // the core's writer: the same SSTable, every component
    expect(await sstable(schema, short, ps.length)).toEqual(await sstable(schema, long, ps.length));
    // the memtable takes both and reports the same
    const a = new Memtable(schema, () => 1_700_000_000);
    const b = new Memtable(schema, () => 1_700_000_000);
    a.applyEncoded(short);
    b.applyEncoded(long);
    expect([a.rows, a.columns, a.stats.get()]).toEqual([b.rows, b.columns, b.stats.get()]);
    expect(plain([...a.sortedStreams(4096)].flatMap((s) => decodePartitions(s)))).toEqual(plain([...b.sortedStreams(4096)].flatMap((s) => decodePartitions(s))));
    // written again (times shifted): each partition's two runs merge in the core
    const again = ps.map((p) => shifted(p, 1000n));
    a.applyEncoded(compact(again));
    b.applyEncoded(encodePartitions(again));
    expect(plain([...a.sortedStreams(4096)].flatMap((s) => decodePartitions(s)))).toEqual(plain([...b.sortedStreams(4096)].flatMap((s) => decodePartitions(s))));
    a.release();
    b.release();
    // per partition: the same blocks (at their own offsets) and the same plain-path verdict
    const complex = new Uint8Array(schema.columns.length);
    schema.columns.forEach((c, i) => (complex[i] = isMultiCell(c.type) || c.type.kind === "counter" ? 1 : 0));
    for (const p of ps) {
      const [l, c] = [encodePartitions([p]), compact([p])];
      // blocks are cut by width, so the compact rows' are fewer; both run
      // back to back over the same rows, from the same first to the same last
      const [bl, bc] = [streamBlocks(l, 256), streamBlocks(c, 256)];
      expect(bc.blocks.length).toBeLessThanOrEqual(bl.blocks.length);
      expect(bc.blocks.length === 0).toBe(bl.blocks.length === 0);
      let at = bc.headerEnd;
      for (const b of bc.blocks) {
        expect(b.offset).toBe(at);
        at += b.width;
      }
      expect(at).toBe(c.length - 1);
      if (bl.blocks.length) {
        const edges = (x: typeof bl) => plain([x.blocks[0].first, x.blocks[x.blocks.length - 1].last, x.blocks[x.blocks.length - 1].endOpenMarker]);
        expect(edges(bc)).toEqual(edges(bl));
      }
      const [pl, pc] = [new PlainPartition(), new PlainPartition()];
      const el = readPlainPartition(new ByteReader(l), 0, complex, pl);
      const ec = readPlainPartition(new ByteReader(c), 0, complex, pc);
      expect(ec === -1, JSON.stringify(plain(p))).toBe(el === -1);
      if (el !== -1) {
        expect(ec).toBe(c.length);
        expect([pc.rows, [...pc.marked.subarray(0, pc.rows)]]).toEqual([pl.rows, [...pl.marked.subarray(0, pl.rows)]]);
        const cells = (x: PlainPartition, s: Uint8Array) => Array.from({ length: x.firstCell[x.rows] }, (_, i) => [x.column[i], Buffer.from(s.subarray(x.cellAt[i], x.cellAt[i] + x.cellLength[i])).toString("hex")]);
        expect(cells(pc, c)).toEqual(cells(pl, l));
      }
    }
  });
});

/** The partition with every timestamp moved by `d` (row and cells alike, so cells stay at the row's). */
function shifted(p: Partition, d: bigint): Partition {
  const row = (x: Row): Row => ({ ...x, liveness: x.liveness && { ...x.liveness, timestamp: x.liveness.timestamp + d }, cells: x.cells.map((c) => ({ ...c, timestamp: c.timestamp + d })) });
  return { ...p, staticRow: p.staticRow && row(p.staticRow), unfiltereds: p.unfiltereds.map((u) => (u.type === "row" ? { type: "row" as const, row: row(u.row) } : u)) };
}

describe("rows the random ones leave out", () => {
  const schema = parseTable("CREATE TABLE ks.h (k int, c int, s set<int>, v text, PRIMARY KEY (k, c))");
  const key = encodeValue({ kind: "int" }, 1);
  const el = (i: number) => encodeValue({ kind: "int" }, i);
  // the regular columns in the schema's order: v (0), then s (1)
  const rows: Row[] = [
    // a shadowable row deletion, a live row with a TTL, elements at the row's timestamp and one not
    { clustering: [el(1)], deletion: { markedForDeleteAt: 9n, localDeletionTime: 100, shadowable: true }, cells: [] },
    { clustering: [el(2)], liveness: { timestamp: 20n, ttl: 60, localExpirationTime: 160 }, cells: [{ column: 0, timestamp: 20n, value: Uint8Array.of(0x61), ttl: 60, localDeletionTime: 160 }, { column: 1, timestamp: 20n, path: el(7), value: new Uint8Array(0), ttl: 60, localDeletionTime: 160 }] },
    { clustering: [el(3)], liveness: { timestamp: 30n, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: 29n, deleted: true, localDeletionTime: 50, value: new Uint8Array(0) }, { column: 1, timestamp: 30n, path: el(1), value: new Uint8Array(0) }, { column: 1, timestamp: 31n, path: el(2), value: new Uint8Array(0) }], complexDeletions: [{ column: 1, deletion: { markedForDeleteAt: 29n, localDeletionTime: 50 } }] },
    // no liveness (an UPDATE's row): cells carry their own timestamps
    { clustering: [el(4)], cells: [{ column: 0, timestamp: 40n, value: Uint8Array.of(0x62) }] },
  ];
  const p: Partition = { key, token: tokenOf(key), unfiltereds: rows.map((row) => ({ type: "row" as const, row })) };

  test("read, built and merged as their long form", async () => {
    const [l, c] = [encodePartitions([p]), compact([p])];
    expect(c.length).toBeLessThan(l.length);
    expect(plain(decodePartitions(c))).toEqual(plain([p]));
    expect(schema.columns.map((x) => x.name)).toEqual(["v", "s"]);
    expect(await sstable(schema, c, 1)).toEqual(await sstable(schema, l, 1));
    const [a, b] = [new Memtable(schema, () => 100), new Memtable(schema, () => 100)];
    for (const d of [0n, 5n]) {
      a.applyEncoded(compact([shifted(p, d)]));
      b.applyEncoded(encodePartitions([shifted(p, d)]));
    }
    expect(a.stats.get()).toEqual(b.stats.get());
    expect(plain([...a.sortedStreams(1 << 20)].flatMap((s) => decodePartitions(s)))).toEqual(plain([...b.sortedStreams(1 << 20)].flatMap((s) => decodePartitions(s))));
    a.release();
    b.release();
  });

  test("cut short anywhere, refused with an error by the decoder, the memtable and the writer", async () => {
    const c = compact([p]);
    for (let n = 1; n < c.length; n++) {
      const cut = c.subarray(0, n);
      expect(() => decodePartitions(cut)).toThrow();
      const m = new Memtable(schema, () => 100);
      expect(() => m.applyEncoded(cut)).toThrow(CoreError);
      expect(m.rows).toBe(0);
      m.release();
    }
    const w = new SSTableWriter(schema, new MemorySink(), { version: "nb", generation: 1, expectedKeys: 1 });
    await expect(w.appendStream(c.subarray(0, c.length - 3), null, null).then(() => w.finish())).rejects.toThrow();
  });
});

describe("a compact row with bad flags is refused", () => {
  const schema = parseTable("CREATE TABLE ks.t (k int PRIMARY KEY, v text)");
  const key = encodeValue({ kind: "int" }, 1);
  const p: Partition = { key, token: tokenOf(key), unfiltereds: [{ type: "row", row: { clustering: [], liveness: { timestamp: 5n, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: 5n, value: Uint8Array.of(0x61) }] } }] };
  const good = compact([p]);
  // the row's flags sit after its tag and the clustering count; the cell's after its column
  const flagsAt = 1 + 8 + 4 + key.length + 12 + 2;
  const cellFlagsAt = flagsAt + 1 + 8 + 4 + 2;
  const bad = (at: number, v: number) => {
    const b = good.slice();
    b[at] = v;
    return b;
  };
  const cases: [string, Uint8Array][] = [
    ["an unknown row flag", bad(flagsAt, 0x21)],
    ["a TTL without a liveness timestamp", bad(flagsAt, 0x02)],
    ["a cell at the row's timestamp in a row without one", (() => {
      // no liveness: the 8 timestamp bytes go, the cell still says "the row's"
      const b = bad(flagsAt, 0x00);
      return Uint8Array.of(...b.subarray(0, flagsAt + 1), ...b.subarray(flagsAt + 9));
    })()],
    ["an unknown cell flag", bad(cellFlagsAt, 0x18)],
    ["a shadowable deletion without a deletion", bad(flagsAt, 0x09)],
    ["a liveness TTL of 0 (its long form has no TTL)", (() => {
      const b = bad(flagsAt, 0x03);
      return Uint8Array.of(...b.subarray(0, flagsAt + 9), 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, ...b.subarray(flagsAt + 9));
    })()],
    ["a liveness timestamp of Long.MIN_VALUE", (() => {
      const b = good.slice();
      b.set([0x80, 0, 0, 0, 0, 0, 0, 0], flagsAt + 1);
      return b;
    })()],
  ];
  test("the good row reads", () => {
    expect(good[flagsAt - 2]).toBe(RS_ROW_COMPACT);
    expect(plain(decodePartitions(good))).toEqual(plain([p]));
  });
  test.each(cases)("%s", async (_what, b) => {
    expect(() => decodePartitions(b)).toThrow(/row stream: (bad compact (row|cell) flags|a compact row's liveness timestamp)/);
    const m = new Memtable(schema, () => 1);
    expect(() => m.applyEncoded(b)).toThrow(CoreError);
    expect(m.rows).toBe(0);
    m.release();
    const w = new SSTableWriter(schema, new MemorySink(), { version: "nb", generation: 1, expectedKeys: 1 });
    await expect(w.appendStream(b, null, null).then(() => w.finish())).rejects.toThrow(/INVALID/);
  });
});

describe("log payloads: format 3 (compact rows) written, format 2 (long rows) still read", () => {
  const r = new Rng(7);
  const schema = randomSchema(r);
  const ps = randomPartitions(r, schema, 30);

  test("a mutation is logged in format 3 and reads back as written", () => {
    const m = encodeMutation(schema, ps.map((p) => ({ ...p })));
    expect(m.payload[0]).toBe(MUTATION_FORMAT);
    expect(MUTATION_FORMAT).toBe(3);
    expect(plain(decodeMutation(1n, m.payload).partitions)).toEqual(plain(ps));
    // smaller than the same partitions in long rows
    expect(m.payload.length).toBeLessThanOrEqual(1 + encodePartitions(ps).length);
  });

  test("a format 2 payload (long rows, from before) replays into the same memtable", () => {
    const old = Uint8Array.of(2, ...encodePartitions(ps));
    const now = encodeMutation(schema, ps.map((p) => ({ ...p }))).payload;
    expect(plain(decodeMutation(1n, old).partitions)).toEqual(plain(decodeMutation(2n, now).partitions));
    const [a, b] = [new Memtable(schema, () => 1_700_000_000), new Memtable(schema, () => 1_700_000_000)];
    a.applyEncoded(mutationStream(1n, old));
    b.applyEncoded(mutationStream(2n, now));
    expect(plain([...a.sortedStreams(1 << 20)].flatMap((s) => decodePartitions(s)))).toEqual(plain([...b.sortedStreams(1 << 20)].flatMap((s) => decodePartitions(s))));
    a.release();
    b.release();
  });

  test("a payload of a format this engine does not know is refused by name", () => {
    const future = Uint8Array.of(4, ...encodePartitions(ps));
    expect(() => decodeMutation(9n, future)).toThrow(BadMutationPayloadError);
    expect(() => mutationStream(9n, future)).toThrow(/record 9: unknown payload format 4 \(this engine writes 3\)/);
  });
});
