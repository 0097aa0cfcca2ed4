// Golden byte-comparable forms of the sequences: tuples, UDTs (null and
// missing trailing fields), frozen collections inside them, clusterings and
// bounds, DESC columns around them, composite partition keys. Each expected
// string was derived by hand from the rules in docs/sstable-format.md
// ("Byte-comparable keys"), written from Cassandra 5.0's TupleType,
// ReversedType, ClusteringComparator, ClusteringPrefix.Kind and ByteSource;
// the cases marked "ByteComparable.md" are the examples Cassandra documents.
// One line per case: what it is, the types, the values, the bytes. Last,
// Rows.db keys made from them where a row's final 38 shows (RowIndexWriter's
// end key raises it to 39).
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { clusteringBytes, decoratedKey } from "../src/sstable/bti/byte-comparable.js";
import { encodeValue, CqlValue } from "../src/types/codec.js";
import { CqlType } from "../src/types/cqltype.js";
import { toHex, fromHex } from "../src/util/bytes.js";
import { CLUSTERING_KIND } from "../src/schema/order.js";
import { MARKER_KINDS } from "../src/sstable/model.js";
import { KIND_STATIC_CLUSTERING } from "../assembly/format/constants.js";
import { separatorGt, nudge } from "../src/sstable/bti/row-index-writer.js";

const t = (kind: string) => ({ kind }) as CqlType;
const tuple = (...elems: CqlType[]): CqlType => ({ kind: "tuple", elems });
const udt = (...fields: [string, CqlType][]): CqlType =>
  ({ kind: "udt", keyspace: "ks", name: "u", frozen: true, fields: fields.map(([name, type]) => ({ name, type })) });
const list = (elem: CqlType): CqlType => ({ kind: "list", elem, frozen: true });
const map = (key: CqlType, value: CqlType): CqlType => ({ kind: "map", key, value, frozen: true });

/** A value given as raw bytes (a hand-built serialization) or as a JS value to encode. */
type V = CqlValue | Uint8Array | null;
const bytes = (type: CqlType, v: V) => (v === null ? null : v instanceof Uint8Array ? v : encodeValue(type, v));

const K = MARKER_KINDS;
const INT_1 = "80000001";
const INT_2 = "80000002";

