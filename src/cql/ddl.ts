// CREATE TABLE / CREATE TYPE, parsed into schemas. Unknown or malformed DDL
// fails with the line and column of the offending token.
import { TokenStream } from "./lexer.js";
import { CqlType, nativeKind, assertValidType } from "../types/cqltype.js";
import { ColumnDef, TableSchema, TableOptions, defaultOptions, LZ4_CLASS, SNAPPY_CLASS, DEFLATE_CLASS, ZSTD_CLASS, MAX_TTL_SECONDS } from "../schema/schema.js";
import { SchemaError } from "../errors.js";
import { MAX_NESTING } from "../util/limits.js";
import { uuidString } from "../types/codec.js";

export interface UserTypeDef {
  keyspace: string;
  name: string;
  fields: { name: string; type: CqlType }[];
}

/** User types visible to the tables being parsed, by keyspace and name. */
export class TypeRegistry {
  private types = new Map<string, UserTypeDef>();
  add(t: UserTypeDef): void {
    this.types.set(`${t.keyspace}.${t.name}`, t);
  }
  get(keyspace: string, name: string): UserTypeDef | undefined {
    return this.types.get(`${keyspace}.${name}`);
  }
}

export interface ParsedSchema {
  tables: TableSchema[];
  types: UserTypeDef[];
}

export interface DdlOptions {
  /** keyspace for unqualified names */
  keyspace?: string;
  types?: TypeRegistry;
}

/** Parses a script of CREATE KEYSPACE / TYPE / TABLE statements (others are errors). */
export function parseSchema(cql: string, opts: DdlOptions = {}): ParsedSchema {
  const ts = TokenStream.of(cql);
  const reg = opts.types ?? new TypeRegistry();
  let keyspace = opts.keyspace ?? "ks";
  const out: ParsedSchema = { tables: [], types: [] };
  while (!ts.atEnd()) {
    if (ts.acceptPunct(";")) continue;
    if (ts.acceptWord("use")) {
      keyspace = ts.ident("keyspace name");
      continue;
    }
    ts.expectWord("create");
    if (ts.acceptWord("keyspace")) {
      skipIfNotExists(ts);
      keyspace = ts.ident("keyspace name");
      // WITH replication = {...} AND durable_writes = ...: accepted and ignored
      while (!ts.atEnd() && !ts.isPunct(";")) ts.next();
      continue;
    }
    if (ts.acceptWord("type")) {
      skipIfNotExists(ts);
      const [ks, name] = qualifiedName(ts, keyspace);
      ts.expectPunct("(");
      const fields: { name: string; type: CqlType }[] = [];
      do {
        const fname = ts.ident("field name");
        if (fields.some((f) => f.name === fname)) ts.fail(`field '${fname}' is defined twice`);
        fields.push({ name: fname, type: parseType(ts, ks, reg) });
      } while (ts.acceptPunct(","));
      ts.expectPunct(")");
      const def = { keyspace: ks, name, fields };
      reg.add(def);
      out.types.push(def);
      continue;
    }
    if (ts.acceptWord("table") || ts.acceptWord("columnfamily")) {
      out.tables.push(parseTableBody(ts, keyspace, reg));
      continue;
    }
    ts.fail(`unsupported statement: CREATE ${ts.peek().raw.toUpperCase()}`);
  }
  return out;
}

/** Parses exactly one CREATE TABLE (with any CREATE TYPE before it). */
export function parseTable(cql: string, opts: DdlOptions = {}): TableSchema {
  const s = parseSchema(cql, opts);
  if (s.tables.length !== 1) throw new SchemaError(`expected one CREATE TABLE statement, found ${s.tables.length}`);
  return s.tables[0];
}

function skipIfNotExists(ts: TokenStream): void {
  ts.acceptWord("if", "not", "exists");
}

function qualifiedName(ts: TokenStream, keyspace: string): [string, string] {
  const a = ts.ident("name");
  if (ts.acceptPunct(".")) return [a, ts.ident("name")];
  return [keyspace, a];
}

