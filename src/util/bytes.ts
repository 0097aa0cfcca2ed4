// Growable big-endian byte writer and bounds-checked reader for the host's
// binary formats (core ABI, Statistics.db, WAL records).
export class ByteWriter {
  buf: Uint8Array;
  view: DataView;
  len = 0;

  constructor(cap = 256) {
    this.buf = new Uint8Array(cap);
    this.view = new DataView(this.buf.buffer);
  }

  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
    this.view = new DataView(b.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.len++] = v;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.len, v);
    this.len += 2;
    return this;
  }
  i32(v: number): this {
    this.ensure(4);
    this.view.setInt32(this.len, v);
    this.len += 4;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.len, v);
    this.len += 4;
    return this;
  }
  i64(v: bigint): this {
    this.ensure(8);
    this.view.setBigInt64(this.len, v);
    this.len += 8;
    return this;
  }
  f64(v: number): this {
    this.ensure(8);
    this.view.setFloat64(this.len, v);
    this.len += 8;
    return this;
  }
  f32(v: number): this {
    this.ensure(4);
    this.view.setFloat32(this.len, v);
    this.len += 4;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  /** Java's DataOutput.writeUTF: u16 length + (modified) UTF-8; ASCII-safe here. */
  utf(s: string): this {
    const b = utf8(s);
    this.u16(b.length);
    return this.bytes(b);
  }
  /** Cassandra's unsigned vint */
  uvint(v: bigint | number): this {
    let x = BigInt.asUintN(64, BigInt(v));
    if (x < 0x80n) return this.u8(Number(x));
    let extra = 0;
    while (extra < 8 && x >= 1n << BigInt(7 * (extra + 2))) extra++;
    extra++;
    if (extra > 8) extra = 8;
    const out = new Uint8Array(extra + 1);
    for (let i = extra; i >= 1; i--) {
      out[i] = Number(x & 0xffn);
      x >>= 8n;
    }
    out[0] = extra >= 8 ? 0xff : ((0xff << (8 - extra)) & 0xff) | Number(x);
    return this.bytes(out);
  }
  svint(v: bigint | number): this {
    const x = BigInt.asIntN(64, BigInt(v));
    return this.uvint(BigInt.asUintN(64, (x << 1n) ^ (x >> 63n)));
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export class ByteReader {
  pos = 0;
  readonly view: DataView;
  constructor(readonly buf: Uint8Array, readonly onError: (offset: number, what: string) => never = defaultError) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  need(n: number, what = "data"): void {
    if (n < 0 || this.pos + n > this.buf.length) this.onError(this.pos, `truncated ${what}`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  i32le(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i64(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }
  /**
   * Skips the next 8 bytes when they hold Long.MIN_VALUE (Cassandra's "no
   * timestamp", "live" deletion) and says so: most rows have no deletion,
   * and reading one as a BigInt first was an allocation per row.
   */
  minI64(): boolean {
    this.need(8);
    const v = this.view;
    if (v.getUint32(this.pos) !== 0x80000000 || v.getUint32(this.pos + 4) !== 0) return false;
    this.pos += 8;
    return true;
  }
  i64le(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }
  f32(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  utf(): string {
    return this.utf8(this.u16());
  }
  /** `n` bytes of UTF-8 text; invalid UTF-8 is reported through onError at its first bad byte. */
  utf8(n: number): string {
    const at = this.pos;
    const b = this.bytes(n);
    const bad = invalidUtf8At(b);
    if (bad >= 0) this.onError(at + bad, "invalid UTF-8");
    return utf8decode(b);
  }
  uvint(): bigint {
    const first = this.u8();
    if (first < 0x80) return BigInt(first);
    const extra = uvintLength(first) - 1;
    let v = BigInt(first & (0xff >> extra));
    this.need(extra);
    for (let i = 0; i < extra; i++) v = (v << 8n) | BigInt(this.buf[this.pos++]);
    return v;
  }
  /** uvint() as a number, without a BigInt: positions and lengths, read per index entry and per cell. */
  uvintNum(): number {
    const at = this.pos;
    const first = this.u8();
    if (first < 0x80) return first;
    const len = uvintLength(first);
    this.need(len - 1);
    const v = uvintNumberAt(this.buf, at, len);
    this.pos = at + len;
    if (v > Number.MAX_SAFE_INTEGER) this.onError(at, "vint out of range");
    return v;
  }
  svint(): bigint {
    const u = this.uvint();
    return BigInt.asIntN(64, (u >> 1n) ^ -(u & 1n));
  }
}

/**
 * A buffer its owner fills again and again: what was taken last stays valid
 * only until the next take. Copying into bytes that exist costs a Chromium
 * worker a hundredth of what a fresh ArrayBuffer of the same size costs.
 */
export class Reused {
  private bytes = new Uint8Array(0);
  /** `n` bytes of it, grown (doubling) when it is shorter. */
  take(n: number): Uint8Array {
    if (this.bytes.length < n) this.bytes = new Uint8Array(Math.max(n, this.bytes.length * 2));
    return this.bytes.subarray(0, n);
  }
}

/**
 * Buffers handed out and given back, for bytes whose owner knows when it is
 * done with them (a write's log payload, once the memtable holds it): a
 * given-back buffer serves the next take instead of a fresh ArrayBuffer
 * (see Reused for what a fresh one costs). At most `keep` idle buffers of at
 * most `maxBytes` each are kept.
 */
export class BufferPool {
  private readonly idle: Uint8Array[] = [];
  constructor(
    private readonly keep = 4,
    private readonly maxBytes = 4 << 20,
  ) {}

  /** `n` bytes, in a buffer of their own until given back. */
  take(n: number): Uint8Array {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const b = this.idle[i];
      if (b.length >= n) {
        this.idle.splice(i, 1);
        return b.subarray(0, n);
      }
    }
    return new Uint8Array(new ArrayBuffer(Math.max(n, 64 << 10)), 0, n);
  }

  /** Gives back what take() gave: nothing may read or write it after. */
  give(b: Uint8Array): void {
    const whole = new Uint8Array(b.buffer as ArrayBuffer);
    if (whole.length > this.maxBytes || this.idle.length >= this.keep || this.idle.some((x) => x.buffer === whole.buffer)) return;
    this.idle.push(whole);
  }
}

/** `b` copied into `into` (valid until its next take) when given, else into bytes of its own. */
export function copied(b: Uint8Array, into?: Reused): Uint8Array {
  if (!into) return b.slice();
  const out = into.take(b.length);
  out.set(b);
  return out;
}

/** `a`'s elements at the start of an array of its kind twice as long (at least `min`): offset tables that grow as they fill. */
export function doubled<T extends Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(a: T, min = 16): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}

/** Bytes of the unsigned vint whose first byte is `first`: one more than its leading one bits. */
export function uvintLength(first: number): number {
  return 1 + Math.clz32(~(first << 24));
}

/**
 * The unsigned vint of `len` bytes (uvintLength) at `at` of `b`, as a number,
 * without a BigInt. Past 2^53 the sum only grows, so a caller's check against
 * Number.MAX_SAFE_INTEGER is exact.
 */
export function uvintNumberAt(b: Uint8Array, at: number, len: number): number {
  let v = b[at] & (0xff >> (len - 1));
  for (let i = 1; i < len; i++) v = v * 256 + b[at + i];
  return v;
}

function defaultError(offset: number, what: string): never {
  throw new RangeError(`${what} at offset ${offset}`);
}

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });
export function utf8(s: string): Uint8Array {
  return enc.encode(s);
}
/** Strict UTF-8 decoding: callers holding untrusted bytes check invalidUtf8At first. */
export function utf8decode(b: Uint8Array): string {
  return dec.decode(b);
}

/**
 * The offset of the first byte that breaks UTF-8 (overlong forms, surrogates
 * and code points past U+10FFFF included, as TextDecoder's fatal mode
 * rejects them), or -1 when `b` is valid.
 */
export function invalidUtf8At(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number, min: number, cp: number;
    if (c >= 0xc2 && c <= 0xdf) (n = 1), (min = 0x80), (cp = c & 0x1f);
    else if (c >= 0xe0 && c <= 0xef) (n = 2), (min = 0x800), (cp = c & 0x0f);
    else if (c >= 0xf0 && c <= 0xf4) (n = 3), (min = 0x10000), (cp = c & 0x07);
    else return i;
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || (x & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (x & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Each byte's two hex digits. */
export const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function toHex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += HEX_BYTE[x];
  return s;
}

export function fromHex(h: string): Uint8Array {
  if (h.length % 2) throw new RangeError("odd hex length");
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) {
    const v = parseInt(h.slice(2 * i, 2 * i + 2), 16);
    if (Number.isNaN(v)) throw new RangeError(`bad hex at ${2 * i}`);
    out[i] = v;
  }
  return out;
}
