// The Data.db row encoding written in plain TypeScript, kept only as the
// benchmark's peer: what the wasm core is measured against. It encodes the
// same row stream into the same bytes (the bench checks that), with the same
// care a good JS implementation would take (one growing buffer, DataView).
import * as K from "../assembly/format/constants.js";
import { TableSchema } from "../src/schema/schema.js";
import { isMultiCell } from "../src/types/cqltype.js";
import { EncodingStats } from "../src/core/descriptors.js";

const FIXED: Record<string, number> = { boolean: 1, int: 4, float: 4, bigint: 8, double: 8, timestamp: 8, uuid: 16, timeuuid: 16 };

/** One growing output buffer; the plain peers share it. */
export class Buf {
  b: Uint8Array;
  v: DataView;
  n = 0;
  constructor(cap = 1 << 16) {
    this.b = new Uint8Array(Math.max(cap, 64));
    this.v = new DataView(this.b.buffer);
  }
  need(k: number): void {
    if (this.n + k <= this.b.length) return;
    let c = this.b.length * 2;
    while (c < this.n + k) c *= 2;
    const nb = new Uint8Array(c);
    nb.set(this.b.subarray(0, this.n));
    this.b = nb;
    this.v = new DataView(nb.buffer);
  }
  u8(x: number): void {
    this.need(1);
    this.b[this.n++] = x;
  }
  bytes(src: Uint8Array, from: number, len: number): void {
    this.need(len);
    this.b.set(src.subarray(from, from + len), this.n);
    this.n += len;
  }
  uvint(x: bigint): void {
    x = BigInt.asUintN(64, x);
    if (x < 0x80n) return this.u8(Number(x));
    let extra = 1;
    while (extra < 8 && x >= 1n << BigInt(7 * (extra + 1))) extra++;
    this.need(extra + 1);
    for (let i = extra; i >= 1; i--) {
      this.b[this.n + i] = Number(x & 0xffn);
      x >>= 8n;
    }
    this.b[this.n] = extra >= 8 ? 0xff : ((0xff << (8 - extra)) & 0xff) | Number(x);
    this.n += extra + 1;
  }
  uvintN(x: number): void {
    if (x < 0x80) this.u8(x);
    else this.uvint(BigInt(x));
  }
}

/** Encodes a row stream (docs/core-abi.md) into Data.db bytes. */
export function encodeStreamPlain(schema: TableSchema, stats: EncodingStats, stream: Uint8Array): Uint8Array {
  const v = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const out = new Buf();
  const body = new Buf();
  const regular = schema.columns.map((c, i) => (c.kind === "regular" ? i : -1)).filter((i) => i >= 0);
  const fixedOf = schema.columns.map((c) => (isMultiCell(c.type) ? -1 : FIXED[c.type.kind] ?? -1));
  const ckFixed = schema.clustering.map((c) => FIXED[c.type.kind] ?? -1);
  let p = 0;
  let partStart = 0;
  let prevStart = 0;
  while (p < stream.length) {
    const tag = stream[p++];
    if (tag === K.RS_PARTITION) {
      p += 8;
      const klen = v.getInt32(p);
      p += 4;
      partStart = out.n;
      out.need(2);
      out.v.setUint16(out.n, klen);
      out.n += 2;
      out.bytes(stream, p, klen);
      p += klen;
      const mfda = v.getBigInt64(p);
      const ldt = v.getInt32(p + 8);
      p += 12;
      out.need(12);
      out.v.setInt32(out.n, ldt);
      out.v.setBigInt64(out.n + 4, mfda);
      out.n += 12;
      prevStart = partStart;
    } else if (tag === K.RS_END) {
      out.u8(K.UF_END_OF_PARTITION);
    } else if (tag === K.RS_ROW) {
      const rowStart = out.n;
      const n = stream[p++];
      const vals: [number, number][] = [];
      for (let i = 0; i < n; i++) {
        const l = v.getInt32(p);
        p += 4;
        vals.push([p, l]);
        if (l > 0) p += l;
      }
      const livTs = v.getBigInt64(p), livTtl = v.getInt32(p + 8);
      p += 16;
      const delMfda = v.getBigInt64(p);
      p += 12 + 1;
      const ncells = v.getUint32(p);
      p += 4;
      body.n = 0;
      let flags = 0;
      if (livTs !== -(2n ** 63n)) {
        flags |= K.UF_HAS_TIMESTAMP;
        body.uvint(livTs - stats.minTimestamp);
      }
      if (livTtl !== 0 || delMfda !== -(2n ** 63n)) throw new Error("plain encoder: TTL rows and deletions are outside the benchmark");
      const present = new Set<number>();
      const cellsAt = p;
      for (let i = 0; i < ncells; i++) {
        const col = v.getUint16(p);
        present.add(col);
        const cflags = stream[p + 2];
        p += 3 + 16;
        if (cflags & K.RS_CELL_HAS_PATH) throw new Error("plain encoder: collections are outside the benchmark");
        const vl = v.getInt32(p);
        p += 4 + vl;
      }
      p += 4; // complex deletions: none in the benchmark
      if (present.size === regular.length) flags |= K.UF_HAS_ALL_COLUMNS;
      else {
        let missing = 0n;
        regular.forEach((c, i) => {
          if (!present.has(c)) missing |= 1n << BigInt(i);
        });
        body.uvint(missing);
      }
      let q = cellsAt;
      for (let i = 0; i < ncells; i++) {
        const col = v.getUint16(q);
        const ts = v.getBigInt64(q + 3);
        q += 3 + 16;
        const vl = v.getInt32(q);
        q += 4;
        let cf = 0;
        const useRow = ts === livTs;
        if (useRow) cf |= K.CELL_USE_ROW_TIMESTAMP;
        if (vl === 0) cf |= K.CELL_HAS_EMPTY_VALUE;
        body.u8(cf);
        if (!useRow) body.uvint(ts - stats.minTimestamp);
        if (vl > 0) {
          if (fixedOf[col] < 0) body.uvintN(vl);
          body.bytes(stream, q, vl);
        }
        q += vl;
      }
      out.u8(flags);
      let hdr = 0n;
      vals.forEach(([, l], i) => {
        if (l < 0) hdr |= 2n << BigInt(i * 2);
        else if (l === 0) hdr |= 1n << BigInt(i * 2);
      });
      if (vals.length) {
        out.uvint(hdr);
        vals.forEach(([at, l], i) => {
          if (l <= 0) return;
          if (ckFixed[i] < 0) out.uvintN(l);
          out.bytes(stream, at, l);
        });
      }
      const prev = rowStart - prevStart;
      const prevSize = prev < 0x80 ? 1 : prev < 0x4000 ? 2 : prev < 0x200000 ? 3 : 4;
      out.uvintN(body.n + prevSize);
      out.uvintN(prev);
      out.bytes(body.b, 0, body.n);
      prevStart = rowStart;
    } else {
      throw new Error(`plain encoder: record ${tag} is outside the benchmark`);
    }
  }
  return out.b.slice(0, out.n);
}
