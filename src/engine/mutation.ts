// A mutation as the engine logs it: the partitions of one write, checked
// against the schema, then encoded once as a write-ahead log payload whose
// slices the memtable keeps (docs/wal-format.md, "Payload").
//
// Everything a later flush, read or replay relies on is checked here, before
// the write is logged: a partition the core cannot encode must never be
// acknowledged, or it would poison every flush and every reopen after it.
import { CqliteError } from "../errors.js";
import { TableSchema, MAX_TTL_SECONDS } from "../schema/schema.js";
import { Partition, Row, RangeMarker, isBoundary } from "../sstable/model.js";
import { isMultiCell } from "../types/cqltype.js";
import { encodePartitionsIndexed, decodePartitions } from "../core/rowstream.js";
import { tokenOf } from "../core/token.js";
import { RS_PARTITION } from "../../assembly/format/constants.js";
import { I64_MIN, I64_MAX } from "../util/int64.js";

/**
 * The payload's first byte: the layout of the row stream after it. Version 2
 * widened the per-row cell counts to u32; version 3 writes rows in compact
 * form (a fifth fewer bytes for a short row, in the log and the memtable),
 * and is read by the same code, which takes both row forms. A payload that
 * starts with the row stream's partition tag is the untagged first layout
 * (u16 counts).
 */
export const MUTATION_FORMAT = 3;
const FORMAT_LONG_ROWS = 2;
const LEGACY_FIRST_BYTE = RS_PARTITION;
const FORMAT_BYTE = Uint8Array.of(MUTATION_FORMAT);

/** Cassandra's default max_mutation_size (half of a 32 MiB commit log segment). */
export const DEFAULT_MAX_MUTATION_BYTES = 16 << 20;
/** Index.db and the row stream give a key's length in 16 bits. */
export const MAX_KEY_BYTES = 0xffff;

/** A mutation that does not fit the table: names the partition part and what is wrong. */
export class InvalidMutationError extends CqliteError {
  constructor(what: string) {
    super("INVALID_MUTATION", what);
  }
}

export class MutationTooLargeError extends CqliteError {
  constructor(readonly bytes: number, readonly limit: number) {
    super("MUTATION_TOO_LARGE", `a mutation of ${bytes} bytes exceeds maxMutationBytes (${limit})`);
  }
}

/** A log record that passed its checksum but is not a mutation this engine can read. */
export class BadMutationPayloadError extends CqliteError {
  constructor(readonly seq: bigint, what: string) {
    super("WAL_PAYLOAD", `write-ahead log record ${seq}: ${what}`);
  }
}

export interface EncodedMutation {
  payload: Uint8Array;
  /** each partition's bytes within the payload (what the memtable keeps) */
  slices: Uint8Array[];
  /** CRC32 of the payload, when the encoder took it (the log's record CRC builds on it) */
  crc?: number;
  /** Gives the payload's buffer back to its pool: called once the write is done with it (applied, or failed) */
  release?: () => void;
}

/** A log payload over `maxBytes` is refused before it is logged, however it was encoded. */
export function checkMutationSize(payload: Uint8Array, maxBytes = DEFAULT_MAX_MUTATION_BYTES): void {
  if (payload.length > maxBytes) throw new MutationTooLargeError(payload.length, maxBytes);
}

/** Checks `updates` against the schema and encodes them as one log payload. */
export function encodeMutation(schema: TableSchema, updates: Partition[], maxBytes = DEFAULT_MAX_MUTATION_BYTES): EncodedMutation {
  for (const p of updates) {
    checkPartition(schema, p);
    p.token = tokenOf(p.key);
  }
  const { bytes: payload, ends } = encodePartitionsIndexed(updates, FORMAT_BYTE, true);
  checkMutationSize(payload, maxBytes);
  return { payload, slices: slicesOf(payload, 1, ends) };
}

