// Byte-comparable forms against the examples Cassandra documents for its
// encoding (ByteComparable.md and the types' comments), one line per case:
// type, value, the bytes the tries must hold.
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { clusteringBytes, decoratedKey } from "../src/sstable/bti/byte-comparable.js";
import { encodeValue, CqlValue } from "../src/types/codec.js";
import { CqlType } from "../src/types/cqltype.js";
import { Decimal } from "../src/types/values.js";
import { toHex, fromHex } from "../src/util/bytes.js";
import { CLUSTERING_KIND } from "../src/schema/order.js";

const t = (kind: string) => ({ kind }) as CqlType;
/** The value's own form: a one-component clustering without its 0x40 and final byte. */
function form(type: CqlType, v: CqlValue | Uint8Array): string {
  const bytes = v instanceof Uint8Array ? v : encodeValue(type, v);
  const all = clusteringBytes([{ type, reversed: false }], CLUSTERING_KIND, [bytes]);
  return toHex(all.subarray(1, all.length - 1));
}

const CASES: [string, CqlType, CqlValue | Uint8Array, string][] = [
  ["int 1", t("int"), 1, "80000001"],
  ["smallint -1", t("smallint"), -1, "7fff"],
  ["tinyint 0", t("tinyint"), 0, "80"],
  ["int MAX", t("int"), 2147483647, "ffffffff"],
  // bigint is OSS50's signed variable-length integer (ByteComparable.md's "current bigint" table)
  ["bigint 1", t("bigint"), 1n, "81"],
  ["bigint -1", t("bigint"), -1n, "7f"],
  ["bigint 0", t("bigint"), 0n, "80"],
  ["bigint 63", t("bigint"), 63n, "bf"],
  ["bigint -64", t("bigint"), -64n, "40"],
  ["bigint 64", t("bigint"), 64n, "c040"],
  ["bigint -65", t("bigint"), -65n, "3fbf"],
  ["bigint 8191", t("bigint"), 8191n, "dfff"],
  ["bigint 8192", t("bigint"), 8192n, "e02000"],
  ["bigint Integer.MAX_VALUE", t("bigint"), 2n ** 31n - 1n, "f87fffffff"],
  ["bigint Long.MIN_VALUE", t("bigint"), -(2n ** 63n), "000000000000000000"],
  // derived by hand from the rules (docs/sstable-format.md): 55 bits still fit eight bytes
  // (FF, then the 0 bit that ends the length); from 56 bits on, FF and the eight bytes with their top bit set
  ["bigint 2^55-1", t("bigint"), 2n ** 55n - 1n, "ff7fffffffffffff"],
  ["bigint 2^55", t("bigint"), 2n ** 55n, "ff8080000000000000"],
  ["bigint Long.MAX_VALUE", t("bigint"), 2n ** 63n - 1n, "ffffffffffffffffff"],
  ["bigint -2^55", t("bigint"), -(2n ** 55n), "0080000000000000"],
  ["bigint -2^55-1", t("bigint"), -(2n ** 55n) - 1n, "007f7fffffffffffff"],
  ["float 1.0", t("float"), 1, "bf800000"],
  ["float +0.0", t("float"), 0, "80000000"],
  ["float -0.0", t("float"), -0, "7fffffff"],
  ["float -1.0", t("float"), -1, "407fffff"],
  ["double 1.0", t("double"), 1, "bff0000000000000"],
  ["double +Inf", t("double"), Infinity, "fff0000000000000"],
  ["double -Inf", t("double"), -Infinity, "000fffffffffffff"],
  ["double NaN", t("double"), NaN, "fff8000000000000"],
  ["uuid v4", t("uuid"), "cc520882-9507-44fb-8fc9-b349ecdee658", "4cc52088295074fb8fc9b349ecdee658"],
  ["uuid v1", t("uuid"), "2a92d750-d8dc-11e6-a2de-cf8ecd4cf053", "11e6d8dc2a92d750a2decf8ecd4cf053"],
  ["blob 22 00", t("blob"), fromHex("2200"), "2200fe"],
  ["blob 22 00 00 33", t("blob"), fromHex("22000033"), "2200feff3300"],
  ["blob 22 00 11", t("blob"), fromHex("220011"), "2200ff1100"],
  ["varint -1", t("varint"), -1n, "7f"],
  ["varint 0", t("varint"), 0n, "80"],
  ["varint 1", t("varint"), 1n, "81"],
  ["varint 127", t("varint"), 127n, "c07f"],
  ["varint 255", t("varint"), 255n, "c0ff"],
  ["varint 2^32-1", t("varint"), 2n ** 32n - 1n, "f8ffffffff"],
  ["varint 2^32", t("varint"), 2n ** 32n, "f900000000"],
  // seven significant bytes and more take the full form: sign byte, length - 7, the bytes
  // (IntegerType's comment shows these two a length byte off; its code writes these)
  ["varint 2^56-1", t("varint"), 2n ** 56n - 1n, "ff00ffffffffffffff"],
  ["varint 2^56", t("varint"), 2n ** 56n, "ff010100000000000000"],
  ["varint -2^56", t("varint"), -(2n ** 56n), "00ff" + "00000000000000"],
  ["decimal 1.1", t("decimal"), new Decimal(11n, 1), "c101818a00"],
  ["decimal 1", t("decimal"), new Decimal(1n, 0), "c1018100"],
  ["decimal 0.01", t("decimal"), new Decimal(1n, 2), "c08100"],
  ["decimal 0", t("decimal"), new Decimal(0n, 3), "80"],
  ["decimal -1", t("decimal"), new Decimal(-1n, 0), "3fff7f00"],
  ["decimal -1.1", t("decimal"), new Decimal(-11n, 1), "3fff7eda00"],
  ["decimal -98.9", t("decimal"), new Decimal(-989n, 1), "3fff1d8a00"],
  ["decimal -99", t("decimal"), new Decimal(-99n, 0), "3fff1d00"],
  ["decimal -99.9", t("decimal"), new Decimal(-999n, 1), "3fff1c8a00"],
  ["decimal -8.1e2000", t("decimal"), new Decimal(-81n, -1999), "3efc1777da00"],
  ["decimal -8.1e-2000", t("decimal"), new Decimal(-81n, 2001), "4203e777da00"],
  ["decimal 8.1e-2000", t("decimal"), new Decimal(81n, 2001), "befc19888a00"],
  ["decimal 8.1e2000", t("decimal"), new Decimal(81n, -1999), "c203e9888a00"],
  ["tuple (smallint 1, float 1.0)", { kind: "tuple", elems: [t("smallint"), t("float")] }, [1, 1], "408001" + "40bf800000" + "38"],
];

