// The core's LZ4 against the reference library: every block the lz4 tool
// compressed (test/fixtures/lz4/README.md) comes out byte for byte, for both
// table types; and every output decompresses to its input.
import { describe, test, expect } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { lz4Block } from "./helpers.js";
import { core } from "../src/core/core.js";
import { Rng } from "./gen.js";

const DIR = new URL("./fixtures/lz4/", import.meta.url).pathname;
const RAW_BLOCK = 0x80000000;

const compress = lz4Block;

function decompress(block: Uint8Array, n: number): Uint8Array {
  const k = core();
  return k.call((x) => {
    const src = x.alloc(Math.max(1, block.length));
    const dst = x.alloc(Math.max(1, n));
    k.bytes(src, block.length).set(block);
    x.lz4Decompress(src, block.length, dst, n);
    const out = k.bytes(dst, n).slice();
    x.free(src);
    x.free(dst);
    return out;
  });
}

describe("identical to the reference LZ4_compress_default", () => {
  for (const name of readdirSync(DIR).filter((f) => f.endsWith(".bin")).sort()) {
    test(name, () => {
      const input = new Uint8Array(readFileSync(DIR + name));
      const frame = new Uint8Array(readFileSync(DIR + name.replace(/\.bin$/, ".lz4")));
      const dv = new DataView(frame.buffer, frame.byteOffset);
      expect(dv.getUint32(0, true)).toBe(0x184d2204); // frame magic
      const size = dv.getUint32(7, true);
      const ours = compress(input);
      if (size & RAW_BLOCK) {
        // the tool stores a block raw when compressing does not shrink it
        expect(ours.length).toBeGreaterThanOrEqual(input.length);
      } else {
        const theirs = frame.subarray(11, 11 + size);
        expect(ours.length).toBe(theirs.length);
        expect(Buffer.compare(ours, theirs)).toBe(0);
      }
      expect(Buffer.compare(decompress(ours, input.length), input)).toBe(0);
    });
  }
});

test("round trips: random sizes and redundancy, across the 64 KiB table switch", () => {
  const r = new Rng(5);
  for (let i = 0; i < 60; i++) {
    const n = i < 10 ? i * 3 : r.int(200_000);
    const alphabet = 1 + r.int(255);
    const input = new Uint8Array(n);
    for (let j = 0; j < n; j++) input[j] = j > 8 && r.int(4) === 0 ? input[j - 1 - r.int(8)] : r.int(alphabet);
    const out = compress(input);
    expect(out.length).toBeLessThanOrEqual(n + Math.floor(n / 255) + 16);
    expect(Buffer.compare(decompress(out, n), input), `input ${i} (${n} bytes)`).toBe(0);
  }
});
