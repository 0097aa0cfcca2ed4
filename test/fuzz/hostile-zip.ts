// Hostile zips for fuzzing import: a valid zip mutated by a seeded PRNG, so a
// seed names one case exactly. Mutations: flipped bytes, a truncation, a
// size, checksum or offset field of a local header, central directory record
// or end record rewritten, a name made unsafe, a range duplicated, and bytes
// of a stored entry changed with its CRC-32 fixed up (so the damage passes
// the zip and reaches the SSTable's own checks). A fuzz
// harness calls mutateZip(valid, seed) and feeds the bytes to import; the
// contract is a CqliteError with a code, or the original rows exactly.

/** xorshift32: small, fast, and the same sequence for a seed everywhere. */
export class Prng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed ^ 0x9e3779b9) >>> 0 || 1;
    for (let i = 0; i < 4; i++) this.next();
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (this.s = x >>> 0);
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

import { crc32 } from "../zip-make.js";

const SIGS = { local: 0x04034b50, central: 0x02014b50, end: 0x06054b50 };

/** Offsets where a record of `sig` starts (a scan: data may hold false ones, which fuzzing welcomes). */
function records(b: Uint8Array, sig: number): number[] {
  const out: number[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i + 4 <= b.length; i++) if (b[i] === 0x50 && b[i + 1] === 0x4b && dv.getUint32(i, true) === sig) out.push(i);
  return out;
}

/** The fields worth lying about, by record: [offset in record, width]. */
const FIELDS: Record<"local" | "central" | "end", readonly (readonly [number, number])[]> = {
  local: [[14, 4], [18, 4], [22, 4], [26, 2], [28, 2], [8, 2], [6, 2]],
  central: [[16, 4], [20, 4], [24, 4], [28, 2], [30, 2], [42, 4], [10, 2], [8, 2]],
  end: [[8, 2], [10, 2], [12, 4], [16, 4], [20, 2]],
};

const INTERESTING = [0, 1, 0x7f, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 1 << 20, 1 << 30];

export interface HostileZip {
  bytes: Uint8Array;
  /** what was done, for a failing seed's report */
  mutation: string;
}

export function mutateZip(valid: Uint8Array, seed: number): HostileZip {
  const r = new Prng(seed);
  const b = valid.slice();
  const dv = new DataView(b.buffer);
  const kind = r.pick(["flip", "flip", "truncate", "field", "field", "field", "name", "splice", "content", "content"] as const);
  switch (kind) {
    case "flip": {
      const n = 1 + r.int(8);
      const at: number[] = [];
      for (let i = 0; i < n; i++) {
        const p = r.int(b.length);
        b[p] ^= 1 + r.int(255);
        at.push(p);
      }
      return { bytes: b, mutation: `flip bytes at ${at.join(", ")}` };
    }
    case "truncate": {
      const len = r.int(b.length);
      return { bytes: b.subarray(0, len), mutation: `truncate to ${len} of ${b.length}` };
    }
    case "field": {
      const rec = r.pick(["local", "central", "end"] as const);
      const at = records(b, SIGS[rec]);
      if (!at.length) return { bytes: b, mutation: "no record to change" };
      const base = r.pick(at);
      const [off, width] = r.pick(FIELDS[rec]);
      if (base + off + width > b.length) return { bytes: b, mutation: "field past the end" };
      const old = width === 4 ? dv.getUint32(base + off, true) : dv.getUint16(base + off, true);
      const v = r.int(2) ? r.pick(INTERESTING) : Math.max(0, old + r.int(64) - 32);
      if (width === 4) dv.setUint32(base + off, v >>> 0, true);
      else dv.setUint16(base + off, v & 0xffff, true);
      return { bytes: b, mutation: `${rec} record at ${base}: field +${off} ${old} -> ${v}` };
    }
    case "name": {
      const at = records(b, SIGS.central).concat(records(b, SIGS.local));
      if (!at.length) return { bytes: b, mutation: "no record to rename" };
      const base = r.pick(at);
      const central = dv.getUint32(base, true) === SIGS.central;
      const start = base + (central ? 46 : 30);
      const len = dv.getUint16(base + (central ? 28 : 26), true);
      const evil = new TextEncoder().encode(r.pick(["../", "/", "..", "\\", "./", "\0"]));
      b.set(evil.subarray(0, Math.min(evil.length, len)), start + r.int(Math.max(1, len - evil.length)));
      return { bytes: b, mutation: `name of the record at ${base} made unsafe` };
    }
    case "content": {
      // a stored entry (method 0, sizes in its local header) damaged inside, its checksum made to match
      const locals = records(b, SIGS.local).filter((o) => o + 30 <= b.length && dv.getUint16(o + 8, true) === 0 && dv.getUint32(o + 18, true) > 0 && !(dv.getUint16(o + 6, true) & 8));
      if (!locals.length) return { bytes: b, mutation: "no stored entry with its size in the header" };
      const base = r.pick(locals);
      const start = base + 30 + dv.getUint16(base + 26, true) + dv.getUint16(base + 28, true);
      const size = dv.getUint32(base + 18, true);
      if (start + size > b.length) return { bytes: b, mutation: "entry past the end" };
      const n = 1 + r.int(4);
      for (let i = 0; i < n; i++) b[start + r.int(size)] ^= 1 + r.int(255);
      const crc = crc32(b.subarray(start, start + size));
      dv.setUint32(base + 14, crc, true);
      for (const c of records(b, SIGS.central)) if (c + 46 <= b.length && dv.getUint32(c + 42, true) === base) dv.setUint32(c + 16, crc, true);
      return { bytes: b, mutation: `${n} bytes changed in the entry at ${base}, CRC-32 fixed up` };
    }
    case "splice": {
      const from = r.int(b.length);
      const len = 1 + r.int(Math.min(4096, b.length - from));
      const to = r.int(b.length);
      const out = new Uint8Array(b.length + len);
      out.set(b.subarray(0, to));
      out.set(b.subarray(from, from + len), to);
      out.set(b.subarray(to), to + len);
      return { bytes: out, mutation: `copy ${len} bytes from ${from} to ${to}` };
    }
  }
}