describe("Cassandra's documented forms", () => {
  for (const [name, type, value, hex] of CASES) test(name, () => expect(form(type, value)).toBe(hex));
});

test("a clustering and its bounds: 0x40 per component, 0x38 for a row, 0x20 and 0x60 for bounds", () => {
  const types = [{ type: t("text"), reversed: false }, { type: t("int"), reversed: true }];
  const a = encodeValue(t("text"), "A");
  const five = encodeValue(t("int"), 5);
  expect(toHex(clusteringBytes(types, CLUSTERING_KIND, [a, five]))).toBe("40" + "4100" + "40" + "7ffffffa" + "38");
  expect(toHex(clusteringBytes(types, 1, [a]))).toBe("40410020"); // inclusive start
  expect(toHex(clusteringBytes(types, 6, [a]))).toBe("40410060"); // inclusive end
  expect(toHex(clusteringBytes(types, 1, []))).toBe("20");
  expect(toHex(clusteringBytes(types, CLUSTERING_KIND, [a, new Uint8Array(0)]))).toBe("40" + "4100" + "41" + "38"); // empty int, DESC
});

test("a decorated key: token then key, for Murmur3 and for ByteOrderedPartitioner", () => {
  expect(toHex(decoratedKey(-1n, fromHex("30")))).toBe("40" + "7fffffffffffffff" + "40" + "3000" + "38");
  expect(toHex(decoratedKey(null, fromHex("30")))).toBe("40" + "3000" + "40" + "3000" + "38");
});
