// The order of CQL values lives in the core alone (assembly/merge/compare.ts);
// this checks it against orderings known from Cassandra's comparators, value
// by value: Java's Double.compare for float and double (-0.0 before 0.0, NaN
// last and equal to itself), two's complement varints of any length,
// decimals by value whatever their scale, UUIDType (version, then time for
// version 1) and TimeUUIDType (time, then signed bytes), inet and text as
// unsigned bytes, empty values first, nulls before them in clusterings and
// tuples, DESC columns reversed, and bounds against clusterings by kind.
// Each case lists values in groups, ascending; values in one group are equal.
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { encodeValue, CqlValue } from "../src/types/codec.js";
import { CqlType } from "../src/types/cqltype.js";
import { Decimal } from "../src/types/values.js";
import { parseTable } from "../src/cql/ddl.js";
import { CLUSTERING_KIND } from "../src/schema/order.js";
import { MARKER_KINDS as K } from "../src/sstable/model.js";
import { CoreError } from "../src/errors.js";
import { valueSigns, valueOrder, signsAgainst, sortOrder, lowerBounds, run, Clustering } from "../src/core/order.js";

const b = (...xs: number[]) => new Uint8Array(xs);
const EMPTY = b();
const enc = (t: CqlType, v: CqlValue) => encodeValue(t, v);
const f32 = (x: number) => {
  const d = new DataView(new ArrayBuffer(4));
  d.setFloat32(0, x);
  return new Uint8Array(d.buffer);
};
const f64 = (x: number) => {
  const d = new DataView(new ArrayBuffer(8));
  d.setFloat64(0, x);
  return new Uint8Array(d.buffer);
};
const hex = (h: string) => new Uint8Array(h.match(/../g)!.map((x) => parseInt(x, 16)));
const dec = (unscaled: bigint, scale: number) => enc({ kind: "decimal" }, new Decimal(unscaled, scale));

/** Asserts every pair's sign, and that sorting a shuffle gives the groups back with their duplicates marked. */
function expectGroups(t: CqlType, groups: Uint8Array[][]) {
  const all = groups.flat();
  const rank = groups.flatMap((g, i) => g.map(() => i));
  for (let j = 0; j < all.length; j++) {
    const got = Array.from(valueSigns(t, all, all[j]));
    expect(got, `against value ${j}`).toEqual(rank.map((r) => Math.sign(r - rank[j])));
  }
  const shuffled = all.map((_, i) => i).reverse();
  const order = valueOrder(t, shuffled.map((i) => all[i]));
  const ranks = Array.from(order, (x) => rank[shuffled[x < 0 ? ~x : x]]);
  expect(ranks).toEqual([...rank].sort((x, y) => x - y));
  expect(Array.from(order, (x) => x < 0).filter(Boolean).length).toBe(all.length - groups.length);
}

