// The memtable in the core's linear memory against the oracle: random
// schemas, random mixes of inserts, updates, deletions, range tombstones,
// TTLs and statics, many updates to one partition, reads between writes and
// flushes; and input that must not corrupt it (bytes it cannot read, an
// update larger than a slab, many tiny partitions, a 100k-row partition).
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { Rng, randomSchema, randomPartitions } from "./gen.js";
import { oracle, sortRows, NOW } from "./oracle.js";
import { Memtable } from "../src/memtable/memtable.js";
import { memtableCore } from "../src/core/core.js";
import { encodePartitions, decodePartitions } from "../src/core/rowstream.js";
import { materialize } from "../src/read/materialize.js";
import { parseTable } from "../src/cql/ddl.js";
import { Partition, Row, NO_TIMESTAMP } from "../src/sstable/model.js";
import { tokenOf } from "../src/core/token.js";
import { composeKey } from "../src/schema/keys.js";
import { encodeValue } from "../src/types/codec.js";
import { toHex, compareBytes } from "../src/util/bytes.js";
import { TableSchema } from "../src/schema/schema.js";
import { CoreError } from "../src/errors.js";

const now = () => NOW;

function rowsOf(schema: TableSchema, stream: Uint8Array) {
  return decodePartitions(stream).flatMap((p) => materialize(schema, p, { nowSeconds: NOW }));
}

function shiftTimes(p: Partition, r: Rng): Partition {
  const shift = (ts: bigint) => ts + BigInt(r.int(2000) - 1000) * 1000n;
  const row = (x: Row): Row => ({
    ...x,
    liveness: x.liveness && { ...x.liveness, timestamp: shift(x.liveness.timestamp) },
    cells: x.cells.map((c) => ({ ...c, timestamp: shift(c.timestamp) })),
  });
  return { ...p, staticRow: p.staticRow && row(p.staticRow), unfiltereds: p.unfiltereds.map((u) => (u.type === "row" ? { type: "row" as const, row: row(u.row) } : u)) };
}

/** What the memtable should report of the updates: distinct rows, columns written, the minimum timestamp. */
function expected(updates: Partition[]) {
  const rows = new Set<string>();
  const columns = new Set<number>();
  let minTs: bigint | null = null;
  const ts = (t: bigint) => void (t !== NO_TIMESTAMP && (minTs === null || t < minTs) && (minTs = t));
  const del = (d?: { markedForDeleteAt: bigint }) => d && ts(d.markedForDeleteAt);
  for (const p of updates) {
    const k = toHex(p.key);
    del(p.deletion);
    const all = p.unfiltereds.flatMap((u) => (u.type === "row" ? [u.row] : (del(u.marker.deletion), del(u.marker.openDeletion), [])));
    if (p.staticRow) {
      rows.add(`${k}/static`);
      all.push(p.staticRow);
    }
    for (const r of p.unfiltereds) if (r.type === "row") rows.add(`${k}/${r.row.clustering.map((v) => (v ? toHex(v) : "-")).join("|")}`);
    for (const r of all) {
      if (r.liveness) ts(r.liveness.timestamp);
      del(r.deletion);
      for (const c of r.cells) (columns.add(c.column), ts(c.timestamp));
      for (const d of r.complexDeletions ?? []) (columns.add(d.column), del(d.deletion));
    }
  }
  return { rows: rows.size, columns, minTs };
}

function checkSorted(m: Memtable): void {
  const es = m.sortedEntries();
  for (let i = 1; i < es.length; i++) {
    const a = es[i - 1], b = es[i];
    expect(a.token < b.token || (a.token === b.token && compareBytes(a.key, b.key) < 0)).toBe(true);
  }
  expect(es.length).toBe(m.partitionCount);
  expect(m.checkInvariants()).toBe(true);
}

