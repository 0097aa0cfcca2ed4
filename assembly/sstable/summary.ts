// Summary.db: every min_index_interval-th Index.db entry (key and position),
// kept in memory by readers to binary-search before touching Index.db.
import { Out } from "../util/out";
import { BASE_SAMPLING_LEVEL } from "../format/constants";

export class SummaryBuilder {
  interval: i32;
  keys: i64 = 0;
  offsets: Out = new Out(); // i32 offsets of each entry within `entries`
  entries: Out = new Out(); // key bytes + i64 index position
  count: i32 = 0;
  // keys until the next sampled one: a countdown, not a 64-bit remainder per key
  untilNext: i32 = 0;
  first: Out = new Out();
  last: Out = new Out();

  constructor(interval: i32) {
    assert(interval > 0, "min index interval must be positive");
    this.interval = interval;
  }

  add(keyPtr: usize, keyLen: i32, indexPosition: i64): void {
    if (this.keys == 0) this.first.bytes(keyPtr, keyLen);
    if (this.untilNext == 0) {
      this.offsets.i32le(this.entries.len);
      this.entries.bytes(keyPtr, keyLen);
      this.entries.i64le(indexPosition);
      this.count++;
      this.untilNext = this.interval;
    }
    this.untilNext--;
    this.keys++;
  }

  // The last key added (the writer sets it once, at its finish).
  setLast(keyPtr: usize, keyLen: i32): void {
    this.last.reset();
    this.last.bytes(keyPtr, keyLen);
  }

  // Layout: i32 min interval, i32 count, i64 size of offsets + entries,
  // i32 sampling level (128 = full), i32 entries at full sampling, then the
  // offsets (little-endian, counted from the start of the offsets), the
  // entries, and the first and last keys with i32 lengths.
  serialize(o: Out): void {
    const base = this.count * 4;
    o.i32be(this.interval);
    o.i32be(this.count);
    o.i64be(<i64>(base + this.entries.len));
    o.i32be(BASE_SAMPLING_LEVEL);
    o.i32be(this.count);
    for (let i = 0; i < this.count; i++) o.i32le(load<i32>(this.offsets.ptr + <usize>(i * 4)) + base);
    o.append(this.entries);
    o.i32be(this.first.len);
    o.append(this.first);
    o.i32be(this.last.len);
    o.append(this.last);
  }
}