/** The partitions of a logged payload, each with its slice (copied: the log may reuse its buffer). */
export function decodeMutation(seq: bigint, payload: Uint8Array): { partitions: Partition[]; slices: Uint8Array[] } {
  if (payload.length === 0) throw new BadMutationPayloadError(seq, "empty payload");
  const tag = payload[0];
  try {
    if (tag === MUTATION_FORMAT || tag === FORMAT_LONG_ROWS) {
      const bytes = payload.slice();
      const ends: number[] = [];
      const partitions = decodePartitions(bytes.subarray(1), ends);
      return { partitions, slices: slicesOf(bytes, 1, ends.map((e) => e + 1)) };
    }
    if (tag === LEGACY_FIRST_BYTE) {
      // the first layout: re-encode in the current one, which the core reads
      const partitions = decodePartitions(payload, undefined, true);
      const { bytes, ends } = encodePartitionsIndexed(partitions);
      return { partitions, slices: slicesOf(bytes, 0, ends) };
    }
  } catch (e) {
    throw new BadMutationPayloadError(seq, e instanceof Error ? e.message : String(e));
  }
  throw new BadMutationPayloadError(seq, `unknown payload format ${tag} (this engine writes ${MUTATION_FORMAT})`);
}

/**
 * A logged payload's row stream, without decoding it: the memtable reads it
 * in the core (which refuses bytes it cannot read). The view is of `payload`:
 * use it before the log reuses its buffer. The first layout is re-encoded.
 */
export function mutationStream(seq: bigint, payload: Uint8Array): Uint8Array {
  if (payload.length === 0) throw new BadMutationPayloadError(seq, "empty payload");
  const tag = payload[0];
  if (tag === MUTATION_FORMAT || tag === FORMAT_LONG_ROWS) return payload.subarray(1);
  if (tag === LEGACY_FIRST_BYTE) return encodePartitionsIndexed(decodeMutation(seq, payload).partitions).bytes;
  throw new BadMutationPayloadError(seq, `unknown payload format ${tag} (this engine writes ${MUTATION_FORMAT})`);
}

function slicesOf(bytes: Uint8Array, start: number, ends: number[]): Uint8Array[] {
  return ends.map((end, i) => bytes.subarray(i ? ends[i - 1] : start, end));
}

function checkPartition(schema: TableSchema, p: Partition): void {
  if (!(p.key instanceof Uint8Array)) throw new InvalidMutationError("a partition key must be a Uint8Array");
  if (p.key.length === 0) throw new InvalidMutationError("a partition key may not be empty");
  if (p.key.length > MAX_KEY_BYTES) throw new InvalidMutationError(`a partition key of ${p.key.length} bytes exceeds ${MAX_KEY_BYTES}`);
  if (!Array.isArray(p.unfiltereds)) throw new InvalidMutationError("a partition's unfiltereds must be an array");
  if (p.deletion) checkDeletion(p.deletion, "partition deletion");
  if (p.staticRow) checkRow(schema, p.staticRow, true);
  for (const u of p.unfiltereds) {
    if (u.type === "row") checkRow(schema, u.row, false);
    else if (u.type === "marker") checkMarker(schema, u.marker);
    else throw new InvalidMutationError(`unknown unfiltered type ${String((u as { type: unknown }).type)}`);
  }
}

