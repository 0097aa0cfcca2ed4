// Terms meet types: CQL literals and bound parameters become JS values of a
// column's type (then the codecs serialize them). A literal that does not fit
// the type fails with the literal's line and column.
import { Term } from "./statements.js";
import { Token } from "./lexer.js";
import { CqlType } from "../types/cqltype.js";
import { CqlValue, describeValue, uuidString } from "../types/codec.js";
import { Decimal, Duration } from "../types/values.js";
import { CqlSyntaxError, InvalidValueError } from "../errors.js";

export type Params = CqlValue[] | Record<string, CqlValue> | undefined;

/** Bound parameters for one execution, checked against the statement's markers. */
export class Bindings {
  private readonly values: CqlValue[];
  constructor(markers: { name: string | null; tok: Token }[], params: Params) {
    if (params === undefined || params === null) params = [];
    if (typeof params !== "object" || params instanceof Map || params instanceof Uint8Array)
      throw new InvalidValueError(`parameters must be an array (for ?) or a plain object (for :name), got ${describeValue(params)}`);
    if (Array.isArray(params)) {
      if (params.length !== markers.length)
        throw new InvalidValueError(`the statement has ${markers.length} bind markers but ${params.length} values were given`);
      this.values = params;
    } else {
      this.values = markers.map((m, i) => {
        if (m.name === null) throw new CqlSyntaxError(`positional marker ? #${i + 1} needs an array of parameters`, m.tok.line, m.tok.col);
        if (!Object.prototype.hasOwnProperty.call(params, m.name)) throw new InvalidValueError(`no value for bind marker :${m.name}`);
        return (params as Record<string, CqlValue>)[m.name];
      });
    }
  }
  get(i: number): CqlValue {
    return this.values[i];
  }
}

function fail(t: Token, msg: string): never {
  throw new CqlSyntaxError(msg, t.line, t.col);
}

let clockSeq = 0;
/** A version-1 (time-based) UUID for now(), with a random node. */
export function nowTimeuuid(ms = Date.now()): string {
  const t = BigInt(ms) * 10000n + 0x01b21dd213814000n + BigInt(clockSeq++ % 10000);
  const h = t.toString(16).padStart(15, "0");
  const low = h.slice(-8), mid = h.slice(-12, -8), hi = h.slice(-15, -12);
  const node = Array.from({ length: 6 }, () => Math.floor(Math.random() * 256).toString(16).padStart(2, "0")).join("");
  const seq = (0x8000 | Math.floor(Math.random() * 0x3fff)).toString(16);
  return `${low}-${mid}-1${hi}-${seq}-${node}`;
}

function randomUuid(): string {
  const b = Array.from({ length: 16 }, () => Math.floor(Math.random() * 256));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return uuidString(Uint8Array.from(b));
}

/** The value of `term` as type `t`. */
export function termValue(term: Term, t: CqlType, b: Bindings): CqlValue {
  switch (term.kind) {
    case "null":
      return null;
    case "bind":
      return b.get(term.index);
    case "call":
      return callValue(term, t);
    case "literal":
      return literal(term.tok, t, !!term.negative);
    case "list":
    case "set": {
      if (t.kind === "list" || t.kind === "set") return term.items.map((x) => termValue(x, t.elem, b));
      if (t.kind === "tuple" && term.kind === "list") break;
      return fail(term.tok, `a ${term.kind} literal is not a ${t.kind}`);
    }
    case "map": {
      if (t.kind === "map") return new Map(term.entries.map(([k, v]) => [termValue(k, t.key, b), termValue(v, t.value, b)] as [CqlValue, CqlValue]));
      if (term.entries.length === 0 && (t.kind === "set" || t.kind === "list")) return [];
      if (term.entries.length === 0 && t.kind === "udt") return {};
      return fail(term.tok, `a map literal is not a ${t.kind}`);
    }
    case "tuple": {
      if (t.kind === "tuple") {
        if (term.items.length > t.elems.length) fail(term.tok, `tuple<${t.elems.length}> given ${term.items.length} values`);
        return t.elems.map((e, i) => (i < term.items.length ? termValue(term.items[i], e, b) : null));
      }
      if (term.items.length === 1) return termValue(term.items[0], t, b); // a parenthesized value
      return fail(term.tok, `a tuple literal is not a ${t.kind}`);
    }
    case "udt": {
      if (t.kind !== "udt") return fail(term.tok, `a user type literal is not a ${t.kind}`);
      const out: Record<string, CqlValue> = {};
      for (const f of t.fields) out[f.name] = null;
      for (const [name, v] of term.fields) {
        const f = t.fields.find((x) => x.name === name);
        if (!f) fail(term.tok, `type ${t.name} has no field '${name}'`);
        out[name] = termValue(v, f!.type, b);
      }
      return out;
    }
  }
  return fail(term.tok, `cannot use this value as ${t.kind}`);
}