// [case, clustering columns (type, DESC?), kind, values, expected bytes]
const CASES: [string, [CqlType, boolean][], number, V[], string][] = [
  // ByteComparable.md, "Multi-component sequences": the clustering ends in 0x38 in OSS50
  ["ByteComparable.md: (short -1, null)", [[t("smallint"), false], [t("float"), false]], CLUSTERING_KIND, [-1, null], "40" + "7fff" + "3e" + "38"],
  ["ByteComparable.md: >= (short 0, float -Inf)", [[t("smallint"), false], [t("float"), false]], K.INCL_START_BOUND, [0, -Infinity], "40" + "8000" + "40" + "007fffff" + "20"],
  ["ByteComparable.md: < (short MIN)", [[t("smallint"), false], [t("float"), false]], K.EXCL_END_BOUND, [-32768], "40" + "0000" + "20"],
  ["ByteComparable.md: > (null)", [[t("smallint"), false], [t("float"), false]], K.EXCL_START_BOUND, [null], "3e" + "60"],
  ["ByteComparable.md: BOTTOM", [[t("smallint"), false]], K.INCL_START_BOUND, [], "20"],
  ["ByteComparable.md: TOP", [[t("smallint"), false]], K.INCL_END_BOUND, [], "60"],
  ["ByteComparable.md: >= (blob 22 00)", [[t("blob"), false]], K.INCL_START_BOUND, [fromHex("2200")], "40" + "2200fe" + "20"],
  ["ByteComparable.md: <= (blob 22 00 00)", [[t("blob"), false]], K.INCL_END_BOUND, [fromHex("220000")], "40" + "2200fefe" + "60"],
  // (the document shows this one ending in 40, the legacy byte; OSS50's clustering ends in 38)
  ["ByteComparable.md: (blob 22, short 0)", [[t("blob"), false], [t("smallint"), false]], CLUSTERING_KIND, [fromHex("22"), 0], "40" + "2200" + "40" + "8000" + "38"],

  // tuples: 40 before each field, 3E for a null one, 38 at the end; trailing nulls left out
  ["tuple (int 1, int 2)", [[tuple(t("int"), t("int")), false]], CLUSTERING_KIND, [[1, 2]], "40" + ("40" + INT_1 + "40" + INT_2 + "38") + "38"],
  ["tuple (int 1, null, int 2)", [[tuple(t("int"), t("text"), t("int")), false]], CLUSTERING_KIND, [[1, null, 2]], "40" + ("40" + INT_1 + "3e" + "40" + INT_2 + "38") + "38"],
  ["tuple (int 1, null, null): trailing nulls left out", [[tuple(t("int"), t("text"), t("int")), false]], CLUSTERING_KIND, [[1, null, null]], "40" + ("40" + INT_1 + "38") + "38"],
  ["tuple (int 1) written before two fields were added", [[tuple(t("int"), t("text"), t("int")), false]], CLUSTERING_KIND, [fromHex("00000004" + "00000001")], "40" + ("40" + INT_1 + "38") + "38"],
  ["tuple (null, null): no field left", [[tuple(t("int"), t("int")), false]], CLUSTERING_KIND, [[null, null]], "40" + "38" + "38"],
  ["tuple (null, int 2)", [[tuple(t("int"), t("int")), false]], CLUSTERING_KIND, [[null, 2]], "40" + ("3e" + "40" + INT_2 + "38") + "38"],
  ["tuple (empty int, 'a'): an empty int has no form, 3E", [[tuple(t("int"), t("text")), false]], CLUSTERING_KIND, [fromHex("00000000" + "00000001" + "61")], "40" + ("3e" + "40" + "6100" + "38") + "38"],
  ["tuple (int 1, empty int): a trailing empty value is not null, kept", [[tuple(t("int"), t("int")), false]], CLUSTERING_KIND, [fromHex("00000004" + "00000001" + "00000000")], "40" + ("40" + INT_1 + "3e" + "38") + "38"],
  ["tuple ('', 'a'): an empty text escapes to 00", [[tuple(t("text"), t("text")), false]], CLUSTERING_KIND, [["", "a"]], "40" + ("40" + "00" + "40" + "6100" + "38") + "38"],
  ["tuple, the empty value: no form, 3F", [[tuple(t("int")), false]], CLUSTERING_KIND, [new Uint8Array(0)], "3f" + "38"],
  ["tuple, the empty value, DESC: 41", [[tuple(t("int")), true]], CLUSTERING_KIND, [new Uint8Array(0)], "41" + "38"],
  ["tuple nested in a tuple, and a null inner tuple", [[tuple(tuple(t("int"), t("int")), t("int")), false]], CLUSTERING_KIND, [[[1, null], 2]], "40" + ("40" + ("40" + INT_1 + "38") + "40" + INT_2 + "38") + "38"],
  ["tuple (null inner tuple, int 2)", [[tuple(tuple(t("int")), t("int")), false]], CLUSTERING_KIND, [[null, 2]], "40" + ("3e" + "40" + INT_2 + "38") + "38"],

  // frozen collections inside: elements (map: key then value) as a sequence ending in 38
  ["tuple (list [1, 2], 'x')", [[tuple(list(t("int")), t("text")), false]], CLUSTERING_KIND, [[[1, 2], "x"]], "40" + ("40" + ("40" + INT_1 + "40" + INT_2 + "38") + "40" + "7800" + "38") + "38"],
  ["tuple (list [], 'x'): an empty list is its terminator", [[tuple(list(t("int")), t("text")), false]], CLUSTERING_KIND, [[[], "x"]], "40" + ("40" + "38" + "40" + "7800" + "38") + "38"],
  ["tuple (map {'a': 1})", [[tuple(map(t("text"), t("int"))), false]], CLUSTERING_KIND, [[new Map([["a", 1]])]], "40" + ("40" + ("40" + "6100" + "40" + INT_1 + "38") + "38") + "38"],

  // UDTs are tuples of their fields
  ["udt {a: 1, b: 'x'}", [[udt(["a", t("int")], ["b", t("text")]), false]], CLUSTERING_KIND, [{ a: 1, b: "x" }], "40" + ("40" + INT_1 + "40" + "7800" + "38") + "38"],
  ["udt {a: 1, b: null}: the null last field left out", [[udt(["a", t("int")], ["b", t("text")]), false]], CLUSTERING_KIND, [{ a: 1, b: null }], "40" + ("40" + INT_1 + "38") + "38"],
  ["udt {a: 1} written before field b was added", [[udt(["a", t("int")], ["b", t("text")]), false]], CLUSTERING_KIND, [fromHex("00000004" + "00000001")], "40" + ("40" + INT_1 + "38") + "38"],
  ["udt {a: null, b: 'x'}", [[udt(["a", t("int")], ["b", t("text")]), false]], CLUSTERING_KIND, [{ a: null, b: "x" }], "40" + ("3e" + "40" + "7800" + "38") + "38"],
  ["udt {a: 1, b: ''}: an empty text is a value", [[udt(["a", t("int")], ["b", t("text")]), false]], CLUSTERING_KIND, [{ a: 1, b: "" }], "40" + ("40" + INT_1 + "40" + "00" + "38") + "38"],
  ["udt with a frozen list field {l: [1]}", [[udt(["l", list(t("int"))]), false]], CLUSTERING_KIND, [{ l: [1] }], "40" + ("40" + ("40" + INT_1 + "38") + "38") + "38"],

  // DESC: every byte of the value's form flipped (separators inside it too); the separator before it is not
  ["DESC tuple (int 1, 'a')", [[tuple(t("int"), t("text")), true]], CLUSTERING_KIND, [[1, "a"]], "40" + ("bf" + "7ffffffe" + "bf" + "9eff" + "c7") + "38"],
  ["DESC tuple (int 1, null)", [[tuple(t("int"), t("text")), true]], CLUSTERING_KIND, [[1, null]], "40" + ("bf" + "7ffffffe" + "c7") + "38"],
  ["DESC udt {a: null, b: 'x'}", [[udt(["a", t("int")], ["b", t("text")]), true]], CLUSTERING_KIND, [{ a: null, b: "x" }], "40" + ("c1" + "bf" + "87ff" + "c7") + "38"],
  ["DESC null component: 3E, as ascending", [[t("int"), false], [tuple(t("int")), true]], CLUSTERING_KIND, [1, null], "40" + INT_1 + "3e" + "38"],
  ["ASC tuple then DESC int, a row", [[tuple(t("int")), false], [t("int"), true]], CLUSTERING_KIND, [[1], 2], "40" + ("40" + INT_1 + "38") + "40" + "7ffffffd" + "38"],

  // clustering prefixes and bounds over tuple columns
  ["inclusive start over (tuple (1, 2))", [[tuple(t("int"), t("int")), false], [t("int"), false]], K.INCL_START_BOUND, [[1, 2]], "40" + ("40" + INT_1 + "40" + INT_2 + "38") + "20"],
  ["exclusive start over (tuple (1, 2))", [[tuple(t("int"), t("int")), false], [t("int"), false]], K.EXCL_START_BOUND, [[1, 2]], "40" + ("40" + INT_1 + "40" + INT_2 + "38") + "60"],
  ["inclusive end over (tuple (1), int 2)", [[tuple(t("int"), t("int")), false], [t("int"), false]], K.INCL_END_BOUND, [[1, null], 2], "40" + ("40" + INT_1 + "38") + "40" + INT_2 + "60"],
  ["exclusive end over (DESC tuple (1))", [[tuple(t("int")), true]], K.EXCL_END_BOUND, [[1]], "40" + ("bf" + "7ffffffe" + "c7") + "20"],
  ["boundary: exclusive end, inclusive start", [[tuple(t("int")), false]], K.EXCL_END_INCL_START_BOUNDARY, [[1]], "40" + ("40" + INT_1 + "38") + "20"],
  ["boundary: inclusive end, exclusive start", [[tuple(t("int")), false]], K.INCL_END_EXCL_START_BOUNDARY, [[1]], "40" + ("40" + INT_1 + "38") + "60"],
  ["the static row's clustering", [[tuple(t("int")), false]], KIND_STATIC_CLUSTERING, [], "18"],
  ["an `empty` type column has no form: 3F", [[t("empty"), false]], CLUSTERING_KIND, [new Uint8Array(0)], "3f" + "38"],
];