export function parseType(ts: TokenStream, keyspace: string, reg: TypeRegistry, frozen = false, depth = 0): CqlType {
  const at = ts.peek();
  if (depth > MAX_NESTING) ts.fail(`type nested deeper than ${MAX_NESTING} levels`, at);
  const name = ts.ident("type name");
  const gen = () => ts.expectPunct("<");
  const end = () => ts.expectPunct(">");
  let t: CqlType;
  if (name === "frozen") {
    gen();
    t = parseType(ts, keyspace, reg, true, depth + 1);
    end();
    return freezeTop(t);
  }
  if (name === "list" || name === "set") {
    gen();
    const elem = parseType(ts, keyspace, reg, true, depth + 1);
    end();
    t = { kind: name, elem: freezeTop(elem), frozen };
  } else if (name === "map") {
    gen();
    const key = parseType(ts, keyspace, reg, true, depth + 1);
    ts.expectPunct(",");
    const value = parseType(ts, keyspace, reg, true, depth + 1);
    end();
    t = { kind: "map", key: freezeTop(key), value: freezeTop(value), frozen };
  } else if (name === "tuple") {
    gen();
    const elems: CqlType[] = [];
    do elems.push(freezeTop(parseType(ts, keyspace, reg, true, depth + 1)));
    while (ts.acceptPunct(","));
    end();
    t = { kind: "tuple", elems };
  } else {
    const k = nativeKind(name);
    if (k && at.kind === "ident") {
      t = { kind: k };
    } else {
      let ks = keyspace;
      let tn = name;
      if (ts.acceptPunct(".")) {
        ks = name;
        tn = ts.ident("type name");
      }
      const udt = reg.get(ks, tn);
      if (!udt) ts.fail(`unknown type '${tn}'`, at);
      t = { kind: "udt", keyspace: ks, name: tn, fields: udt.fields, frozen };
    }
  }
  assertValidType(t, `type at line ${at.line}, column ${at.col}`);
  return t;
}

// Elements of collections, tuples and UDT fields are always frozen in
// Cassandra (a nested non-frozen collection is not allowed).
function freezeTop(t: CqlType): CqlType {
  if (t.kind === "list" || t.kind === "set" || t.kind === "map" || t.kind === "udt") return { ...t, frozen: true };
  return t;
}

