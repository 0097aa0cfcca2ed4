// Byte-comparable (OSS50) forms of the numeric types: fixed-width integers,
// IEEE floats, bigint's variable-length integer, varint and decimal. Each
// writes the value's bytes to a sink; the sequences around them, and which
// types take which form, are byte-comparable.ts's. Layout:
// docs/sstable-format.md, "Byte-comparable keys".

export interface ByteSink {
  push(b: number): void;
}

/** The first byte's sign bit flipped: int, smallint, tinyint, timestamp. */
export function signedFixed(o: ByteSink, v: Uint8Array): void {
  for (let i = 0; i < v.length; i++) o.push(i === 0 ? v[i] ^ 0x80 : v[i]);
}

/** IEEE floats: positives get the sign bit, negatives have every bit flipped. */
export function signedFloat(o: ByteSink, v: Uint8Array): void {
  const neg = v[0] >= 0x80;
  for (let i = 0; i < v.length; i++) {
    const b = i === 0 ? v[i] | 0x80 : v[i];
    o.push(neg ? b ^ 0xff : b);
  }
}

/** A magnitude of this many bits or more takes the nine-byte form. */
const NINE_BYTE_BITS = 56;

/**
 * A signed 64-bit integer in a variable length: the first bits are the
 * inverted sign repeated once per extra byte, a bit that differs, then the
 * two's complement value, in the fewest bytes that hold it; longer positives
 * sort higher, longer negatives lower. A magnitude of 56 bits or more (no
 * room left for the differing bit) is FF (00 when negative) then the eight
 * bytes with the top bit set (cleared when negative).
 */
export function signedVarLength(o: ByteSink, value: bigint): void {
  const neg = value < 0n;
  const x = neg ? ~value : value; // 0 .. 2^63 - 1
  let bits = 0;
  for (let y = x | 1n; y > 0n; y >>= 1n) bits++;
  if (bits >= NINE_BYTE_BITS) {
    o.push(neg ? 0x00 : 0xff);
    const full = neg ? ~(x | (1n << 63n)) : x | (1n << 63n);
    for (let i = 7; i >= 0; i--) o.push(Number((full >> BigInt(i * 8)) & 0xffn));
    return;
  }
  const bytes = Math.floor(bits / 7) + 1;
  const lengthBits = BigInt((-0x100 >> bytes) & 0xff);
  let enc = x | (lengthBits << BigInt(bytes * 8 - 8));
  if (neg) enc = ~enc;
  for (let i = bytes - 1; i >= 0; i--) o.push(Number((enc >> BigInt(i * 8)) & 0xffn));
}

/** bigint: the 8 bytes read as a signed integer, in its variable-length form. */
export function bigint(o: ByteSink, v: Uint8Array): void {
  let x = 0n;
  for (const b of v) x = (x << 8n) | BigInt(b);
  signedVarLength(o, BigInt.asIntN(64, x));
}

/** Values of fewer significant bytes than this are written as a signed variable-length integer. */
const VARINT_FULL_FORM = 7;

/**
 * varint: up to six significant bytes as a signed variable-length integer;
 * longer ones as a sign byte (FF positive, 00 negative), the number of
 * significant bytes minus seven as an unsigned variable-length integer
 * (inverted when negative), then those bytes.
 */
export function varint(o: ByteSink, v: Uint8Array): void {
  const sign = v[0] >= 0x80 ? 0xff : 0x00;
  let start = 0;
  if (v[0] === 0x00 || v[0] === 0xff) while (start + 1 < v.length && v[++start] === v[0]);
  if (v.length - start < VARINT_FULL_FORM) {
    let x = 0n;
    for (const b of v) x = (x << 8n) | BigInt(b);
    return signedVarLength(o, BigInt.asIntN(v.length * 8, x));
  }
  o.push(sign ^ 0xff);
  const n = v.length - start - VARINT_FULL_FORM;
  let extra = 0;
  while (extra < 8 && n >= 2 ** (7 * (extra + 1))) extra++;
  const head = n >= 2 ** (7 * (extra + 1)) ? 0xff : ((-0x100 >> extra) & 0xff) | Math.floor(n / 2 ** (8 * extra));
  o.push(head ^ sign);
  for (let i = extra - 1; i >= 0; i--) o.push((Math.floor(n / 2 ** (8 * i)) & 0xff) ^ sign);
  for (let i = start; i < v.length; i++) o.push(v[i]);
}

/** decimal: sign and base-100 exponent length, the exponent, then base-100 mantissa digits (each + 0x80), then 00. */
export function decimal(o: ByteSink, v: Uint8Array): void {
  const scale = new DataView(v.buffer, v.byteOffset, 4).getInt32(0);
  let unscaled = 0n;
  for (let i = 4; i < v.length; i++) unscaled = (unscaled << 8n) | BigInt(v[i]);
  if (v.length > 4 && v[4] >= 0x80) unscaled -= 1n << BigInt(8 * (v.length - 4));
  if (unscaled === 0n) {
    o.push(0x80);
    return;
  }
  const neg = unscaled < 0n;
  const mag = neg ? -unscaled : unscaled;
  // value = mag * 10^-scale; normalize to 0.d1d2... * 100^exp with d1 != 0 (base 100)
  let digits = mag.toString();
  let exp10 = digits.length - scale; // value = 0.digits * 10^exp10
  if (exp10 % 2 !== 0) {
    digits = "0" + digits;
    exp10 += 1;
  }
  digits = digits.replace(/0+$/, "");
  if (digits.length % 2) digits += "0";
  const exp = exp10 / 2;
  const modExp = neg ? -exp : exp;
  // as many exponent bytes as its magnitude needs (no room kept for a sign: the header has it)
  let len = 0;
  while (len < 4 && Math.abs(modExp) >= 2 ** (8 * len)) len++;
  o.push((neg ? 0x00 : 0x80) + 0x40 + (modExp < 0 ? -len : len));
  for (let i = len - 1; i >= 0; i--) o.push((modExp >> (8 * i)) & 0xff);
  const pairs: number[] = [];
  for (let i = 0; i < digits.length; i += 2) pairs.push(Number(digits.slice(i, i + 2)));
  if (!neg) {
    for (const p of pairs) o.push(0x80 + p);
  } else {
    // negative mantissa -0.p1p2...: leading byte rounded toward -infinity, the remainders positive
    const out: number[] = pairs.map((p) => -p);
    for (let i = out.length - 1; i > 0; i--) {
      if (out[i] < 0) {
        out[i] += 100;
        out[i - 1] -= 1;
      }
    }
    while (out.length > 1 && out[out.length - 1] === 0) out.pop();
    for (const p of out) o.push(0x80 + p);
  }
  o.push(0x00);
}
