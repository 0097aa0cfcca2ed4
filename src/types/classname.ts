// Cassandra's AbstractType class names, as Statistics.db's serialization
// header and the schema tables spell them.
import { CqlType, NativeKind } from "./cqltype.js";
import { UnsupportedFormatError } from "../errors.js";
import { MAX_NESTING, quote } from "../util/limits.js";
import { toHex } from "../util/bytes.js";

const PKG = "org.apache.cassandra.db.marshal.";

const NATIVE_CLASS: Record<NativeKind, string> = {
  ascii: "AsciiType", text: "UTF8Type", int: "Int32Type", bigint: "LongType", smallint: "ShortType",
  tinyint: "ByteType", varint: "IntegerType", decimal: "DecimalType", float: "FloatType", double: "DoubleType",
  boolean: "BooleanType", blob: "BytesType", uuid: "UUIDType", timeuuid: "TimeUUIDType", timestamp: "TimestampType",
  date: "SimpleDateType", time: "TimeType", duration: "DurationType", inet: "InetAddressType",
  counter: "CounterColumnType", empty: "EmptyType",
};
const CLASS_NATIVE: Record<string, NativeKind> = Object.fromEntries(
  Object.entries(NATIVE_CLASS).map(([k, v]) => [v, k as NativeKind]),
);
// older spellings Cassandra still reads
CLASS_NATIVE["DateType"] = "timestamp";
CLASS_NATIVE["LexicalUUIDType"] = "uuid";

export function hex(s: string): string {
  return toHex(new TextEncoder().encode(s));
}

export function unhex(h: string): string {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return new TextDecoder().decode(out);
}

/** The class name of a type; `frozenInner` is set inside a frozen parent. */
export function className(t: CqlType, insideFrozen = false): string {
  const wrapFrozen = (s: string, f: boolean) => (f && !insideFrozen ? `${PKG}FrozenType(${s})` : s);
  switch (t.kind) {
    case "list":
      return wrapFrozen(`${PKG}ListType(${className(t.elem, insideFrozen || t.frozen)})`, t.frozen);
    case "set":
      return wrapFrozen(`${PKG}SetType(${className(t.elem, insideFrozen || t.frozen)})`, t.frozen);
    case "map":
      return wrapFrozen(
        `${PKG}MapType(${className(t.key, insideFrozen || t.frozen)},${className(t.value, insideFrozen || t.frozen)})`,
        t.frozen,
      );
    case "tuple":
      return wrapFrozen(`${PKG}TupleType(${t.elems.map((e) => className(e, true)).join(",")})`, !insideFrozen && false);
    case "udt": {
      const fields = t.fields.map((f) => `${hex(f.name)}:${className(f.type, insideFrozen || t.frozen)}`);
      return wrapFrozen(`${PKG}UserType(${t.keyspace},${hex(t.name)},${fields.join(",")})`, t.frozen);
    }
    default:
      return PKG + NATIVE_CLASS[t.kind];
  }
}

export function reversedClassName(t: CqlType): string {
  return `${PKG}ReversedType(${className(t)})`;
}

export function compositeClassName(ts: CqlType[]): string {
  return `${PKG}CompositeType(${ts.map((t) => className(t)).join(",")})`;
}

export interface ParsedClass {
  type: CqlType;
  reversed: boolean;
  /** CompositeType components, for composite partition keys */
  components?: ParsedClass[];
}

/** Parses a class name string back into a type. */
export function parseClassName(s: string): ParsedClass {
  const p = new ClassParser(s);
  const r = p.parse(false);
  if (p.i !== s.length) throw new UnsupportedFormatError(`bad type name '${quote(s)}' at ${p.i}`);
  return r;
}

class ClassParser {
  i = 0;
  private depth = 0;
  constructor(readonly s: string) {}

  private name(): string {
    const start = this.i;
    while (this.i < this.s.length && !"(),:".includes(this.s[this.i])) this.i++;
    return this.s.slice(start, this.i).trim();
  }

  private params(): string[] | null {
    if (this.s[this.i] !== "(") return null;
    return [];
  }

  parse(frozen: boolean): ParsedClass {
    if (++this.depth > MAX_NESTING) throw new UnsupportedFormatError(`type name nested deeper than ${MAX_NESTING} levels at ${this.i}`);
    try {
      return this.parseOne(frozen);
    } finally {
      this.depth--;
    }
  }

  private parseOne(frozen: boolean): ParsedClass {
    const full = this.name();
    const simple = full.startsWith(PKG) ? full.slice(PKG.length) : full.replace(/^.*\./, "");
    const args: ParsedClass[] = [];
    const rawArgs: string[] = [];
    const hasParams = this.s[this.i] === "(";
    const need = (c: string) => {
      if (this.s[this.i] !== c) throw new UnsupportedFormatError(`bad type name '${quote(this.s)}': expected '${c}' at ${this.i}`);
      this.i++;
    };
    const innerFrozen = frozen || simple === "FrozenType";
    if (hasParams) {
      need("(");
      if (simple === "UserType") {
        rawArgs.push(this.name());
        need(",");
        rawArgs.push(this.name());
        const fields: { name: string; type: CqlType }[] = [];
        while (this.s[this.i] === ",") {
          this.i++;
          const fname = this.name();
          need(":");
          fields.push({ name: unhex(fname), type: this.parse(innerFrozen).type });
        }
        need(")");
        return { type: { kind: "udt", keyspace: rawArgs[0], name: unhex(rawArgs[1]), fields, frozen }, reversed: false };
      }
      if (this.s[this.i] !== ")") {
        args.push(this.parse(innerFrozen));
        while (this.s[this.i] === ",") {
          this.i++;
          args.push(this.parse(innerFrozen));
        }
      }
      need(")");
    }
    void this.params;
    const arity = ARITY[simple];
    if (arity !== undefined && args.length !== arity)
      throw new UnsupportedFormatError(`bad type name '${quote(this.s)}': ${simple} takes ${arity} parameter${arity > 1 ? "s" : ""}, found ${args.length}`);
    switch (simple) {
      case "FrozenType":
        return { type: freeze(args[0].type), reversed: false };
      case "ReversedType":
        return { type: args[0].type, reversed: true };
      case "CompositeType":
        return { type: args[0]?.type ?? { kind: "blob" }, reversed: false, components: args };
      case "ListType":
        return { type: { kind: "list", elem: args[0].type, frozen }, reversed: false };
      case "SetType":
        return { type: { kind: "set", elem: args[0].type, frozen }, reversed: false };
      case "MapType":
        return { type: { kind: "map", key: args[0].type, value: args[1].type, frozen }, reversed: false };
      case "TupleType":
        return { type: { kind: "tuple", elems: args.map((a) => a.type) }, reversed: false };
      default: {
        const k = CLASS_NATIVE[simple];
        if (!k) throw new UnsupportedFormatError(`unknown type '${quote(full)}'`);
        return { type: { kind: k }, reversed: false };
      }
    }
  }
}

/** Parameters the parameterised types take (TupleType and CompositeType take any number). */
const ARITY: Record<string, number> = { FrozenType: 1, ReversedType: 1, ListType: 1, SetType: 1, MapType: 2 };

function freeze(t: CqlType): CqlType {
  if (t.kind === "list" || t.kind === "set" || t.kind === "map" || t.kind === "udt") return { ...t, frozen: true };
  return t;
}
