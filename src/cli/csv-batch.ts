// CSV records staged straight into a batch (src/batch/), with no record
// object, no string per field and no second encoding: an ASCII text field's
// bytes are copied from the reader's buffer into the batch, a plain decimal
// int is read from its digits. Any other field is decoded and converted as
// insert() converts a record's string (src/cql/records.ts coerce), so the
// values written are the same either way.
import { CsvReader } from "../tools/csv.js";
import { Batch, located } from "../batch/batch.js";
import { StagedColumn } from "../batch/staged-column.js";
import { TableSchema, ColumnDef } from "../schema/schema.js";
import { coerce } from "../cql/records.js";
import { CqliteError, InvalidValueError } from "../errors.js";
import { InvalidMutationError } from "../engine/mutation.js";
import { BadRecordError } from "../tools/record-errors.js";

const SLOW = 0, TEXT = 1, INT = 2;
const MINUS = 0x2d, ZERO = 0x30, NINE = 0x39;

export class CsvBatchStager {
  private readonly defs: (ColumnDef | undefined)[];
  private readonly fast: Uint8Array;
  private batch: Batch | null = null;
  private columns: StagedColumn[] = [];

  constructor(schema: TableSchema, private readonly header: string[]) {
    this.defs = header.map((h) => schema.byName.get(h));
    this.fast = Uint8Array.from(this.defs, (d) => (d?.type.kind === "text" || d?.type.kind === "ascii" ? TEXT : d?.type.kind === "int" ? INT : SLOW));
  }

  /**
   * Stages the reader's current record as `row` of `batch`, key checks
   * included; a bad value throws its typed error and leaves the row unstaged.
   */
  stage(batch: Batch, csv: CsvReader, row: number): void {
    if (batch !== this.batch) {
      this.batch = batch;
      this.columns = this.defs.map((d) => (d ? batch.column(d) : (undefined as unknown as StagedColumn)));
    }
    try {
      for (let k = 0; k < this.defs.length; k++) {
        const def = this.defs[k];
        if (!def) throw new InvalidValueError(`unknown column '${this.header[k]}'`);
        const c = this.columns[k];
        if (csv.empty(k)) {
          batch.set(c, row, null);
          continue;
        }
        const f = this.fast[k];
        csv.field(k);
        if (f === TEXT && c.setAsciiBytes(row, csv.buf, csv.start[k], csv.end[k])) continue;
        if (f === INT) {
          const v = decimalInt(csv.buf, csv.start[k], csv.end[k]);
          if (v !== null) {
            c.set(row, v);
            continue;
          }
        }
        let v;
        try {
          v = coerce(def.type, csv.text(k), def.name);
        } catch (e) {
          throw located(e, batch.rowName(row), row);
        }
        batch.set(c, row, v);
      }
      batch.checkRow(row);
    } catch (e) {
      batch.clearRow(row);
      throw e;
    }
  }
}

/** An int written plainly in b[s, e) (an optional minus, 1-10 digits, in range, not -0); null for anything the general path should read. */
function decimalInt(b: Uint8Array, s: number, e: number): number | null {
  const minus = b[s] === MINUS;
  let i = minus ? s + 1 : s;
  if (e === i || e - i > 10) return null;
  let v = 0;
  for (; i < e; i++) {
    const d = b[i] - ZERO;
    if (d < 0 || d > NINE - ZERO) return null;
    v = v * 10 + d;
  }
  if (minus) v = -v;
  return v === (v | 0) && !Object.is(v, -0) ? v : null;
}

/** A record the load cannot take, by the line it starts on. */
export class BadRowError extends CqliteError {
  constructor(readonly line: number, readonly reason: string) {
    super("BAD_ROW", `line ${line}: ${reason}`);
  }
}

/** Records per batch: the engine encodes each in one core call. */
export const BATCH_ROWS = 2000;
/** A batch also ends once its input holds this many bytes, well under the largest write the log takes (16 MiB). */
const BATCH_BYTES = 4 << 20;

/** A batch staged from CSV, and the line each of its rows started on. */
export interface CsvBatch {
  batch: Batch;
  lines: Int32Array;
}

/** What reading the input has come to: its bytes read, and the bad rows left out (skipBad). */
export interface CsvProgress {
  bytesRead: number;
  skipped: number;
}

/**
 * CSV from `chunks` straight into batches: no record objects. A bad value or
 * a record with the wrong number of fields is a BadRowError naming its line,
 * or with skipBad is counted and left out; a quote never closed stops it
 * either way (where the next record starts is lost). `newBatch` makes each
 * batch, naming a row by `lines`; each is yielded before the next is staged.
 */
export async function* csvBatches(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, schema: TableSchema, skipBad: boolean, progress: CsvProgress,
  newBatch: (lines: Int32Array) => Batch,
): AsyncGenerator<CsvBatch> {
  const csv = new CsvReader();
  let stager: CsvBatchStager | null = null;
  let lines = new Int32Array(BATCH_ROWS);
  let batch = newBatch(lines);
  let row = 0, bytes = 0;
  const bad = (err: unknown, line: number) => {
    if (!(err instanceof InvalidValueError || err instanceof InvalidMutationError || (err instanceof BadRecordError && err.resumable))) return err;
    const reason = err instanceof BadRecordError ? err.reason : err.message.replace(`line ${line}: `, "");
    if (!skipBad) return new BadRowError(line, reason);
    progress.skipped++;
    return null;
  };
  const take = (): CsvBatch => {
    batch.truncate(row);
    const out = { batch, lines };
    (row = 0), (bytes = 0);
    lines = new Int32Array(BATCH_ROWS);
    batch = newBatch(lines);
    return out;
  };
  // the records whole in the reader's buffer, staged until a batch is full
  function* drain(): Generator<CsvBatch> {
    for (;;) {
      try {
        if (!csv.next()) return;
      } catch (err) {
        if (!(err instanceof BadRecordError)) throw err;
        if (!err.resumable) throw new BadRowError(err.line, err.reason);
        const stop = bad(err, err.line);
        if (stop) throw stop;
        continue;
      }
      stager ??= new CsvBatchStager(schema, csv.header!);
      lines[row] = csv.line;
      try {
        stager.stage(batch, csv, row);
      } catch (err) {
        const stop = bad(err, csv.line);
        if (stop) throw stop;
        continue;
      }
      row++;
      bytes += csv.size;
      if (row === BATCH_ROWS || bytes >= BATCH_BYTES) yield take();
    }
  }
  for await (const chunk of chunks) {
    progress.bytesRead += chunk.length;
    csv.feed(chunk);
    yield* drain();
  }
  csv.finish();
  yield* drain();
  if (row) yield take();
}