function parseTableBody(ts: TokenStream, keyspace: string, reg: TypeRegistry): TableSchema {
  skipIfNotExists(ts);
  const [ks, name] = qualifiedName(ts, keyspace);
  ts.expectPunct("(");
  const cols: { name: string; type: CqlType; isStatic: boolean; at: { line: number; col: number } }[] = [];
  let pk: string[][] | null = null;
  let ck: string[] = [];
  do {
    if (ts.isWord("primary") && ts.isWord("key", 1)) {
      if (pk) ts.fail("PRIMARY KEY is declared twice");
      ts.next();
      ts.next();
      ts.expectPunct("(");
      if (ts.acceptPunct("(")) {
        const parts: string[] = [];
        do parts.push(ts.ident("column name"));
        while (ts.acceptPunct(","));
        ts.expectPunct(")");
        pk = [parts];
      } else {
        pk = [[ts.ident("column name")]];
      }
      while (ts.acceptPunct(",")) ck.push(ts.ident("column name"));
      ts.expectPunct(")");
      continue;
    }
    const at = ts.peek();
    const cname = ts.ident("column name");
    const type = parseType(ts, ks, reg);
    let isStatic = false;
    if (ts.acceptWord("static")) isStatic = true;
    if (ts.acceptWord("primary", "key")) {
      if (pk) ts.fail("PRIMARY KEY is declared twice", at);
      pk = [[cname]];
    }
    cols.push({ name: cname, type, isStatic, at: { line: at.line, col: at.col } });
  } while (ts.acceptPunct(","));
  ts.expectPunct(")");
  if (!pk) ts.fail(`table ${name} has no PRIMARY KEY`);
  const options = defaultOptions();
  const order = new Map<string, boolean>();
  let id = "";
  if (ts.acceptWord("with")) {
    do {
      if (ts.acceptWord("clustering", "order", "by")) {
        ts.expectPunct("(");
        do {
          const c = ts.ident("column name");
          let desc = false;
          if (ts.acceptWord("desc")) desc = true;
          else ts.acceptWord("asc");
          order.set(c, desc);
        } while (ts.acceptPunct(","));
        ts.expectPunct(")");
        continue;
      }
      if (ts.acceptWord("compact", "storage")) ts.fail("COMPACT STORAGE is not supported");
      const optTok = ts.peek();
      const opt = ts.ident("table option");
      ts.expectPunct("=");
      const value = optionValue(ts);
      applyOption(options, opt, value, optTok, ts);
      if (opt === "id") id = String(value);
    } while (ts.acceptWord("and"));
  }
  if (!ts.atEnd() && !ts.isPunct(";")) ts.fail(`unexpected '${ts.peek().raw}' after table definition`);
  if (options.maxIndexInterval < options.minIndexInterval) ts.fail(`max_index_interval (${options.maxIndexInterval}) must be at least min_index_interval (${options.minIndexInterval})`);
  const defs: ColumnDef[] = [];
  const byName = new Map(cols.map((c) => [c.name, c]));
  const keyCols = [...pk![0], ...ck];
  for (const k of keyCols) if (!byName.has(k)) ts.fail(`primary key column '${k}' is not defined in table ${name}`);
  if (new Set(keyCols).size !== keyCols.length) ts.fail(`a column appears twice in the primary key of ${name}`);
  for (const [c] of order) {
    if (!ck.includes(c)) ts.fail(`CLUSTERING ORDER BY names '${c}', which is not a clustering column`);
  }
  if (order.size && [...order.keys()].some((c, i) => ck[i] !== c))
    ts.fail("CLUSTERING ORDER BY must list the clustering columns in order");
  for (const c of cols) {
    const pkPos = pk![0].indexOf(c.name);
    const ckPos = ck.indexOf(c.name);
    if (c.isStatic && (pkPos >= 0 || ckPos >= 0)) ts.fail(`primary key column '${c.name}' cannot be static`);
    if (c.isStatic && ck.length === 0) ts.fail(`static column '${c.name}' needs clustering columns`);
    defs.push({
      name: c.name,
      type: c.type,
      kind: pkPos >= 0 ? "partition_key" : ckPos >= 0 ? "clustering" : c.isStatic ? "static" : "regular",
      position: pkPos >= 0 ? pkPos : ckPos >= 0 ? ckPos : -1,
      reversed: ckPos >= 0 ? order.get(c.name) === true : false,
    });
  }
  return new TableSchema(ks, name, id || deterministicTableId(ks, name), defs, options);
}

type OptValue = string | number | boolean | Record<string, string>;

function optionValue(ts: TokenStream): OptValue {
  const t = ts.peek();
  if (ts.acceptPunct("{")) {
    const m: Record<string, string> = {};
    if (!ts.isPunct("}")) {
      do {
        const k = ts.next();
        if (k.kind !== "string") ts.fail("expected a quoted option name", k);
        ts.expectPunct(":");
        const v = ts.next();
        if (!["string", "int", "float", "ident"].includes(v.kind)) ts.fail("expected an option value", v);
        m[k.text] = v.text;
      } while (ts.acceptPunct(","));
    }
    ts.expectPunct("}");
    return m;
  }
  ts.next();
  if (t.kind === "int" || t.kind === "float") return Number(t.text);
  if (t.kind === "string") return t.text;
  if (t.kind === "uuid") return t.text;
  if (t.kind === "ident" && (t.text === "true" || t.text === "false")) return t.text === "true";
  if (t.kind === "ident") return t.text;
  ts.fail(`unexpected option value '${t.raw}'`, t);
}

const I32_MAX = 0x7fffffff;

const COMPRESSORS: Record<string, string> = {
  lz4compressor: LZ4_CLASS, snappycompressor: SNAPPY_CLASS, deflatecompressor: DEFLATE_CLASS, zstdcompressor: ZSTD_CLASS,
};