describe("the core's order of values, against known orderings", () => {
  test("double: Java's Double.compare", () => {
    const t: CqlType = { kind: "double" };
    expectGroups(t, [
      [EMPTY],
      [f64(-Infinity)],
      [f64(-1.5)],
      [f64(-Number.MIN_VALUE)],
      [f64(-0)],
      [f64(0)],
      [f64(Number.MIN_VALUE)],
      [f64(1)],
      [f64(Number.MAX_VALUE)],
      [f64(Infinity)],
      // every NaN is one value, above everything
      [f64(NaN), hex("7ff0000000000001"), hex("fff8000000000000")],
    ]);
  });

  test("float: Java's Float.compare", () => {
    const t: CqlType = { kind: "float" };
    expectGroups(t, [[EMPTY], [f32(-Infinity)], [f32(-2.5)], [f32(-0)], [f32(0)], [f32(1e-40)], [f32(3.5)], [f32(Infinity)], [f32(NaN), hex("7f800001")]]);
  });

  test("int types: signed", () => {
    expectGroups({ kind: "int" }, [[EMPTY], [enc({ kind: "int" }, -(2 ** 31))], [enc({ kind: "int" }, -1)], [enc({ kind: "int" }, 0)], [enc({ kind: "int" }, 2 ** 31 - 1)]]);
    const ts: CqlType = { kind: "timestamp" };
    expectGroups(ts, [[enc(ts, -(2n ** 63n))], [enc(ts, -1n)], [enc(ts, 0n)], [enc(ts, 2n ** 63n - 1n)]]);
    const tiny: CqlType = { kind: "tinyint" };
    expectGroups(tiny, [[enc(tiny, -128)], [enc(tiny, -1)], [enc(tiny, 0)], [enc(tiny, 127)]]);
  });

  test("varint: two's complement of any length, redundant sign bytes included", () => {
    const t: CqlType = { kind: "varint" };
    expectGroups(t, [
      [EMPTY],
      [enc(t, -(2n ** 70n))],
      [enc(t, -129n)],
      [enc(t, -128n), b(0xff, 0x80)],
      [enc(t, -1n), b(0xff, 0xff)],
      [enc(t, 0n), b(0, 0)],
      [enc(t, 1n), b(0, 0, 1)],
      [enc(t, 127n)],
      [enc(t, 128n)],
      [enc(t, 2n ** 64n)],
      [enc(t, 2n ** 70n)],
    ]);
  });

  test("decimal: by value, whatever the scale, exactly", () => {
    const t: CqlType = { kind: "decimal" };
    expectGroups(t, [
      [EMPTY],
      [dec(-1n, -(2 ** 31))],
      [dec(-15n, -9)],
      [dec(-15n, 1), dec(-150n, 2)],
      [dec(-100000000000000000001n, 20)],
      [dec(-1n, 0), dec(-10n, 1), dec(-1000000000000000000000n, 21)],
      [dec(-1n, 2 ** 31 - 1)],
      [dec(0n, 0), dec(0n, 5), dec(0n, -7)],
      [dec(1n, 2 ** 31 - 1)],
      [dec(5n, 1), dec(50n, 2)],
      [dec(1n, 0), dec(10n, 1), dec(100000000000000000000n, 20)],
      // one more in the twentieth place: doubles cannot tell it from 1
      [dec(100000000000000000001n, 20)],
      [dec(1n, -1), dec(10n, 0)],
      [dec(1n, -(2 ** 31))],
    ]);
  });

  test("uuid: version first, version 1 by time then bytes, others by bytes; timeuuid by time then signed bytes", () => {
    const u: CqlType = { kind: "uuid" };
    // v1: time_low, time_mid, version|time_hi; the earlier time has the larger time_low
    const v1early = hex("ffffffff00001000" + "0000000000000000");
    const v1late = hex("0000000000011000" + "0000000000000000");
    const v1lateHigh = hex("0000000000011000" + "8000000000000000");
    const v4low = hex("0000000000004000" + "0000000000000000");
    const v4high = hex("ffffffffffff4fff" + "ffffffffffffffff");
    expectGroups(u, [[EMPTY], [v1early], [v1late], [v1lateHigh], [v4low], [v4high]]);
    const tu: CqlType = { kind: "timeuuid" };
    // the same time: the clock sequence and node compare as signed bytes
    expectGroups(tu, [[v1early], [v1lateHigh], [v1late], [hex("0000000000011000" + "7f00000000000000")]]);
  });

  test("text, blob, inet, boolean, date: unsigned bytes", () => {
    const t: CqlType = { kind: "text" };
    expectGroups(t, [[EMPTY], [enc(t, "Z")], [enc(t, "a")], [enc(t, "ab")], [enc(t, "é")], [enc(t, "😀")]]);
    const inet: CqlType = { kind: "inet" };
    expectGroups(inet, [[enc(inet, "::1")], [enc(inet, "10.0.0.1")], [enc(inet, "10.0.0.2")], [enc(inet, "ff00::")], [enc(inet, "255.255.255.255")]]);
    const bool: CqlType = { kind: "boolean" };
    expectGroups(bool, [[EMPTY], [enc(bool, false)], [enc(bool, true)]]);
    const date: CqlType = { kind: "date" };
    expectGroups(date, [[enc(date, "1969-12-31")], [enc(date, "1970-01-01")], [enc(date, "2024-02-29")]]);
  });

  test("frozen collections: element by element, then length", () => {
    const l: CqlType = { kind: "list", elem: { kind: "int" }, frozen: true };
    expectGroups(l, [[EMPTY], [enc(l, [])], [enc(l, [-1])], [enc(l, [1])], [enc(l, [1, 2])], [enc(l, [2])]]);
    const s: CqlType = { kind: "set", elem: { kind: "text" }, frozen: true };
    expectGroups(s, [[enc(s, [])], [enc(s, ["a"]), enc(s, ["a", "a"])], [enc(s, ["b", "a"])], [enc(s, ["b"])]]);
    const m: CqlType = { kind: "map", key: { kind: "int" }, value: { kind: "text" }, frozen: true };
    expectGroups(m, [[enc(m, new Map())], [enc(m, new Map([[1, "a"]]))], [enc(m, new Map([[1, "a"], [2, ""]]))], [enc(m, new Map([[1, "b"]]))], [enc(m, new Map([[2, "a"]]))]]);
  });

  test("tuples and UDTs: field by field, null before empty, missing trailing fields as nulls", () => {
    const t: CqlType = { kind: "tuple", elems: [{ kind: "int" }, { kind: "text" }] };
    const firstOnly = enc({ kind: "tuple", elems: [{ kind: "int" }] }, [1]);
    expectGroups(t, [[enc(t, [null, "a"])], [enc(t, [1, null]), firstOnly], [enc(t, [1, ""])], [enc(t, [1, "a"])], [enc(t, [2, null])]]);
    const u: CqlType = { kind: "udt", keyspace: "ks", name: "u", frozen: true, fields: [{ name: "x", type: { kind: "double" } }, { name: "y", type: { kind: "int" } }] };
    expectGroups(u, [[enc(u, { x: null, y: 5 })], [enc(u, { x: -0, y: 9 })], [enc(u, { x: 0, y: null })], [enc(u, { x: 0, y: 1 })], [enc(u, { x: NaN, y: 0 })]]);
  });
});

