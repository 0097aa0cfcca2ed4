// A table's schema as the engine and the file format need it.
import { CqlType, isMultiCell } from "../types/cqltype.js";
import { SchemaError } from "../errors.js";
import { compareBytes, utf8 } from "../util/bytes.js";

export type ColumnKind = "partition_key" | "clustering" | "static" | "regular";

export interface ColumnDef {
  name: string;
  type: CqlType;
  kind: ColumnKind;
  /** position within the partition key or clustering */
  position: number;
  /** clustering column in DESC order */
  reversed: boolean;
}

export interface CompressionOptions {
  enabled: boolean;
  /** the compressor's class as Cassandra names it */
  className: string;
  chunkLengthKb: number;
  minCompressRatio: number;
  /** options written to CompressionInfo.db besides the chunk length */
  extra: Record<string, string>;
}

/** Cassandra's ceiling for a TTL (20 years), a write's or a table's default. */
export const MAX_TTL_SECONDS = 630_720_000;

export interface TableOptions {
  compression: CompressionOptions;
  bloomFilterFpChance: number;
  defaultTimeToLive: number;
  gcGraceSeconds: number;
  minIndexInterval: number;
  maxIndexInterval: number;
  crcCheckChance: number;
  comment: string;
  /** other options, kept as CQL text to re-emit in schema.cql */
  other: Record<string, string>;
}

export const LZ4_CLASS = "org.apache.cassandra.io.compress.LZ4Compressor";
export const SNAPPY_CLASS = "org.apache.cassandra.io.compress.SnappyCompressor";
export const DEFLATE_CLASS = "org.apache.cassandra.io.compress.DeflateCompressor";
export const ZSTD_CLASS = "org.apache.cassandra.io.compress.ZstdCompressor";

export function defaultOptions(): TableOptions {
  return {
    compression: { enabled: true, className: LZ4_CLASS, chunkLengthKb: 16, minCompressRatio: 0, extra: {} },
    bloomFilterFpChance: 0.01,
    defaultTimeToLive: 0,
    gcGraceSeconds: 864000,
    minIndexInterval: 128,
    maxIndexInterval: 2048,
    crcCheckChance: 1.0,
    comment: "",
    other: {},
  };
}

export class TableSchema {
  readonly partitionKey: ColumnDef[];
  readonly clustering: ColumnDef[];
  /** static then regular columns, each in Cassandra's order: the core's column indexes */
  readonly columns: ColumnDef[];
  readonly byName = new Map<string, ColumnDef>();

  constructor(
    readonly keyspace: string,
    readonly name: string,
    readonly id: string,
    all: ColumnDef[],
    readonly options: TableOptions,
  ) {
    for (const c of all) {
      if (this.byName.has(c.name)) throw new SchemaError(`column '${c.name}' is defined twice`);
      this.byName.set(c.name, c);
    }
    this.partitionKey = all.filter((c) => c.kind === "partition_key").sort((a, b) => a.position - b.position);
    this.clustering = all.filter((c) => c.kind === "clustering").sort((a, b) => a.position - b.position);
    if (this.partitionKey.length === 0) throw new SchemaError(`table ${name} has no partition key`);
    const statics = all.filter((c) => c.kind === "static").sort(columnOrder);
    const regulars = all.filter((c) => c.kind === "regular").sort(columnOrder);
    if (statics.length && this.clustering.length === 0) throw new SchemaError(`static columns need clustering columns (table ${name})`);
    this.columns = [...statics, ...regulars];
    for (const c of [...this.partitionKey, ...this.clustering]) {
      if (isMultiCell(c.type)) throw new SchemaError(`primary key column '${c.name}' must have a frozen type`);
      if (c.type.kind === "counter" || c.type.kind === "duration")
        throw new SchemaError(`primary key column '${c.name}' cannot be of type ${c.type.kind}`);
    }
    const counters = this.columns.filter((c) => c.type.kind === "counter").length;
    // a counter table's every non-key column is a counter, static ones included
    if (counters && counters !== this.columns.length)
      throw new SchemaError(`table ${name} mixes counter and non-counter columns`);
  }

  get isCounterTable(): boolean {
    return this.columns.some((c) => c.type.kind === "counter");
  }

  get hasStatics(): boolean {
    return this.columns.some((c) => c.kind === "static");
  }

  column(name: string): ColumnDef {
    const c = this.byName.get(name);
    if (!c) throw new SchemaError(`unknown column '${name}' in table ${this.keyspace}.${this.name}`);
    return c;
  }

  columnIndex(name: string): number {
    return this.columns.findIndex((c) => c.name === name);
  }
}

/** Cassandra's column order within a kind: simple before complex, then by name bytes. */
export function columnOrder(a: ColumnDef, b: ColumnDef): number {
  const ca = isMultiCell(a.type) ? 1 : 0;
  const cb = isMultiCell(b.type) ? 1 : 0;
  if (ca !== cb) return ca - cb;
  return compareBytes(utf8(a.name), utf8(b.name));
}
