// A batch of rows staged column by column, then encoded by the core in one
// call into a write-ahead log payload (assembly/batch/encode.ts): the key
// composed, the token hashed and every cell written there. Filling is the
// host's one walk over the values; nothing is encoded per cell in
// JavaScript, and nothing crosses the boundary per row.
import { TableSchema, ColumnDef } from "../schema/schema.js";
import { CqlValue } from "../types/codec.js";
import { InvalidValueError, CqliteError } from "../errors.js";
import { core } from "../core/core.js";
import { BufferPool } from "../util/bytes.js";
import { StagedColumn, StagingArrays } from "./staged-column.js";
import { EncodedMutation, InvalidMutationError, MAX_KEY_BYTES, MUTATION_FORMAT } from "../engine/mutation.js";
import { WriteTime } from "../cql/cells.js";
import { BATCH_HEADER_WORDS, BATCH_COLUMN_WORDS, BATCH_VALUE, BATCH_CELLS } from "../../assembly/format/constants.js";

/** What the write does with its rows: the statement whose rule applies, its time and TTL. */
export interface BatchWrite {
  mode: number;
  /** row r is written at `timestamp + r` */
  timestamp: bigint;
  ttl: number;
  nowSeconds: number;
}

/** How a batch names a row in an error: "records[3]", "bind row 3", "row 3". */
export type RowName = (row: number) => string;

/**
 * Prefixes a typed error with where it happened, keeping its class and code;
 * with `row`, the error also carries the batch row it is about (see rowOf).
 */
export function located(e: unknown, where: string, row?: number): unknown {
  if (!(e instanceof CqliteError)) return e;
  if (!e.message.startsWith(where)) e.message = `${where}: ${e.message}`;
  if (row !== undefined) (e as { row?: number }).row = row;
  return e;
}

/** The batch row a typed error from insert, insertColumns or executeMany is about, if it is about one. */
export function rowOf(e: unknown): number | undefined {
  const row = (e as { row?: unknown } | null)?.row;
  return e instanceof CqliteError && typeof row === "number" ? row : undefined;
}

export class Batch {
  readonly keys: StagedColumn[];
  /** the static and regular columns the batch names, staged as first named */
  private readonly values = new Map<ColumnDef, StagedColumn>();
  private readonly keyOf = new Map<ColumnDef, StagedColumn>();
  /** the rows its arrays were made for */
  private readonly capacity: number;

  /** `write` may be set after staging, before encode(), by a stager that learns it later (the CLI's CSV worker: only multi-cell values stage with it) */
  constructor(
    readonly schema: TableSchema,
    public rows: number,
    readonly rowName: RowName,
    public write: BatchWrite,
    /** arrays kept from batch to batch, for a caller that stages and encodes in one synchronous call */
    private readonly kept?: StagingArrays,
  ) {
    this.capacity = rows;
    this.keys = [...schema.partitionKey, ...schema.clustering].map((d) => new StagedColumn(d, -1, rows, kept));
    for (const c of this.keys) this.keyOf.set(c.def, c);
  }

  /** The staged column for `def` (a simple type: multi-cell columns take the host's path). */
  column(def: ColumnDef): StagedColumn {
    let c = this.keyOf.get(def) ?? this.values.get(def);
    if (!c) this.values.set(def, (c = new StagedColumn(def, this.schema.columnIndex(def.name), this.rows, this.kept)));
    return c;
  }

  /** Stages one value (null: a tombstone); a value that does not fit names its row and column. */
  set(c: StagedColumn, row: number, v: CqlValue | undefined): void {
    if (v === null || v === undefined) {
      if (c.index < 0) throw located(new InvalidValueError(`missing primary key column '${c.def.name}'`), this.rowName(row), row);
      c.setNull(row);
      return;
    }
    try {
      c.set(row, v, c.kind === BATCH_CELLS ? this.writeTime(row) : undefined);
    } catch (e) {
      throw located(located(e, `column '${c.def.name}'`), this.rowName(row), row);
    }
  }

  /** Forgets what row `row` staged (a row found bad while a loader stages it row by row). */
  clearRow(row: number): void {
    for (const c of this.keys) c.clear(row);
    for (const c of this.values.values()) c.clear(row);
  }

  /** The batch ends after `rows` rows (a loader's last batch, staged into one made for more). */
  truncate(rows: number): void {
    if (!(rows >= 0 && rows <= this.rows)) throw new RangeError(`truncate(${rows}) of a batch of ${this.rows} rows`);
    this.rows = rows;
    for (const c of this.keys) c.truncate(rows);
    for (const c of this.values.values()) c.truncate(rows);
  }

  /**
   * Empty again with its arrays kept, for as many rows as it was made for,
   * and `write` as its write time: a loader that makes batch after batch
   * reuses them once encoded rather than allocate each one's again.
   */
  reuse(write: BatchWrite): void {
    this.rows = this.capacity;
    this.write = write;
    encodedElsewhere.delete(this);
    for (const c of this.keys) c.reuse(this.rows);
    for (const c of this.values.values()) c.reuse(this.rows);
  }

  private writeTime(row: number): WriteTime {
    return { timestamp: this.write.timestamp + BigInt(row), ttl: this.write.ttl, nowSeconds: this.write.nowSeconds };
  }

