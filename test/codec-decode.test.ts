// decodeValue's scalars: the exact-width values a result set is made of
// decode without a reader; every other width still goes through the reader
// and its typed errors. Random values round-trip through encodeValue.
import { describe, test, expect } from "vitest";
import { decodeValue, encodeValue, CqlValue } from "../src/types/codec.js";
import type { CqlType } from "../src/types/cqltype.js";
import { InvalidValueError } from "../src/errors.js";

let seed = 12345;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const int32 = () => (rnd() * 2 ** 32) | 0;
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join("");

const CASES: [CqlType["kind"], () => CqlValue, (v: CqlValue) => CqlValue][] = [
  ["int", int32, (v) => v],
  ["bigint", () => BigInt.asIntN(64, (BigInt(int32()) << 32n) | BigInt(int32() >>> 0)), (v) => v],
  ["timestamp", () => BigInt.asIntN(64, (BigInt(int32()) << 32n) | BigInt(int32() >>> 0)), (v) => v],
  ["time", () => BigInt(Math.floor(rnd() * 86_400e9)), (v) => v],
  ["double", () => (rnd() - 0.5) * 10 ** Math.floor(rnd() * 600 - 300), (v) => v],
  ["float", () => (rnd() - 0.5) * 1e6, (v) => Math.fround(v as number)],
  ["boolean", () => rnd() < 0.5, (v) => v],
  ["date", () => `${1000 + Math.floor(rnd() * 8000)}-0${1 + Math.floor(rnd() * 9)}-1${Math.floor(rnd() * 9)}`, (v) => v],
  ["uuid", () => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`, (v) => v],
  ["text", () => String.fromCodePoint(...Array.from({ length: Math.floor(rnd() * 20) + 1 }, () => Math.floor(rnd() * 0xd7ff) + 1)), (v) => v],
  ["blob", () => Uint8Array.from({ length: Math.floor(rnd() * 40) + 1 }, () => Math.floor(rnd() * 256)), (v) => v],
];

describe("decodeValue's scalars", () => {
  for (const [kind, gen, expected] of CASES) {
    test(`${kind}: random values round-trip`, () => {
      const t = { kind } as CqlType;
      for (let i = 0; i < 500; i++) {
        const v = gen();
        expect(decodeValue(t, encodeValue(t, v))).toEqual(expected(v));
      }
    });
  }

  test("extreme and special values", () => {
    for (const v of [0, -1, 2147483647, -2147483648]) expect(decodeValue({ kind: "int" }, encodeValue({ kind: "int" }, v))).toBe(v);
    for (const v of [-(2n ** 63n), 2n ** 63n - 1n, -1n, 0n]) expect(decodeValue({ kind: "bigint" }, encodeValue({ kind: "bigint" }, v))).toBe(v);
    for (const v of [NaN, Infinity, -Infinity, -0, Number.MIN_VALUE]) expect(decodeValue({ kind: "double" }, encodeValue({ kind: "double" }, v))).toBe(v);
    expect(decodeValue({ kind: "date" }, encodeValue({ kind: "date" }, "1970-01-01"))).toBe("1970-01-01");
    expect(decodeValue({ kind: "date" }, encodeValue({ kind: "date" }, "-5877641-06-23"))).toBe("-5877641-06-23");
  });

  test("a blob is a copy the caller may keep", () => {
    const b = Uint8Array.of(1, 2, 3);
    const out = decodeValue({ kind: "blob" }, b) as Uint8Array;
    b[0] = 9;
    expect([...out]).toEqual([1, 2, 3]);
  });

  test("a value of the wrong width or invalid UTF-8 is the reader's typed error", () => {
    const bad: [CqlType["kind"], number[]][] = [["int", [1, 2, 3]], ["bigint", [1, 2, 3, 4, 5, 6, 7]], ["double", [1, 2, 3, 4, 5, 6, 7, 8, 9]], ["float", [1, 2]], ["uuid", Array(15).fill(1)], ["date", [1, 2]], ["text", [0xc3, 0x28]], ["timestamp", [1]]];
    for (const [kind, bytes] of bad) expect(() => decodeValue({ kind } as CqlType, Uint8Array.from(bytes)), kind).toThrow(InvalidValueError);
  });
});