function callValue(term: Extract<Term, { kind: "call" }>, t: CqlType): CqlValue {
  const name = term.name;
  if (name === "now" && term.args.length === 0) {
    if (t.kind === "timeuuid" || t.kind === "uuid") return nowTimeuuid();
    if (t.kind === "timestamp") return BigInt(Date.now());
  }
  if (name === "uuid" && term.args.length === 0 && t.kind === "uuid") return randomUuid();
  if ((name === "totimestamp" || name === "currenttimestamp") && t.kind === "timestamp") return BigInt(Date.now());
  if (name === "currentdate" && t.kind === "date") return new Date().toISOString().slice(0, 10);
  if (name === "currenttimeuuid" && (t.kind === "timeuuid" || t.kind === "uuid")) return nowTimeuuid();
  return fail(term.tok, `function ${name}() is not supported for ${t.kind}`);
}

function literal(tok: Token, t: CqlType, negative: boolean): CqlValue {
  const bad = (why = ""): never => fail(tok, `invalid ${t.kind} literal '${negative ? "-" : ""}${tok.raw}'${why ? `: ${why}` : ""}`);
  const sign = negative ? "-" : "";
  try {
    switch (tok.kind) {
      case "string":
        switch (t.kind) {
          case "text": case "ascii": case "timestamp": case "date": case "time": case "uuid": case "timeuuid": case "inet":
            return tok.text;
          case "duration": return Duration.parse(tok.text);
          case "decimal": return Decimal.parse(tok.text);
          case "varint": case "bigint": if (/^-?\d+$/.test(tok.text)) return BigInt(tok.text); return bad();
          default: return bad("a string is not a " + t.kind);
        }
      case "int":
        switch (t.kind) {
          case "int": case "smallint": case "tinyint": case "float": case "double": return Number(sign + tok.text);
          case "bigint": case "varint": case "counter": case "timestamp": case "time": return BigInt(sign + tok.text);
          case "decimal": return Decimal.parse(sign + tok.text);
          case "date": return Number(sign + tok.text) - 2 ** 31; // CQL date integers count from 2^31
          default: return bad();
        }
      case "float":
        if (t.kind === "float" || t.kind === "double") return Number(sign + tok.text);
        if (t.kind === "decimal") return Decimal.parse(sign + tok.text);
        return bad();
      case "hex":
        if (t.kind !== "blob") bad("hex literals are blobs");
        return Uint8Array.from(tok.text.match(/../g) ?? [], (h) => parseInt(h, 16));
      case "uuid":
        if (t.kind !== "uuid" && t.kind !== "timeuuid") bad();
        return tok.text;
      case "duration":
        if (t.kind !== "duration") bad();
        return Duration.parse(sign + tok.text);
      case "ident":
        if (tok.text === "true" || tok.text === "false") {
          if (t.kind !== "boolean") bad();
          return tok.text === "true";
        }
        if (tok.text === "nan" && (t.kind === "float" || t.kind === "double")) return NaN;
        if (tok.text === "infinity" && (t.kind === "float" || t.kind === "double")) return negative ? -Infinity : Infinity;
        return bad();
    }
  } catch (e) {
    if (e instanceof CqlSyntaxError) throw e;
    return bad((e as Error).message);
  }
  return bad();
}