function checkRow(schema: TableSchema, r: Row, isStatic: boolean): void {
  const where = isStatic ? "the static row" : "a row";
  if (!Array.isArray(r.cells)) throw new InvalidMutationError(`${where}'s cells must be an array`);
  if (!isStatic) checkClustering(schema, r.clustering, true, where);
  if (r.liveness) {
    checkTimestamp(r.liveness.timestamp, `${where}'s liveness`);
    checkTtl(r.liveness.ttl, `${where}'s liveness`);
  }
  if (r.deletion) checkDeletion(r.deletion, `${where}'s deletion`);
  let prev = -1;
  for (const c of r.cells) {
    const col = schema.columns[c.column];
    if (!Number.isInteger(c.column) || !col) throw new InvalidMutationError(`${where} has a cell for column index ${String(c.column)}, which the table does not have`);
    if ((col.kind === "static") !== isStatic) throw new InvalidMutationError(`column '${col.name}' is ${col.kind}: not in ${where}`);
    if (c.column < prev) throw new InvalidMutationError(`${where}'s cells must be sorted by column ('${col.name}' comes after a later column)`);
    const multi = isMultiCell(col.type);
    if (multi !== (c.path instanceof Uint8Array)) throw new InvalidMutationError(`column '${col.name}': ${multi ? "each element cell needs a path" : "a simple cell has no path"}`);
    if (!multi && c.column === prev) throw new InvalidMutationError(`column '${col.name}' has two cells in one row`);
    if (!(c.value instanceof Uint8Array)) throw new InvalidMutationError(`column '${col.name}': a cell value must be a Uint8Array`);
    checkTimestamp(c.timestamp, `column '${col.name}'`);
    if (c.ttl !== undefined) checkTtl(c.ttl, `column '${col.name}'`);
    if (c.localDeletionTime !== undefined && !Number.isInteger(c.localDeletionTime))
      throw new InvalidMutationError(`column '${col.name}': localDeletionTime must be an integer`);
    prev = c.column;
  }
  for (const d of r.complexDeletions ?? []) {
    const col = schema.columns[d.column];
    if (!col || !isMultiCell(col.type)) throw new InvalidMutationError(`a complex deletion names column index ${String(d.column)}, which is not a multi-cell column`);
    checkDeletion(d.deletion, `column '${col.name}'s deletion`);
  }
}

function checkMarker(schema: TableSchema, m: RangeMarker): void {
  if (![0, 1, 2, 5, 6, 7].includes(m.kind)) throw new InvalidMutationError(`range tombstone bound kind ${String(m.kind)} is not a bound`);
  checkClustering(schema, m.clustering, false, "a range tombstone bound");
  checkDeletion(m.deletion, "a range tombstone");
  if (isBoundary(m.kind)) {
    if (!m.openDeletion) throw new InvalidMutationError("a range tombstone boundary needs openDeletion");
    checkDeletion(m.openDeletion, "a range tombstone");
  }
}

function checkClustering(schema: TableSchema, cl: unknown, full: boolean, where: string): void {
  const n = schema.clustering.length;
  if (!Array.isArray(cl)) throw new InvalidMutationError(`${where}'s clustering must be an array`);
  if (full ? cl.length !== n : cl.length > n) throw new InvalidMutationError(`${where} has ${cl.length} clustering values; the table has ${n} clustering columns`);
  for (const v of cl) {
    if (!(v instanceof Uint8Array)) throw new InvalidMutationError(`${where}'s clustering values must be Uint8Arrays`);
    if (v.length > MAX_KEY_BYTES) throw new InvalidMutationError(`${where} has a clustering value of ${v.length} bytes; at most ${MAX_KEY_BYTES}`);
  }
}

function checkTimestamp(ts: unknown, where: string): void {
  if (typeof ts !== "bigint" || ts < I64_MIN || ts > I64_MAX) throw new InvalidMutationError(`${where}: a timestamp must be a 64-bit bigint`);
}

function checkTtl(ttl: unknown, where: string): void {
  if (!Number.isInteger(ttl) || (ttl as number) < 0 || (ttl as number) > MAX_TTL_SECONDS)
    throw new InvalidMutationError(`${where}: a TTL must be an integer from 0 to ${MAX_TTL_SECONDS} seconds`);
}

function checkDeletion(d: { markedForDeleteAt: unknown; localDeletionTime: unknown }, where: string): void {
  checkTimestamp(d.markedForDeleteAt, where);
  if (!Number.isInteger(d.localDeletionTime)) throw new InvalidMutationError(`${where}: localDeletionTime must be an integer`);
}