describe("clusterings over tuples, UDTs and DESC columns", () => {
  for (const [name, cols, kind, values, hex] of CASES) {
    test(name, () => {
      const types = cols.map(([type, reversed]) => ({ type, reversed }));
      const got = clusteringBytes(types, kind, values.map((v, i) => bytes(types[i].type, v)));
      expect(toHex(got)).toBe(hex);
    });
  }
});

describe("partition keys: 40, the token, 40, the serialized key escaped, 38", () => {
  test("a composite key (int 1, text 'a'): its u16 lengths and end-of-component bytes escaped with the rest", () => {
    // serialized: 0004 00000001 00, 0001 61 00; escaped: a 00 run is 00, FE per further 00, FF at its end; FE if it ends the value
    const key = fromHex("0004" + "00000001" + "00" + "0001" + "61" + "00");
    expect(toHex(decoratedKey(-1n, key))).toBe("40" + "7fffffffffffffff" + "40" + "00ff04" + "00fefeff01" + "00feff01" + "61" + "00fe" + "38");
  });
  test("a tuple partition key (int 1, null): its serialized bytes, not its byte-comparable form", () => {
    const key = encodeValue(tuple(t("int"), t("int")), [1, null]); // 00000004 00000001 ffffffff
    expect(toHex(decoratedKey(0n, key))).toBe("40" + "8000000000000000" + "40" + "00fefeff04" + "00fefeff01" + "ffffffff" + "00" + "38");
  });
  test("the Murmur3 token's sign bit flipped", () => {
    expect(toHex(decoratedKey(-(2n ** 63n), fromHex("01")))).toBe("40" + "0000000000000000" + "40" + "0100" + "38");
    expect(toHex(decoratedKey(2n ** 63n - 1n, fromHex("01")))).toBe("40" + "ffffffffffffffff" + "40" + "0100" + "38");
  });
});