describe("the core's order of clusterings", () => {
  const schema = parseTable("CREATE TABLE ks.t (k int, a int, b text, v int, PRIMARY KEY (k, a, b)) WITH CLUSTERING ORDER BY (a DESC, b ASC)");
  const int = (x: number) => enc({ kind: "int" }, x);
  const text = (x: string) => enc({ kind: "text" }, x);

  test("a DESC column reverses its values, not its nulls; bounds sort by kind around the clusterings they bound", () => {
    // ascending, each with its kind
    const order: [Clustering, number][] = [
      [[null, text("z")], CLUSTERING_KIND],
      [[int(5)], K.INCL_START_BOUND],
      [[int(5), text("a")], CLUSTERING_KIND],
      [[int(5), text("b")], CLUSTERING_KIND],
      [[int(5)], K.INCL_END_BOUND],
      [[int(1)], K.EXCL_END_BOUND],
      [[int(1), EMPTY], CLUSTERING_KIND],
      [[int(1), text("a")], CLUSTERING_KIND],
      [[int(1)], K.EXCL_START_BOUND],
      [[EMPTY, text("a")], CLUSTERING_KIND],
    ];
    const cs = order.map(([c]) => c);
    const kinds = order.map(([, k]) => k);
    for (let j = 0; j < order.length; j++) {
      expect(Array.from(signsAgainst(schema, cs, kinds, cs[j], kinds[j])), `against ${j}`).toEqual(order.map((_, i) => Math.sign(i - j)));
    }
    const shuffled = [3, 0, 9, 7, 1, 5, 2, 8, 4, 6];
    expect(Array.from(sortOrder(schema, shuffled.map((i) => cs[i]), shuffled.map((i) => kinds[i])), (x) => shuffled[x])).toEqual(order.map((_, i) => i));
  });

  test("a sort is stable and marks the equal ones; lower bounds find the first at or after each probe", () => {
    const cs: Clustering[] = [[int(3), text("a")], [int(9), text("a")], [int(3), text("a")], [int(3), text("b")], [int(9), text("a")]];
    expect(Array.from(sortOrder(schema, cs))).toEqual([1, ~4, 0, ~2, 3]);
    const sorted = run([[int(9), text("a")], [int(3), text("a")], [int(3), text("b")]], CLUSTERING_KIND);
    const probes: Clustering[] = [[int(9)], [int(3)], [int(3), text("b")], [int(0)], [int(10)]];
    expect(Array.from(lowerBounds(schema, sorted, probes, K.INCL_START_BOUND))).toEqual([0, 1, 2, 3, 0]);
    expect(Array.from(lowerBounds(schema, sorted, probes, K.INCL_END_BOUND, true))).toEqual([1, 3, 3, 3, 0]);
  });

  test("a run that is cut short is refused by the core, not read past", () => {
    const bad = { bytes: b(CLUSTERING_KIND, 1, 0, 0, 0, 9, 1), count: 1 };
    expect(() => lowerBounds(schema, bad, [[int(1)]], K.INCL_START_BOUND)).toThrow(CoreError);
  });
});
