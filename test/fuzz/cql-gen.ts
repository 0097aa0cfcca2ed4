// Generators for the CQL target: values of a column's type (mostly valid,
// sometimes hostile shapes), CQL literals, and statements: well formed,
// damaged at the token level, or token soup.
import { Rng } from "./rng.js";
import { CqlType } from "../../src/types/cqltype.js";
import { Decimal, Duration } from "../../src/types/values.js";

/** A random JS value of any shape: what a careless or hostile caller binds. */
export function hostile(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 14 : 18)) {
    case 0: return rng.int(2 ** 31) - 2 ** 30;
    case 1: return rng.pick([NaN, Infinity, -Infinity, -0, 1.5, 2 ** 53, 2 ** 63, -(2 ** 31) - 1, 2 ** 31]);
    case 2: return BigInt(rng.int(1000)) ** BigInt(1 + rng.int(12)) * (rng.chance(0.5) ? -1n : 1n);
    case 3: return rng.pick(["", "x", "12", "-7", "0x00", "2024-01-01", "1h30m", "not a value", "é", "\u0000", "9".repeat(40)]);
    case 4: return rng.chance(0.5);
    case 5: return null;
    case 6: return undefined;
    case 7: return rng.bytes(rng.int(20));
    case 8: return new Date(rng.int(2 ** 31) * 1000);
    case 9: return new Decimal(BigInt(rng.int(1e6)), rng.int(20) - 10);
    case 10: return new Duration(rng.int(100), rng.int(100), BigInt(rng.int(1e9)));
    case 11: return "ab".repeat(rng.int(3000));
    case 12: return { length: 2, 0: 1, 1: 2 }; // array-like, not an array
    case 13: return new Uint16Array(3);
    case 14: return Array.from({ length: rng.int(5) }, () => hostile(rng, depth + 1));
    case 15: return new Map(Array.from({ length: rng.int(4) }, () => [hostile(rng, depth + 1), hostile(rng, depth + 1)]));
    case 16: return Object.fromEntries(Array.from({ length: rng.int(4) }, (_, i) => [rng.pick(["street", "n", "tags", "zz", `f${i}`]), hostile(rng, depth + 1)]));
    default: return new Set(Array.from({ length: rng.int(4) }, () => hostile(rng, depth + 1)));
  }
}

/** A value of type `t`, valid unless the draw says otherwise. */
export function valueOf(rng: Rng, t: CqlType, validity = 0.85): unknown {
  if (!rng.chance(validity)) return hostile(rng);
  const inner = (x: CqlType) => valueOf(rng, x, Math.min(1, validity + 0.1));
  switch (t.kind) {
    case "int": return rng.int(2 ** 32) - 2 ** 31;
    case "smallint": return rng.int(2 ** 16) - 2 ** 15;
    case "tinyint": return rng.int(256) - 128;
    case "bigint": case "counter": return BigInt(rng.int(2 ** 32)) * BigInt(rng.int(2 ** 31)) - 2n ** 61n;
    case "varint": return BigInt(rng.int(2 ** 32)) ** BigInt(1 + rng.int(5)) * (rng.chance(0.5) ? -1n : 1n);
    case "float": case "double": return rng.pick([0, -0, 1.5, -2.25, 1e30, NaN, Infinity, rng.int(1e6) / 7]);
    case "decimal": return new Decimal(BigInt(rng.int(1e9)) - 500_000_000n, rng.int(30) - 5);
    case "boolean": return rng.chance(0.5);
    case "blob": return rng.bytes(rng.int(40));
    case "text": return rng.pick(["", "plain", "ünïcödé ✓", "quote ' and \" chars", "x".repeat(rng.int(2000))]);
    case "ascii": return rng.pick(["", "ascii", "A".repeat(rng.int(100))]);
    case "uuid": return rng.pick(["0ce82e94-0aa4-497a-83c2-d8f0e0687f12", "00000000-0000-0000-0000-000000000000"]);
    case "timeuuid": return rng.pick(["5d2d1e30-3c4a-11ee-be56-0242ac120002", "00000000-0000-1000-8000-000000000000"]);
    case "timestamp": return rng.pick([BigInt(rng.int(2 ** 31)) * 1000n, "2024-05-01T10:00:00Z", new Date(rng.int(2 ** 31) * 1000), -5n]);
    case "date": return rng.pick(["2021-06-25", "1970-01-01", "-0001-01-01", rng.int(100000)]);
    case "time": return rng.pick([0n, 86_399_999_999_999n, "12:30:45.123", BigInt(rng.int(1e9))]);
    case "duration": return rng.pick(["1h30m", "P1Y2M", "-3d", new Duration(1, 2, 3n)]);
    case "inet": return rng.pick(["127.0.0.1", "::1", "2001:db8::ff00:42:8329", "::ffff:1.2.3.4"]);
    case "empty": return null;
    case "list": return Array.from({ length: rng.int(6) }, () => inner(t.elem));
    case "set": return Array.from({ length: rng.int(6) }, () => inner(t.elem));
    case "map": return new Map(Array.from({ length: rng.int(5) }, () => [inner(t.key), inner(t.value)]));
    case "tuple": return t.elems.map((e) => (rng.chance(0.1) ? null : inner(e)));
    case "udt": return Object.fromEntries(t.fields.filter(() => rng.chance(0.7)).map((f) => [f.name, inner(f.type)]));
  }
}