describe("Rows.db keys built from these forms (RowIndexWriter's separator and end key)", () => {
  const ints = [{ type: t("int"), reversed: false }];
  const row = (n: number) => clusteringBytes(ints, CLUSTERING_KIND, [encodeValue(t("int"), n)]);
  test("between blocks ending at 5 and starting at 6: 5's form up to where they part, that byte raised", () => {
    expect(toHex(separatorGt(row(5), row(6)))).toBe("40" + "80000006");
  });
  test("past a last block holding only 6: its form cut after the separator's length, the row's 38 raised to 39", () => {
    const sep = separatorGt(row(5), row(6));
    const max = row(6); // 40 80000006 38: shares all five bytes of the separator
    let i = 0;
    while (i < max.length && i < sep.length && max[i] === sep[i]) i++;
    expect(toHex(nudge(max, i))).toBe("40" + "80000006" + "39");
  });
  test("a tuple clustering whose last field is null: the end key raises the tuple's own 38", () => {
    const tup = [{ type: tuple(t("int"), t("text")), reversed: false }];
    const a = clusteringBytes(tup, CLUSTERING_KIND, [encodeValue(tuple(t("int"), t("text")), [1, "x"])]);
    const b = clusteringBytes(tup, CLUSTERING_KIND, [encodeValue(tuple(t("int"), t("text")), [2, null])]);
    const sep = separatorGt(a, b); // 40 40 80000002
    expect(toHex(sep)).toBe("40" + "40" + "80000002");
    expect(toHex(nudge(b, sep.length))).toBe("40" + "40" + "80000002" + "39");
  });
});
