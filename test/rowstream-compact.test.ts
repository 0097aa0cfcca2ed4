// The compact row form (assembly/stream.ts) against the long one it stands
// for: random schemas and partitions (deletions, TTLs, statics, collections,
// range tombstones) decode to the same partitions host-side, build the same
// SSTable in the core, and cut into the same blocks; the scan's plain path
// takes the same partitions; and a compact row with bad flags is refused on
// both sides with an error that says so. Log payloads carry them as format 3;
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
import { Partition } from "../src/sstable/model.js";
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

describe("a compact row with bad flags is refused", () => {
  const schema = parseTable("CREATE TABLE ks.t (k int PRIMARY KEY, v text)");
  const key = encodeValue({ kind: "int" }, 1);
  const p: Partition = { key, token: tokenOf(key), unfiltereds: [{ type: "row", row: { clustering: [], liveness: { timestamp: 5n, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: 5n, value: Uint8Array.of(0x61) }] } }] };
  const good = compact([p]);
  // the row's flags sit after its tag and the clustering count; the cell's after its column
  const flagsAt = good.indexOf(RS_ROW_COMPACT) + 2;
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
  ];
  test("the good row reads", () => {
    expect(plain(decodePartitions(good))).toEqual(plain([p]));
  });
  test.each(cases)("%s", async (_what, b) => {
    expect(() => decodePartitions(b)).toThrow(/row stream: bad compact (row|cell) flags/);
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