/** A CQL literal for type `t` (sometimes of the wrong type). */
export function literalOf(rng: Rng, t: CqlType, depth = 0): string {
  if (rng.chance(0.05)) return rng.pick(["null", "?", "now()", "-", "'", "0x", "[", "{", "(", "1e999", "--", "$$x$$", "true"]);
  switch (t.kind) {
    case "int": case "smallint": case "tinyint": return String(rng.int(300) - 150);
    case "bigint": case "varint": case "counter": return `${rng.chance(0.5) ? "-" : ""}${rng.int(2 ** 31)}${rng.int(10)}`;
    case "float": case "double": case "decimal": return rng.pick(["1.5", "-0.0", "NaN", "-Infinity", "1e10", "3"]);
    case "boolean": return rng.pick(["true", "false", "TRUE"]);
    case "blob": return `0x${Buffer.from(rng.bytes(rng.int(8))).toString("hex")}`;
    case "text": case "ascii": return `'${rng.pick(["a", "it''s", "", "ü"])}'`;
    case "uuid": return "0ce82e94-0aa4-497a-83c2-d8f0e0687f12";
    case "timeuuid": return rng.pick(["now()", "5d2d1e30-3c4a-11ee-be56-0242ac120002"]);
    case "timestamp": return rng.pick(["'2024-05-01T10:00:00Z'", "1714557600000", "toTimestamp(now())", "'bad'"]);
    case "date": return rng.pick(["'2021-06-25'", "'2021-02-30'", "2147483648"]);
    case "time": return rng.pick(["'12:30:45'", "'25:00:00'", "1000"]);
    case "duration": return rng.pick(["1h30m", "P1Y2M", "'3d'", "-2w"]);
    case "inet": return rng.pick(["'127.0.0.1'", "'::1'", "'300.1.1.1'"]);
    case "empty": return "null";
    case "list": case "set": {
      const n = depth > 3 ? 0 : rng.int(4);
      const items = Array.from({ length: n }, () => literalOf(rng, t.elem, depth + 1)).join(", ");
      return t.kind === "list" ? `[${items}]` : `{${items}}`;
    }
    case "map": {
      const n = depth > 3 ? 0 : rng.int(3);
      return `{${Array.from({ length: n }, () => `${literalOf(rng, t.key, depth + 1)}: ${literalOf(rng, t.value, depth + 1)}`).join(", ")}}`;
    }
    case "tuple": return `(${t.elems.map((e) => literalOf(rng, e, depth + 1)).join(", ")})`;
    case "udt": return `{${t.fields.filter(() => rng.chance(0.6)).map((f) => `${f.name}: ${literalOf(rng, f.type, depth + 1)}`).join(", ")}}`;
  }
}

const VOCAB = [
  "INSERT", "INTO", "VALUES", "UPDATE", "SET", "DELETE", "FROM", "WHERE", "AND", "SELECT", "BEGIN", "BATCH", "APPLY", "UNLOGGED",
  "USING", "TTL", "TIMESTAMP", "IF", "NOT", "EXISTS", "IN", "ORDER", "BY", "DESC", "LIMIT", "PER", "PARTITION", "JSON", "DEFAULT",
  "UNSET", "COUNT", "WRITETIME", "q", "ks.q", "k", "c1", "c2", "i", "l", "m", "st", "ud", "tp", "fl", "s", "null", "?", ":k", "*",
  "(", ")", "[", "]", "{", "}", ",", ";", "=", "<", ">", "<=", ">=", "+", "-", "+=", ":", ".", "'x'", "1", "-1", "1.5", "0xff",
  "0ce82e94-0aa4-497a-83c2-d8f0e0687f12", "1h", "true", "now()", "$$a$$", "\"Q\"", "/* c */", "--", "\n", "'", "\"", "$$",
];

export function tokenSoup(rng: Rng): string {
  return Array.from({ length: 1 + rng.int(30) }, () => rng.pick(VOCAB)).join(rng.chance(0.8) ? " " : "");
}

/** `cql` damaged at the token level: a token dropped, doubled, swapped or replaced. */
export function damage(rng: Rng, cql: string): string {
  const toks = cql.split(/(\s+|[(),;[\]{}=<>+:.?'])/).filter((x) => x !== "");
  for (let n = 1 + rng.int(3); n > 0 && toks.length; n--) {
    const i = rng.int(toks.length);
    switch (rng.int(4)) {
      case 0: toks.splice(i, 1); break;
      case 1: toks.splice(i, 0, toks[i]); break;
      case 2: toks.splice(i, 1, rng.pick(VOCAB)); break;
      default: {
        const j = rng.int(toks.length);
        [toks[i], toks[j]] = [toks[j], toks[i]];
      }
    }
  }
  return toks.join("");
}