describe("the arena memtable agrees with the oracle", () => {
  for (let seed = 1; seed <= 40; seed++) {
    test(`seed ${seed}`, () => {
      const r = new Rng(seed * 104_729);
      const schema = randomSchema(r);
      let m = new Memtable(schema, now);
      let updates: Partition[] = [];
      let flushed: Uint8Array[] = [];
      const flushedUpdates: Partition[] = [];
      const steps = 20 + r.int(30);
      for (let step = 0; step < steps; step++) {
        const op = r.int(10);
        if (op < 6) {
          // a batch of updates over a small key space: keys come back again and again
          const kr = new Rng(seed * 13 + r.int(3));
          for (const p of randomPartitions(kr, schema, 1 + kr.int(6)).map((p) => shiftTimes(p, r))) {
            m.apply(p, BigInt(step));
            updates.push(p);
          }
        } else if (op < 8 && updates.length > 0) {
          // a read between writes: one partition, reconciled, against the oracle
          const key = updates[r.int(updates.length)].key;
          const s = m.partitionStream(key)!;
          const mine = updates.filter((p) => compareBytes(p.key, key) === 0);
          expect(sortRows(rowsOf(schema, s))).toEqual(sortRows(oracle(schema, [mine])));
        } else if (op === 8 && updates.length > 0) {
          // many updates to one partition, a row or two at a time
          const base = updates[r.int(updates.length)];
          const kr = new Rng(seed * 97 + step);
          for (let i = 0; i < 20 + r.int(40); i++) {
            const [p] = randomPartitions(kr, schema, 1);
            if (!p) continue;
            const u = shiftTimes({ ...p, key: base.key, token: base.token }, r);
            m.apply(u, BigInt(step));
            updates.push(u);
          }
        } else {
          // a flush: everything, sorted and reconciled, in small slices
          const e = expected(updates);
          expect(m.rows).toBe(e.rows);
          expect(m.columns).toEqual(e.columns);
          expect(m.stats.minTimestamp).toBe(e.minTs);
          checkSorted(m);
          const slices = [...m.sortedStreams(1 + r.int(4096))];
          const ps = slices.flatMap((s) => decodePartitions(s));
          for (let i = 1; i < ps.length; i++) expect(ps[i - 1].token < ps[i].token || (ps[i - 1].token === ps[i].token && compareBytes(ps[i - 1].key, ps[i].key) < 0)).toBe(true);
          expect(sortRows(ps.flatMap((p) => materialize(schema, p, { nowSeconds: NOW })))).toEqual(sortRows(oracle(schema, [updates])));
          flushed.push(encodePartitions(ps));
          flushedUpdates.push(...updates);
          m.release();
          m = new Memtable(schema, now);
          updates = [];
        }
      }
      // what was flushed and what is left read together as the oracle says
      checkSorted(m);
      const left = [...m.sortedStreams()];
      const all = [...flushed, ...left].flatMap((s) => decodePartitions(s));
      const byKey = new Map<string, Partition[]>();
      for (const p of all) byKey.set(toHex(p.key), [...(byKey.get(toHex(p.key)) ?? []), p]);
      expect(sortRows(oracle(schema, [[...byKey.values()].flat()]))).toEqual(sortRows(oracle(schema, [[...flushedUpdates, ...updates]])));
      m.release();
    });
  }
});

const SCHEMA = parseTable("CREATE TABLE t (k text, c int, v blob, s text static, PRIMARY KEY (k, c))");

function part(k: string, rows: [number, Uint8Array][], ts = 1_000n): Partition {
  const key = composeKey([encodeValue({ kind: "text" }, k)]);
  return {
    key, token: tokenOf(key),
    unfiltereds: rows.map(([c, v]) => ({ type: "row" as const, row: { clustering: [encodeValue({ kind: "int" }, c)], liveness: { timestamp: ts, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 1, timestamp: ts, value: v }] } })),
  };
}
/** The one cell's value of each row of a one-partition stream. */
const cellsOf = (s: Uint8Array) => decodePartitions(s)[0].unfiltereds.map((u) => (u as { row: Row }).row.cells[0].value);
const key = (k: string) => composeKey([encodeValue({ kind: "text" }, k)]);

