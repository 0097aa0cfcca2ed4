// A bounds-checked cursor over unmanaged input memory. Every read checks the
// remaining length first, so a truncated or corrupt file fails with the offset
// of the first bad byte instead of reading past the end.
import { fail, ERR_TRUNCATED } from "./error";

export class In {
  base: usize;
  pos: i32;
  end: i32;

  constructor(base: usize, len: i32) {
    this.base = base;
    this.pos = 0;
    this.end = len;
  }

  @inline need(n: i32): void {
    if (n < 0 || this.end - this.pos < n) fail(ERR_TRUNCATED, this.pos);
  }

  @inline remaining(): i32 {
    return this.end - this.pos;
  }

  @inline at(): usize {
    return this.base + <usize>this.pos;
  }

  @inline u8(): u32 {
    this.need(1);
    const v = <u32>load<u8>(this.at());
    this.pos += 1;
    return v;
  }

  @inline u16be(): u32 {
    this.need(2);
    const v = <u32>bswap<u16>(load<u16>(this.at()));
    this.pos += 2;
    return v;
  }

  @inline i32be(): i32 {
    this.need(4);
    const v = bswap<i32>(load<i32>(this.at()));
    this.pos += 4;
    return v;
  }

  @inline i64be(): i64 {
    this.need(8);
    const v = bswap<i64>(load<i64>(this.at()));
    this.pos += 8;
    return v;
  }

  i32le(): i32 {
    this.need(4);
    const v = load<i32>(this.at());
    this.pos += 4;
    return v;
  }

  i64le(): i64 {
    this.need(8);
    const v = load<i64>(this.at());
    this.pos += 8;
    return v;
  }

  skip(n: i32): void {
    this.need(n);
    this.pos += n;
  }

  uvint(): u64 {
    this.need(1);
    const first = <u32>load<u8>(this.at());
    this.pos += 1;
    if (first < 0x80) return <u64>first;
    const extra = <i32>clz<u32>(~(first << 24));
    this.need(extra);
    let v: u64 = extra >= 8 ? 0 : <u64>(first & (0xff >> <u32>extra));
    const p = this.at();
    for (let i = 0; i < extra; i++) v = (v << 8) | <u64>load<u8>(p + <usize>i);
    this.pos += extra;
    return v;
  }

  // an unsigned vint that must fit a non-negative i32 (lengths, counts)
  uvint32(): i32 {
    const start = this.pos;
    const v = this.uvint();
    if (v > <u64>i32.MAX_VALUE) fail(ERR_TRUNCATED, start);
    return <i32>v;
  }

  svint(): i64 {
    const u = this.uvint();
    return <i64>(u >> 1) ^ -(<i64>(u & 1));
  }
}
