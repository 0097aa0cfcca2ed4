// What the core knows of a table: types as descriptors, never names.
// The host parses CQL and Statistics.db; the core only needs to know how long
// a value is (fixed or vint-prefixed), how values compare, and which columns
// are complex (multi-cell). Descriptor bytes are defined in docs/core-abi.md.
import { In } from "./util/in";
import { fail, ERR_INVALID } from "./util/error";
import {
  T_INT, T_BIGINT, T_FLOAT, T_DOUBLE, T_BOOLEAN, T_UUID, T_TIMEUUID, T_TIMESTAMP,
  T_EMPTY, T_LIST, T_SET, T_MAP, T_TUPLE, T_UDT, T_FROZEN, T_REVERSED,
} from "./format/constants";

export class TypeDesc {
  code: i32 = 0;
  frozen: bool = false;
  reversed: bool = false;
  children: TypeDesc[] = [];
  fixedLen: i32 = -1;

  get isMultiCell(): bool {
    return !this.frozen && (this.code == T_LIST || this.code == T_SET || this.code == T_MAP || this.code == T_UDT);
  }

  // the type of one cell's value inside a multi-cell column
  cellValueType(pathPtr: usize, pathLen: i32): TypeDesc {
    if (this.code == T_LIST) return this.children[0];
    if (this.code == T_SET) return EMPTY_TYPE;
    if (this.code == T_MAP) return this.children[1];
    // UDT: the path is the field position as a big-endian short
    if (pathLen != 2) fail(ERR_INVALID, 0);
    const i = <i32>bswap<u16>(load<u16>(pathPtr));
    if (i >= this.children.length) fail(ERR_INVALID, 0);
    return this.children[i];
  }
}

export const EMPTY_TYPE = makeEmpty();

function makeEmpty(): TypeDesc {
  const t = new TypeDesc();
  t.code = T_EMPTY;
  t.fixedLen = 0;
  return t;
}

// Cassandra's AbstractType.valueLengthIfFixed: only these types are written
// without a length; everything else (date, time, smallint, ...) is vint-prefixed.
function fixedLength(code: i32): i32 {
  switch (code) {
    case T_INT: case T_FLOAT: return 4;
    case T_BIGINT: case T_DOUBLE: case T_TIMESTAMP: return 8;
    case T_BOOLEAN: return 1;
    case T_UUID: case T_TIMEUUID: return 16;
    case T_EMPTY: return 0;
    default: return -1;
  }
}

export function readType(r: In, depth: i32): TypeDesc {
  if (depth > 32) fail(ERR_INVALID, r.pos);
  const b = <i32>r.u8();
  const t = new TypeDesc();
  t.code = b & 0x3f;
  t.frozen = (b & T_FROZEN) != 0;
  t.reversed = (b & T_REVERSED) != 0;
  if (t.code < 1 || t.code > T_EMPTY) fail(ERR_INVALID, r.pos - 1);
  if (t.code == T_LIST || t.code == T_SET) {
    t.children.push(readType(r, depth + 1));
  } else if (t.code == T_MAP) {
    t.children.push(readType(r, depth + 1));
    t.children.push(readType(r, depth + 1));
  } else if (t.code == T_TUPLE || t.code == T_UDT) {
    const n = <i32>r.u16be();
    for (let i = 0; i < n; i++) t.children.push(readType(r, depth + 1));
  }
  t.fixedLen = fixedLength(t.code);
  return t;
}

export class Column {
  type: TypeDesc;
  isStatic: bool;
  constructor(type: TypeDesc, isStatic: bool) {
    this.type = type;
    this.isStatic = isStatic;
  }
  get complex(): bool {
    return this.type.isMultiCell;
  }
}

export class Table {
  partitionKey: TypeDesc[] = [];
  clustering: TypeDesc[] = [];
  columns: Column[] = [];
}

// Table descriptor: u16 nPk, types; u16 nCk, types; u16 nCol, (u8 static, type)*
export function readTable(ptr: usize, len: i32): Table {
  const r = new In(ptr, len);
  const t = new Table();
  let n = <i32>r.u16be();
  for (let i = 0; i < n; i++) t.partitionKey.push(readType(r, 0));
  n = <i32>r.u16be();
  for (let i = 0; i < n; i++) t.clustering.push(readType(r, 0));
  n = <i32>r.u16be();
  for (let i = 0; i < n; i++) {
    const isStatic = r.u8() != 0;
    t.columns.push(new Column(readType(r, 0), isStatic));
  }
  if (r.remaining() != 0) fail(ERR_INVALID, r.pos);
  return t;
}

// The columns one SSTable's SerializationHeader declares, as indexes into
// Table.columns (in the header's order, which is Cassandra's column order),
// and the EncodingStats its deltas are taken against.
export class Header {
  table: Table;
  statics: i32[] = [];
  regulars: i32[] = [];
  minTimestamp: i64 = 0;
  minLocalDeletionTime: i32 = 0;
  minTTL: i32 = 0;
  // schema column -> position in statics/regulars, or -1
  position: i32[] = [];
  constructor(table: Table) {
    this.table = table;
  }
}

// Header descriptor: i64 minTs, i32 minLdt, i32 minTtl, u16 nStatic, u16 idx*, u16 nRegular, u16 idx*
export function readHeader(table: Table, ptr: usize, len: i32): Header {
  const r = new In(ptr, len);
  const h = new Header(table);
  h.minTimestamp = r.i64be();
  h.minLocalDeletionTime = r.i32be();
  h.minTTL = r.i32be();
  for (let i = 0; i < table.columns.length; i++) h.position.push(-1);
  let n = <i32>r.u16be();
  for (let i = 0; i < n; i++) {
    const c = <i32>r.u16be();
    if (c >= table.columns.length || !table.columns[c].isStatic) fail(ERR_INVALID, r.pos - 2);
    h.position[c] = i;
    h.statics.push(c);
  }
  n = <i32>r.u16be();
  for (let i = 0; i < n; i++) {
    const c = <i32>r.u16be();
    if (c >= table.columns.length || table.columns[c].isStatic) fail(ERR_INVALID, r.pos - 2);
    h.position[c] = i;
    h.regulars.push(c);
  }
  if (r.remaining() != 0) fail(ERR_INVALID, r.pos);
  return h;
}
