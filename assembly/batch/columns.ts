// One staged column of a batch: the host's typed arrays, read in place. A
// value is written as the row stream's bytes for its CQL type (big-endian),
// so the encoder copies each value once, from the staging to the payload.
import { Out } from "../util/out";
import {
  BATCH_I8, BATCH_I16, BATCH_I32, BATCH_I64, BATCH_F32, BATCH_BYTES, BATCH_COLUMN_WORDS,
} from "../format/constants";

export class StagedColumn {
  index: i32 = 0;
  isStatic: bool = false;
  kind: i32 = 0;
  presence: usize = 0;
  data: usize = 0;
  offsets: usize = 0;

  // reads the column's words at `p` (the host's Int32Array)
  read(p: usize): void {
    this.index = load<i32>(p);
    this.isStatic = load<i32>(p + 4) != 0;
    this.kind = load<i32>(p + 8);
    this.presence = <usize>load<u32>(p + 12);
    this.data = <usize>load<u32>(p + 16);
    this.offsets = <usize>load<u32>(p + 20);
  }

  @inline presenceAt(row: i32): i32 {
    return <i32>load<u8>(this.presence + <usize>row);
  }

  // the serialized length of row's value
  length(row: i32): i32 {
    switch (this.kind) {
      case BATCH_I8: return 1;
      case BATCH_I16: return 2;
      case BATCH_I32: case BATCH_F32: return 4;
      case BATCH_BYTES: {
        const at = this.offsets + (<usize>row << 2);
        return load<i32>(at + 4) - load<i32>(at);
      }
      default: return 8; // BATCH_I64, BATCH_F64
    }
  }

  // appends row's value, without a length
  write(o: Out, row: i32): void {
    const r = <usize>row;
    switch (this.kind) {
      case BATCH_I8: o.u8(<u32>load<i32>(this.data + (r << 2))); break;
      case BATCH_I16: o.u16be(<u32>load<i32>(this.data + (r << 2))); break;
      case BATCH_I32: case BATCH_F32: o.i32be(load<i32>(this.data + (r << 2))); break;
      case BATCH_BYTES: {
        const at = this.offsets + (r << 2);
        const start = load<i32>(at);
        o.bytes(this.data + <usize>start, load<i32>(at + 4) - start);
        break;
      }
      default: o.i64be(load<i64>(this.data + (r << 3))); // the f64's bits too
    }
  }
}

export function readColumns(p: usize, n: i32): StagedColumn[] {
  const out = new Array<StagedColumn>(n);
  for (let i = 0; i < n; i++) {
    const c = new StagedColumn();
    c.read(p + <usize>(i * BATCH_COLUMN_WORDS * 4));
    unchecked((out[i] = c));
  }
  return out;
}