describe("input that must not corrupt the arena", () => {
  test("bytes it cannot read are refused with a CoreError and change nothing", () => {
    const m = new Memtable(SCHEMA, now);
    m.apply(part("a", [[1, Uint8Array.of(1)]]));
    const before = { bytes: m.bytes, rows: m.rows, stream: m.partitionStream(key("a")) };
    const good = encodePartitions([part("b", [[1, Uint8Array.of(2)], [2, Uint8Array.of(3)]])]);
    const bad = [
      good.subarray(0, good.length - 1), // cut short
      Uint8Array.of(0x51, ...good.subarray(1)), // not a partition
      (() => { const b = good.slice(); b[b.length - 1] = 0x99; return b; })(), // a bad tag where the end should be
      // two partitions, the second naming a column the table lacks: the first must not stay either
      (() => {
        const d = part("d", [[1, Uint8Array.of(1)]]);
        (d.unfiltereds[0] as { row: Row }).row.cells[0].column = 9;
        return encodePartitions([part("c", [[1, Uint8Array.of(1)]]), d]);
      })(),
    ];
    for (const b of bad) expect(() => m.applyEncoded(b)).toThrow(CoreError);
    expect({ bytes: m.bytes, rows: m.rows, stream: m.partitionStream(key("a")) }).toEqual(before);
    expect(m.partitionCount).toBe(1);
    expect(m.checkInvariants()).toBe(true);
    // and it goes on taking good updates
    m.applyEncoded(good);
    expect(rowsOf(SCHEMA, m.partitionStream(key("b"))!)).toHaveLength(2);
    m.release();
  });

  test("an update larger than a slab, next to small ones", () => {
    const m = new Memtable(SCHEMA, now);
    const big = new Uint8Array(3 << 20).map((_, i) => i * 7);
    m.apply(part("small", [[1, Uint8Array.of(1)]]));
    m.apply(part("big", [[1, big]]));
    m.apply(part("small", [[2, Uint8Array.of(2)]]));
    const [row] = cellsOf(m.partitionStream(key("big"))!);
    expect(Buffer.from(row).equals(Buffer.from(big))).toBe(true);
    expect(m.bytes).toBeGreaterThan(big.length);
    expect(m.reservedBytes).toBeLessThan(big.length + (3 << 20));
    expect(rowsOf(SCHEMA, m.partitionStream(key("small"))!)).toHaveLength(2);
    expect(m.checkInvariants()).toBe(true);
    m.release();
  });

  // The partition tree compares keys only where tokens tie, which Murmur3
  // almost never gives; the row stream carries each partition's token, so
  // here three tokens are shared by thousands of keys, in orders that split
  // the tree's nodes differently.
  for (const order of ["ascending", "descending", "shuffled"] as const) {
    test(`keys whose tokens tie, inserted ${order}, stay sorted, found again, and counted once`, () => {
      const m = new Memtable(SCHEMA, now);
      const r = new Rng(order.length * 7919);
      const n = 6_000;
      const ps: Partition[] = [];
      for (let i = 0; i < n; i++) {
        const p = part(`k${String(i).padStart(5, "0")}`, [[i, Uint8Array.of(i & 0xff)]]);
        // a quarter spread out, the rest on the tokens -1, 0 and 1, among the spread ones
        ps.push({ ...p, token: i % 4 === 0 ? BigInt(r.int(1 << 30) - (1 << 29)) : BigInt((i % 3) - 1) });
      }
      const cmp = (a: Partition, b: Partition) => (a.token < b.token ? -1 : a.token > b.token ? 1 : compareBytes(a.key, b.key));
      const inOrder = [...ps].sort(cmp);
      const feed = order === "ascending" ? inOrder : order === "descending" ? [...inOrder].reverse() : ps.map((p) => [r.next(), p] as const).sort((a, b) => a[0] - b[0]).map(([, p]) => p);
      // shuffled batches go in as they are: the core sorts each by token (stably) before the tree sees it
      for (let i = 0; i < n; i += 500) m.applyEncoded(encodePartitions(order === "shuffled" ? feed.slice(i, i + 500) : feed.slice(i, i + 500).sort(cmp)));
      expect([m.partitionCount, m.rows]).toEqual([n, n]);
      checkSorted(m);
      expect(m.sortedEntries().map((e) => toHex(e.key))).toEqual(inOrder.map((p) => toHex(p.key)));
      // each key again, with a second row: found, not added
      for (let i = 0; i < n; i += 1000) m.applyEncoded(encodePartitions(inOrder.slice(i, i + 1000).map((p, j) => ({ ...p, unfiltereds: part("x", [[n + i + j, Uint8Array.of(1)]]).unfiltereds }))));
      expect([m.partitionCount, m.rows]).toEqual([n, 2 * n]);
      checkSorted(m);
      m.release();
    });
  }

  test("many tiny partitions stay sorted and counted", () => {
    const m = new Memtable(SCHEMA, now);
    const n = 50_000;
    const ps: Partition[] = [];
    for (let i = 0; i < n; i++) ps.push(part(`k${i}`, [[i, Uint8Array.of(i & 0xff)]]));
    for (let i = 0; i < n; i += 1000) m.applyEncoded(encodePartitions(ps.slice(i, i + 1000).sort((a, b) => (a.token < b.token ? -1 : 1))));
    expect([m.partitionCount, m.rows]).toEqual([n, n]);
    checkSorted(m);
    expect(m.partitionStream(key("k12345"))).not.toBeNull();
    expect(m.partitionStream(key("nope"))).toBeNull();
    const streams = [...m.sortedStreams(64 << 10)];
    const got = streams.flatMap((s) => decodePartitions(s));
    expect(got).toHaveLength(n);
    // the views a flush copies from are the same slices, each read before the next is made
    const views: Uint8Array[] = [];
    for (const view of m.sortedViews(64 << 10)) views.push(view().slice());
    expect(views.length).toBe(streams.length);
    views.forEach((v, i) => expect(compareBytes(v, streams[i])).toBe(0));
    // a slice passed over without being made would be lost: refused
    expect(() => {
      for (const _view of m.sortedViews(64 << 10)) void _view;
    }).toThrow(/skipped/);
    m.release();
  });

  test("a walk meets the partitions written between its steps: slices and ranges resume past leaf splits", () => {
    // partitions are walked along the tree's leaf chain from a partition the
    // host holds; writes between the steps split the leaves under the walk
    const m = new Memtable(SCHEMA, now);
    const byToken = (a: Partition, b: Partition) => (a.token < b.token ? -1 : a.token > b.token ? 1 : compareBytes(a.key, b.key));
    const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => part(`w${from + i}`, [[1, Uint8Array.of(i & 0xff)]])).sort(byToken);
    m.applyEncoded(encodePartitions(batch(0, 2000)));
    // a range listed, then written into many times over (every leaf splits)
    const es = m.sortedEntries();
    const first = es[100], last = es[1900];
    m.applyEncoded(encodePartitions(batch(2000, 20_000)));
    checkSorted(m);
    const all = m.sortedEntries();
    const lo = all.findIndex((e) => e.node === first.node), hi = all.findIndex((e) => e.node === last.node);
    expect([lo >= 0, hi > lo]).toEqual([true, true]);
    const between = decodePartitions(m.streamsBetween(first, last)).map((p) => toHex(p.key));
    expect(between).toEqual(all.slice(lo, hi + 1).map((e) => toHex(e.key)));
    expect(between.length).toBeGreaterThan(1800 * 5);
    // slices made with writes between them: ascending, every partition there before the walk met
    const before = new Set(m.sortedEntries().map((e) => toHex(e.key)));
    const seen: Partition[] = [];
    let w = 22_000;
    for (const view of m.sortedViews(64 << 10)) {
      seen.push(...decodePartitions(view().slice()));
      m.applyEncoded(encodePartitions(batch(w, 100)));
      w += 100;
    }
    expect(seen.findIndex((p, i) => i > 0 && byToken(seen[i - 1], p) >= 0)).toBe(-1);
    const met = new Set(seen.map((p) => toHex(p.key)));
    expect([...before].filter((k) => !met.has(k))).toEqual([]);
    expect(met.size).toBeGreaterThan(before.size);
    checkSorted(m);
    m.release();
  });

  test("a batch of the smallest partitions and rows a stream can hold is taken whole", () => {
    // the scan fills its tables by index, growing them as entries come:
    // the smallest partitions (26 bytes) and rows (39) a stream can hold
    // give it the most entries per byte
    const m = new Memtable(SCHEMA, now);
    const n = 20_000;
    const empty = new Uint8Array(0);
    const bare = Array.from({ length: n }, (_, i): Partition => ({ key: empty, token: BigInt(i - n / 2), unfiltereds: [] }));
    const parts = encodePartitions(bare);
    expect(parts.length).toBe(26 * n);
    m.applyEncoded(parts);
    expect(m.partitionCount).toBe(n);
    checkSorted(m);
    const row = (): Partition["unfiltereds"][number] => ({ type: "row", row: { clustering: [], cells: [] } });
    const wide: Partition = { key: empty, token: BigInt(n), unfiltereds: Array.from({ length: n }, row) };
    const rows = encodePartitions([wide]);
    expect(rows.length).toBe(26 + 39 * n);
    m.applyEncoded(rows);
    expect(m.partitionCount).toBe(n + 1);
    expect(m.checkInvariants()).toBe(true);
    m.release();
  });

  test("damaged batches are refused or taken, and the arena stays whole", () => {
    // the scan fills its tables without bounds checks (it grows them
    // first): any damage (a byte changed, a length field made
    // large or small, the stream cut or grown) must fail cleanly or apply
    const r = new Rng(1801);
    const schema = randomSchema(r);
    const m = new Memtable(schema, now);
    let refused = 0;
    for (let i = 0; i < 1500; i++) {
      const ps = randomPartitions(r, schema, 1 + r.int(12)).sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
      const good = encodePartitions(ps);
      let b = good.slice();
      for (let k = 1 + r.int(3); k > 0; k--) {
        const at = r.int(b.length);
        const how = r.int(4);
        if (how === 0) b[at] = r.int(256);
        else if (how === 1) b[at] ^= 1 << r.int(8);
        else if (how === 2) b = b.subarray(0, at);
        else b = Uint8Array.from([...b.subarray(0, at), ...r.bytes(1 + r.int(40)), ...b.subarray(at)]);
        if (b.length === 0) break;
      }
      const before = m.bytes;
      try {
        if (b.length > 0) m.applyEncoded(b);
      } catch (e) {
        expect(e).toBeInstanceOf(CoreError);
        expect(m.bytes).toBe(before);
        refused++;
      }
      if (i % 100 === 99) expect(m.checkInvariants()).toBe(true);
    }
    expect(refused).toBeGreaterThan(500);
    expect(m.checkInvariants()).toBe(true);
    checkSorted(m);
    m.release();
  });

  test("a 100k-row partition written a thousand rows at a time", () => {
    const m = new Memtable(SCHEMA, now);
    const n = 100_000;
    for (let i = 0; i < n; i += 1000) {
      const rows: [number, Uint8Array][] = [];
      for (let j = i; j < i + 1000; j++) rows.push([j, Uint8Array.of(j & 0xff)]);
      m.apply(part("wide", rows));
    }
    // and the first thousand again, newer: counted once
    const again: [number, Uint8Array][] = [];
    for (let j = 0; j < 1000; j++) again.push([j, Uint8Array.of(0xee)]);
    m.apply(part("wide", again, 2_000n));
    expect(m.rows).toBe(n);
    const rows = cellsOf(m.partitionStream(key("wide"))!);
    expect(rows).toHaveLength(n);
    expect(rows[999]).toEqual(Uint8Array.of(0xee));
    expect(rows[1000]).toEqual(Uint8Array.of(1000 & 0xff));
    expect(m.checkInvariants()).toBe(true);
    m.release();
  });

  // A fold leaves the runs it merged dead; the slab they sit in is reused once
  // all of its runs are dead, so a partition rewritten again and again holds
  // a slab or two, not everything it was ever sent.
  test("a partition overwritten again and again holds a bounded reservation", () => {
    const m = new Memtable(SCHEMA, now);
    let most = 0;
    for (let b = 0; b < 2_000; b++) {
      const rows: [number, Uint8Array][] = [];
      for (let c = 0; c < 10; c++) rows.push([c, new Uint8Array(1000).fill(b & 0xff)]);
      m.apply(part("hot", rows, BigInt(1_000 + b)));
      most = Math.max(most, m.reservedBytes);
    }
    // 20 MB sent, 10 rows of 1 KB held
    expect(most).toBeLessThan(3 << 20);
    const got = cellsOf(m.partitionStream(key("hot"))!);
    expect(got).toHaveLength(10);
    for (const v of got) expect(v).toEqual(new Uint8Array(1000).fill(1_999 & 0xff));
    expect(m.checkInvariants()).toBe(true);
    m.release();
  });

  // A fold whose merged run is a block of its own can empty the slab being
  // filled; a later update too large for that slab must not leave it behind,
  // held but empty, until the flush.
  test("an emptied slab too small for the next update is given back", () => {
    const m = new Memtable(SCHEMA, now);
    for (let i = 0; i < 7; i++) m.apply(part("p", [[i, new Uint8Array(1000).fill(i)]]));
    // the eighth run is a block of its own, and so is the fold's result: the first slab empties
    m.apply(part("p", [[7, new Uint8Array(300_000).fill(7)]]));
    m.apply(part("q", [[0, new Uint8Array(20_000).fill(9)]]));
    // what is reserved beyond the bytes held: the unfilled ends of the data
    // and index slabs being filled (32 KiB and 16 KiB at most), no empty slab
    expect(m.reservedBytes - m.bytes).toBeLessThan(40 << 10);
    expect(m.checkInvariants()).toBe(true);
    expect(rowsOf(SCHEMA, m.partitionStream(key("p"))!)).toHaveLength(8);
    m.release();
  });

  // Enough dead bytes, in slabs that live runs still hold, to make the
  // memtable move those runs out (more than a megabyte, and half the live
  // bytes); reads in between fold partitions whole. Every step keeps the
  // slabs' counts exact, and every row reads back as last written.
  for (const seed of [1, 2, 3]) {
    test(`runs moved out of sparse slabs read back as written (seed ${seed})`, () => {
      const r = new Rng(seed * 7_727);
      const m = new Memtable(SCHEMA, now);
      const want = new Map<string, Map<number, Uint8Array>>();
      let ts = 1_000n;
      for (let b = 0; b < 300; b++) {
        const byKey = new Map<string, [number, Uint8Array][]>();
        for (let i = 0; i < 40; i++) {
          const k = `p${r.int(150)}`, c = r.int(30);
          const v = new Uint8Array(r.int(700)).map(() => r.int(256));
          byKey.set(k, [...(byKey.get(k) ?? []).filter(([x]) => x !== c), [c, v]]);
        }
        ts++;
        const ps = [...byKey].map(([k, rows]) => part(k, rows.sort((a, c) => a[0] - c[0]), ts));
        m.applyEncoded(encodePartitions(ps.sort((a, c) => (a.token < c.token ? -1 : a.token > c.token ? 1 : compareBytes(a.key, c.key)))));
        for (const [k, rows] of byKey) for (const [c, v] of rows) (want.get(k) ?? want.set(k, new Map()).get(k)!).set(c, v);
        if (r.int(4) === 0) {
          const k = `p${r.int(150)}`;
          const s = m.partitionStream(key(k));
          expect(s === null).toBe(!want.has(k));
        }
        if (b % 25 === 0) expect(m.checkInvariants()).toBe(true);
      }
      expect(m.checkInvariants()).toBe(true);
      for (const [k, rows] of want) {
        const got = decodePartitions(m.partitionStream(key(k))!)[0].unfiltereds.map((u) => (u as { row: Row }).row);
        const cs = [...rows.keys()].sort((a, b) => a - b);
        expect(got.map((x) => x.cells[0].value)).toEqual(cs.map((c) => rows.get(c)));
      }
      m.release();
    });
  }

  test("the core's memory does not grow flush after flush", () => {
    const x = memtableCore().exports;
    const fill = () => {
      const m = new Memtable(SCHEMA, now);
      for (let b = 0; b < 40; b++) {
        const ps: Partition[] = [];
        for (let i = 0; i < 200; i++) ps.push(part(`p${b}-${i}`, [[i, new Uint8Array(400)]]));
        m.applyEncoded(encodePartitions(ps.sort((a, c) => (a.token < c.token ? -1 : a.token > c.token ? 1 : 0))));
      }
      let bytes = 0;
      for (const s of m.sortedStreams()) bytes += s.length;
      expect(bytes).toBeGreaterThan(3_000_000);
      m.release();
    };
    fill();
    fill();
    const live = x.memLive();
    const size = memtableCore().exports.memory.buffer.byteLength;
    for (let i = 0; i < 5; i++) fill();
    expect(memtableCore().exports.memory.buffer.byteLength).toBe(size);
    expect(x.memLive()).toBe(live);
  });
});
