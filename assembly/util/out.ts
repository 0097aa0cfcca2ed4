// A growable byte sink in unmanaged memory. Everything the core produces
// (Data.db chunks, index entries, decoded row streams) is appended here and
// handed to the host as (ptr, len), so there is one copy per batch, not per cell.
export class Out {
  // a managed buffer, so the GC reclaims it with its Out; TLSF never moves it
  buf: ArrayBuffer = new ArrayBuffer(0);
  ptr: usize = 0;
  len: i32 = 0;
  cap: i32 = 0;

  @inline reset(): void {
    this.len = 0;
  }

  release(): void {
    this.buf = new ArrayBuffer(0);
    this.ptr = 0;
    this.len = 0;
    this.cap = 0;
  }

  @inline ensure(n: i32): void {
    if (this.len + n > this.cap) this.grow(n);
  }

  grow(n: i32): void {
    let cap = this.cap < 256 ? 256 : this.cap;
    while (cap < this.len + n) cap <<= 1;
    assert(cap > 0, "Out: capacity overflow");
    // __new, not new ArrayBuffer: the constructor zero-fills, and every byte
    // here is written before it is read. On fresh pages the fill was the first
    // touch, paid again by the copy: a Chromium flush spent a quarter of its
    // time in it.
    const next = changetype<ArrayBuffer>(__new(<usize>cap, idof<ArrayBuffer>()));
    const p = changetype<usize>(next);
    if (this.len > 0) memory.copy(p, this.ptr, <usize>this.len);
    this.buf = next;
    this.ptr = p;
    this.cap = cap;
  }

  @inline at(): usize {
    return this.ptr + <usize>this.len;
  }

  @inline u8(v: u32): void {
    this.ensure(1);
    store<u8>(this.at(), <u8>v);
    this.len += 1;
  }

  @inline u16be(v: u32): void {
    this.ensure(2);
    store<u16>(this.at(), bswap<u16>(<u16>v));
    this.len += 2;
  }

  @inline i32be(v: i32): void {
    this.ensure(4);
    store<i32>(this.at(), bswap<i32>(v));
    this.len += 4;
  }

  @inline i64be(v: i64): void {
    this.ensure(8);
    store<i64>(this.at(), bswap<i64>(v));
    this.len += 8;
  }

  @inline i32le(v: i32): void {
    this.ensure(4);
    store<i32>(this.at(), v);
    this.len += 4;
  }

  @inline i64le(v: i64): void {
    this.ensure(8);
    store<i64>(this.at(), v);
    this.len += 8;
  }

  bytes(src: usize, n: i32): void {
    if (n <= 0) return;
    this.ensure(n);
    const dst = this.at();
    // V8 turns memory.copy into a call out of the module, which costs more
    // than the copy itself for the keys and short values most calls carry
    if (n <= 32) copySmall(dst, src, n);
    else memory.copy(dst, src, <usize>n);
    this.len += n;
  }

  append(o: Out): void {
    this.bytes(o.ptr, o.len);
  }

  // Cassandra's unsigned vint: the count of extra bytes is the number of
  // leading one bits of the first byte; the rest is the value, big-endian.
  @inline uvint(v: u64): void {
    // most lengths, deltas and counts fit one byte: that case is inlined at
    // every caller, the rest takes a call
    if (v < 0x80) this.u8(<u32>v);
    else this.uvintLong(v);
  }

  uvintLong(v: u64): void {
    const extra = uvintExtraBytes(v);
    // one 8-byte store: the bytes past the vint are beyond len, free to clobber
    this.ensure(9);
    const p = this.at();
    if (extra >= 8) {
      store<u8>(p, 0xff);
      store<u64>(p, bswap<u64>(v), 1);
    } else {
      // the first byte's `extra` one bits sit above the value's top bits
      const ones = (<u64>0xff << (8 - extra)) & 0xff;
      const word = (ones << (<u64>extra * 8)) | v;
      store<u64>(p, bswap<u64>(word << (<u64>(7 - extra) * 8)));
    }
    this.len += extra + 1;
  }

  // zig-zag then unsigned vint, as VIntCoding.writeVInt
  svint(v: i64): void {
    this.uvint(<u64>((v << 1) ^ (v >> 63)));
  }
}

// A copy of at most 32 bytes, eight at a time, between regions that do not
// overlap (an Out's buffer is never its own source).
@inline export function copySmall(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) store<u64>(dst + <usize>i, load<u64>(src + <usize>i));
  for (; i < n; i++) store<u8>(dst + <usize>i, load<u8>(src + <usize>i));
}

// Number of bytes after the first one that an unsigned vint of `v` needs.
export function uvintExtraBytes(v: u64): i32 {
  // 7 value bits fit in one byte; each extra byte adds 8 bits but takes one
  // bit of the first byte, so n extra bytes hold 7 + 7n bits (up to n = 8).
  const bits = 64 - <i32>clz<u64>(v | 1);
  if (bits <= 7) return 0;
  const n = (bits - 1) / 7;
  return n > 8 ? 8 : n;
}

// uvint written at p, exactly its own bytes (Out.uvint may clobber past
// them): for a vint going into room already reserved in front of a body
export function putUvint(p: usize, v: u64): i32 {
  const extra = uvintExtraBytes(v);
  const first: u32 = extra >= 8 ? 0xff : ((<u32>0xff << (8 - extra)) & 0xff) | <u32>(v >> (<u64>extra * 8));
  store<u8>(p, <u8>first);
  for (let i = 1; i <= extra; i++) store<u8>(p + <usize>i, <u8>(v >> (<u64>(extra - i) * 8)));
  return extra + 1;
}

export function uvintSize(v: u64): i32 {
  return uvintExtraBytes(v) + 1;
}
