// Byte mutations of a file, as data: a case stores the operations, not the
// mutated bytes, so a saved regression case stays small and readable, and
// replaying it applies exactly the same damage to the same fixture.
import { Rng } from "./rng.js";

export type Mutation =
  | { op: "flip"; at: number; mask: number }
  | { op: "set"; at: number; value: number }
  | { op: "truncate"; at: number }
  | { op: "insert"; at: number; bytes: number[] }
  | { op: "delete"; at: number; length: number }
  | { op: "duplicate"; at: number; length: number }
  | { op: "zero"; at: number; length: number };

// values that sit on boundaries of the encodings (lengths, vints, flags)
const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x40, 0x20, 0x10, 0x08];

/** One to `max` mutations of a file of `length` bytes, leaning towards the small ones. */
export function drawMutations(rng: Rng, length: number, max = 3): Mutation[] {
  const out: Mutation[] = [];
  const n = 1 + rng.int(max);
  let len = length;
  for (let i = 0; i < n; i++) {
    const at = rng.chance(0.3) ? rng.int(Math.min(len, 64)) : rng.int(Math.max(len, 1)); // headers hold most structure
    const kind = rng.int(100);
    let m: Mutation;
    if (kind < 40) m = { op: "flip", at, mask: 1 << rng.int(8) };
    else if (kind < 60) m = { op: "set", at, value: rng.pick(INTERESTING) };
    else if (kind < 68) m = { op: "truncate", at };
    else if (kind < 78) m = { op: "insert", at, bytes: Array.from(rng.bytes(1 + rng.int(rng.chance(0.2) ? 64 : 4))) };
    else if (kind < 86) m = { op: "delete", at, length: 1 + rng.int(16) };
    else if (kind < 93) m = { op: "duplicate", at, length: 1 + rng.int(32) };
    else m = { op: "zero", at, length: 1 + rng.int(32) };
    out.push(m);
    len = apply(new Uint8Array(len), [m]).length;
  }
  return out;
}

export function apply(b: Uint8Array, ms: Mutation[]): Uint8Array {
  let out: Uint8Array = b.slice();
  for (const m of ms) {
    const at = Math.min(m.at, out.length);
    switch (m.op) {
      case "flip":
        if (at < out.length) out[at] ^= m.mask;
        break;
      case "set":
        if (at < out.length) out[at] = m.value;
        break;
      case "truncate":
        out = out.slice(0, at);
        break;
      case "insert":
        out = join(out.subarray(0, at), Uint8Array.from(m.bytes), out.subarray(at));
        break;
      case "delete":
        out = join(out.subarray(0, at), out.subarray(at + m.length));
        break;
      case "duplicate":
        out = join(out.subarray(0, at + m.length), out.subarray(at, at + m.length), out.subarray(at + m.length));
        break;
      case "zero":
        out.fill(0, at, at + m.length);
        break;
    }
  }
  return out;
}

/** The first offset the mutations can have changed (bytes before it are as they were). */
export function firstTouched(ms: Mutation[]): number {
  return ms.reduce((n, m) => Math.min(n, m.at), Infinity);
}

function join(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
