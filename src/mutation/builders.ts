// Hand-built mutations for WriteEngine.write: one partition's rows, cells
// and deletions from typed values, encoded and ordered the way the engine's
// own CQL path writes them (row markers, collection replacement, tombstones).
// For what CQL says, execute() is simpler; this is for code that holds typed
// values and wants Cassandra's exact semantics without building statements.
import type { TableSchema } from "../schema/schema.js";
import type { Partition, Row, DeletionTime, Unfiltered } from "../sstable/model.js";
import { NO_DELETION_TIME } from "../sstable/model.js";
import { CqlValue, encodeValue } from "../types/codec.js";
import { encodeKey } from "../schema/keys.js";
import { writeColumn, normalizeRow, WriteTime } from "../cql/cells.js";
import { sortOrder } from "../core/order.js";
import { InvalidValueError } from "../errors.js";

export interface MutationOptions {
  /** write time in microseconds since the epoch (default: now; `engine.nextTimestamp()` gives the engine's clock) */
  timestamp?: bigint;
  /** seconds until the cells written expire (default 0: never) */
  ttl?: number;
  /** "now" in seconds since the epoch, for deletion and expiry times (default: the clock) */
  nowSeconds?: number;
}

/**
 * One partition's update. `mutation(engine.schema, { id: 7 })` starts one;
 * `insert`, `update`, `deleteRow`, `setStatic` and `deletePartition` add to
 * it; `build()` gives the Partition that `engine.write()` takes.
 *
 * ```ts
 * const m = mutation(engine.schema, { sensor: "s1" })
 *   .insert({ at: 1714557600000n }, { value: 21.5 })
 *   .deleteRow({ at: 1714557000000n });
 * await engine.write(m.build());
 * ```
 */
export class MutationBuilder {
  private readonly rows = new Map<string, Row>();
  private staticRow: Row | null = null;
  private partitionDeletion: DeletionTime | null = null;
  private readonly w: WriteTime;

  constructor(
    readonly schema: TableSchema,
    private readonly partitionKey: Record<string, CqlValue>,
    options: MutationOptions = {},
  ) {
    for (const c of schema.partitionKey) {
      if (partitionKey[c.name] === null || partitionKey[c.name] === undefined) throw new InvalidValueError(`missing partition key column '${c.name}'`);
    }
    const nowSeconds = options.nowSeconds ?? Math.floor(Date.now() / 1000);
    this.w = { timestamp: options.timestamp ?? BigInt(Date.now()) * 1000n, ttl: options.ttl ?? 0, nowSeconds };
  }

  /** An INSERT: the row's marker (it exists even with every column null) and the columns given. */
  insert(clustering: Record<string, CqlValue>, values: Record<string, CqlValue> = {}): this {
    const row = this.row(clustering);
    row.liveness = { timestamp: this.w.timestamp, ttl: this.w.ttl, localExpirationTime: this.w.ttl ? this.w.nowSeconds + this.w.ttl : NO_DELETION_TIME };
    this.write(row, values);
    return this;
  }

  /** An UPDATE ... SET: the columns given, no row marker (the row goes when its cells do). */
  update(clustering: Record<string, CqlValue>, values: Record<string, CqlValue>): this {
    this.write(this.row(clustering), values);
    return this;
  }

  /** Static columns of the partition. */
  setStatic(values: Record<string, CqlValue>): this {
    this.staticRow ??= { clustering: [], cells: [] };
    this.write(this.staticRow, values, true);
    return this;
  }

  /** A DELETE of one row (every clustering column given). */
  deleteRow(clustering: Record<string, CqlValue>): this {
    this.row(clustering).deletion = { markedForDeleteAt: this.w.timestamp, localDeletionTime: this.w.nowSeconds };
    return this;
  }

  /** A DELETE of the whole partition: everything written to it before this timestamp. */
  deletePartition(): this {
    this.partitionDeletion = { markedForDeleteAt: this.w.timestamp, localDeletionTime: this.w.nowSeconds };
    return this;
  }

  /** The Partition for `engine.write()`; rows in clustering order, cells in column order. */
  build(): Partition {
    const s = this.schema;
    const rows = [...this.rows.values()].map((row) => normalizeRow(s, row));
    const unfiltereds: Unfiltered[] = Array.from(sortOrder(s, rows.map((r) => r.clustering)), (x) => ({ type: "row" as const, row: rows[x < 0 ? ~x : x] }));
    const p: Partition = { key: encodeKey(s, this.partitionKey), token: 0n, unfiltereds };
    if (this.partitionDeletion) p.deletion = this.partitionDeletion;
    if (this.staticRow) p.staticRow = normalizeRow(s, this.staticRow);
    return p;
  }

  private row(clustering: Record<string, CqlValue>): Row {
    const values = this.schema.clustering.map((c) => {
      const v = clustering[c.name];
      if (v === null || v === undefined) throw new InvalidValueError(`missing clustering column '${c.name}'`);
      return encodeValue(c.type, v);
    });
    const id = values.map((b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")).join("/");
    let row = this.rows.get(id);
    if (!row) this.rows.set(id, (row = { clustering: values, cells: [] }));
    return row;
  }

  private write(row: Row, values: Record<string, CqlValue>, isStatic = false): void {
    for (const [name, v] of Object.entries(values)) {
      const def = this.schema.byName.get(name);
      if (!def) throw new InvalidValueError(`unknown column '${name}'`);
      if ((def.kind === "static") !== isStatic || def.kind === "partition_key" || def.kind === "clustering") {
        throw new InvalidValueError(`column '${name}' is ${def.kind.replace("_", " ")}: ${isStatic ? "setStatic takes static columns" : "give it as a key, or with setStatic"}`);
      }
      writeColumn(def, this.schema.columns.indexOf(def), v, this.w, row);
    }
  }
}

/** Starts the update of the partition `partitionKey` (its key columns by name). */
export function mutation(schema: TableSchema, partitionKey: Record<string, CqlValue>, options?: MutationOptions): MutationBuilder {
  return new MutationBuilder(schema, partitionKey, options);
}