function applyOption(o: TableOptions, name: string, v: OptValue, at: { line: number; col: number }, ts: TokenStream): void {
  const num = (): number => {
    if (typeof v !== "number") ts.fail(`option ${name} takes a number`);
    return v;
  };
  const int = (lo: number, hi: number): number => {
    const x = num();
    if (!Number.isInteger(x) || x < lo || x > hi) ts.fail(`option ${name} must be an integer from ${lo} to ${hi} (got ${x})`);
    return x;
  };
  switch (name) {
    case "bloom_filter_fp_chance": {
      const x = num();
      if (!(x > 0 && x <= 1)) ts.fail("bloom_filter_fp_chance must be in (0, 1]");
      o.bloomFilterFpChance = x;
      return;
    }
    // Cassandra's TableParams bounds: an int option is an int, in its range
    // (a default TTL that is not one would be written on every row)
    case "default_time_to_live": o.defaultTimeToLive = int(0, MAX_TTL_SECONDS); return;
    case "gc_grace_seconds": o.gcGraceSeconds = int(0, I32_MAX); return;
    case "min_index_interval": o.minIndexInterval = int(1, I32_MAX); return;
    case "max_index_interval": o.maxIndexInterval = int(1, I32_MAX); return;
    case "crc_check_chance": {
      const x = num();
      if (!(x >= 0 && x <= 1)) ts.fail("crc_check_chance must be in [0, 1]");
      o.crcCheckChance = x;
      return;
    }
    case "comment": o.comment = String(v); return;
    case "id": return;
    case "compression": {
      if (typeof v !== "object") ts.fail("compression takes a map");
      const m = { ...v };
      const c = o.compression;
      if (m.enabled !== undefined) {
        c.enabled = m.enabled !== "false";
        delete m.enabled;
      }
      const cls = m.class ?? m.sstable_compression;
      delete m.class;
      delete m.sstable_compression;
      if (cls !== undefined) {
        if (cls === "") c.enabled = false;
        else {
          const full = cls.includes(".") ? cls : COMPRESSORS[cls.toLowerCase()];
          if (!full || ![LZ4_CLASS, SNAPPY_CLASS, DEFLATE_CLASS, ZSTD_CLASS].includes(full)) ts.fail(`unsupported compressor '${cls}'`);
          c.className = full;
        }
      }
      const kb = m.chunk_length_in_kb ?? (m.chunk_length_kb as string | undefined);
      delete m.chunk_length_in_kb;
      delete m.chunk_length_kb;
      if (kb !== undefined) {
        const n = Number(kb);
        if (!(n > 0) || (n & (n - 1)) !== 0) ts.fail("chunk_length_in_kb must be a power of two");
        c.chunkLengthKb = n;
      }
      if (m.min_compress_ratio !== undefined) {
        c.minCompressRatio = Number(m.min_compress_ratio);
        delete m.min_compress_ratio;
      }
      c.extra = m;
      return;
    }
    default:
      o.other[name] = typeof v === "object" ? JSON.stringify(v) : String(v);
      void at;
  }
}

/** A stable table id from the names, for tables declared without WITH ID (a version 3 UUID). */
export function deterministicTableId(keyspace: string, name: string): string {
  // FNV-1a over the names, spread to 128 bits; version and variant bits set like a name-based UUID
  const s = `${keyspace}.${name}`;
  const out = new Uint8Array(16);
  let h1 = 0x811c9dc5, h2 = 0x01000193 ^ 0x9e3779b9;
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < s.length; i++) {
      h1 = Math.imul(h1 ^ s.charCodeAt(i), 0x01000193) >>> 0;
      h2 = Math.imul(h2 ^ s.charCodeAt(i) ^ round, 0x85ebca6b) >>> 0;
    }
    const v = (h1 ^ Math.imul(h2, 31 + round)) >>> 0;
    out[round * 4] = v >>> 24;
    out[round * 4 + 1] = (v >>> 16) & 0xff;
    out[round * 4 + 2] = (v >>> 8) & 0xff;
    out[round * 4 + 3] = v & 0xff;
  }
  out[6] = (out[6] & 0x0f) | 0x30;
  out[8] = (out[8] & 0x3f) | 0x80;
  return uuidString(out);
}