  /**
   * Checks what the log requires of row r's key and clustering
   * (src/engine/mutation.ts); encode() checks every row, a loader may check
   * each as it stages it.
   */
  checkRow(r: number): void {
    const at = (e: CqliteError) => located(e, this.rowName(r), r);
    const keys = this.keys, pkCount = this.schema.partitionKey.length;
    for (const c of keys) if (c.presence[r] !== BATCH_VALUE) throw at(new InvalidValueError(`missing primary key column '${c.def.name}'`));
    let keyBytes = 0;
    for (let i = 0; i < pkCount; i++) {
      const c = keys[i], n = c.length(r);
      if (pkCount > 1 && n > MAX_KEY_BYTES) throw at(new InvalidValueError(`partition key component '${c.def.name}' of ${n} bytes exceeds 65535`));
      keyBytes += pkCount > 1 ? n + 3 : n;
    }
    if (keyBytes === 0) throw at(new InvalidMutationError(`a partition key may not be empty`));
    if (keyBytes > MAX_KEY_BYTES) throw at(new InvalidValueError(`partition key of ${keyBytes} bytes exceeds 65535`));
    for (let i = pkCount; i < keys.length; i++) {
      const c = keys[i], n = c.length(r);
      if (n > MAX_KEY_BYTES) throw at(new InvalidMutationError(`clustering column '${c.def.name}' has a value of ${n} bytes; at most ${MAX_KEY_BYTES}`));
    }
  }

  private check(): void {
    for (let r = 0; r < this.rows; r++) this.checkRow(r);
  }

  /**
   * The log payload of every row, one partition each: one copy in, one core
   * call, one copy out. The memtable takes the partitions as one run (they
   * lie end to end after the format byte), so no per-row slice is made.
   */
  encode(pool?: BufferPool): EncodedMutation {
    const made = encodedElsewhere.get(this);
    if (made) return made;
    const w = this.write;
    // the core writes cells in column order
    const values = [...this.values.values()].sort((a, b) => a.index - b.index);
    const cols = [...this.keys, ...values];
    for (const c of cols) c.finish();
    this.check();
    // one allocation: the header and column words, then each array 8-aligned
    const words = BATCH_HEADER_WORDS + cols.length * BATCH_COLUMN_WORDS;
    let size = align(words * 4);
    for (const c of cols) size += align(c.presence.length) + align(c.data?.byteLength ?? 0) + align(c.offsets?.byteLength ?? 0) + align(c.used);
    const k = core();
    return k.call((x) => {
      const base = x.alloc(size);
      try {
        const mem = new Uint8Array(x.memory.buffer);
        let at = base + align(words * 4);
        const put = (b: ArrayBufferView | null, n = b?.byteLength ?? 0): number => {
          if (!b || n === 0) return 0;
          const p = at;
          mem.set(new Uint8Array(b.buffer, b.byteOffset, n), p);
          at += align(n);
          return p;
        };
        const head = new Int32Array(x.memory.buffer, base, words);
        head.set([this.rows, this.schema.partitionKey.length, this.schema.clustering.length, values.length, w.mode, w.nowSeconds, MUTATION_FORMAT]);
        head[7] = Number(BigInt.asUintN(32, w.timestamp)) | 0;
        head[8] = Number(BigInt.asIntN(32, w.timestamp >> 32n));
        head[9] = 0;
        head[10] = w.ttl;
        head[11] = 0;
        head[12] = 0; // no per-row ends
        cols.forEach((c, i) => {
          const o = BATCH_HEADER_WORDS + i * BATCH_COLUMN_WORDS;
          head[o] = c.index;
          head[o + 1] = c.def.kind === "static" ? 1 : 0;
          head[o + 2] = c.kind;
          head[o + 3] = put(c.presence);
          head[o + 4] = c.offsets ? put(c.bytes, c.used) : put(c.data);
          head[o + 5] = put(c.offsets);
        });
        x.encodeBatch(base);
        // a small payload (a single-row write) gains nothing from a pooled buffer of 64 KiB
        if (!pool || x.resultLen() < POOLED_FROM) {
          const payload = k.takeResult();
          return { payload, slices: [payload.subarray(1)], crc: x.batchCrc() >>> 0 };
        }
        // into a buffer the pool had: in a Chromium worker, filling a fresh
        // buffer costs far more than copying into one already touched (a
        // 130 KB payload: about 0.2 ms against a few µs)
        const result = k.bytes(x.resultPtr(), x.resultLen());
        const payload = pool.take(result.length);
        payload.set(result);
        let given = false;
        const release = () => void (given || ((given = true), pool.give(payload)));
        return { payload, slices: [payload.subarray(1)], crc: x.batchCrc() >>> 0, release };
      } finally {
        x.free(base);
      }
    });
  }
}

/** Batches whose payload the core encoded in another thread (adoptEncoding). */
const encodedElsewhere = new WeakMap<Batch, EncodedMutation>();

/**
 * Gives `batch` (this engine's, its write time reserved) the payload the
 * core encoded from the same rows in another thread with that write time:
 * the CLI's CSV worker, which stages and encodes while the engine applies.
 * Internal: no entry point exports it, as a payload is trusted to be what
 * encode() would give.
 */
export function adoptEncoding(batch: Batch, rows: number, payload: Uint8Array): void {
  if (payload[0] !== MUTATION_FORMAT) throw new RangeError(`a payload of format ${payload[0]}, not ${MUTATION_FORMAT}`);
  batch.truncate(rows);
  encodedElsewhere.set(batch, { payload, slices: [payload.subarray(1)] });
}

/** Payloads at least this large are encoded into a pooled buffer. */
const POOLED_FROM = 16 << 10;

function align(n: number): number {
  return (n + 7) & ~7;
}
