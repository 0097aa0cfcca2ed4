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
import { InvalidValueError } from "../errors.js";

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
