// A cursor's reads of Data.db served ahead of them: every byte handed out is
// the file's, each byte is read from storage once however the walk is cut, the
// first read (and the first after a jump) asks storage for no more than was
// asked, and a walk soon reads a whole window per storage call.
import { test, expect } from "vitest";
import { ReadAhead, READ_AHEAD_MAX } from "../src/sstable/read-ahead.js";
import type { ByteSource } from "../src/sstable/source.js";

/** A file in memory that counts storage calls and bytes, with or without readInto. */
function file(size: number, withInto = true) {
  const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
  const stats = { calls: 0, bytes: 0, asked: [] as number[] };
  const src: ByteSource = {
    size,
    async read(off, n) {
      const b = bytes.slice(off, Math.min(size, off + n));
      stats.calls++;
      stats.bytes += b.length;
      stats.asked.push(n);
      return b;
    },
  };
  if (withInto)
    src.readInto = async (off, dest) => {
      const b = bytes.subarray(off, Math.min(size, off + dest.length));
      dest.set(b);
      stats.calls++;
      stats.bytes += b.length;
      stats.asked.push(dest.length);
      return b.length;
    };
  return { bytes, src, stats };
}

for (const withInto of [true, false])
  test(`a walk in small uneven steps gets the file's bytes, reads each once, and a window per call (${withInto ? "readInto" : "read"})`, async () => {
    const size = 3 << 20;
    const { bytes, src, stats } = file(size, withInto);
    const ahead = new ReadAhead();
    let at = 0;
    let step = 0;
    while (at < size) {
      // steps of 1 byte to 9 KiB, and some that reach back into what was just read (a carried chunk's neighbour)
      const n = Math.min(size - at, 1 + ((step * 7919) % 9000));
      const from = step % 5 === 4 ? Math.max(0, at - 100) : at;
      const got = await ahead.read(src, from, n + (at - from));
      expect(Buffer.compare(got, bytes.subarray(from, at + n))).toBe(0);
      at += n;
      step++;
    }
    expect(stats.bytes).toBe(size);
    // the window doubles up to READ_AHEAD_MAX, then every call reads that much
    expect(stats.calls).toBeLessThanOrEqual(Math.ceil(size / READ_AHEAD_MAX) + 16);
    expect(step).toBeGreaterThan(10 * stats.calls);
  });

test("the first read and the first after a jump ask for what was asked, no more", async () => {
  const { bytes, src, stats } = file(1 << 20);
  const ahead = new ReadAhead();
  expect(Buffer.compare(await ahead.read(src, 1000, 300), bytes.subarray(1000, 1300))).toBe(0);
  expect(stats.asked).toEqual([300]);
  // sequential: the next read goes further ahead
  await ahead.read(src, 1300, 300);
  expect(stats.asked[1]).toBeGreaterThan(300);
  // a jump (forward or back) is not a walk: exact again
  expect(Buffer.compare(await ahead.read(src, 500_000, 200), bytes.subarray(500_000, 500_200))).toBe(0);
  expect(Buffer.compare(await ahead.read(src, 10, 50), bytes.subarray(10, 60))).toBe(0);
  expect(stats.asked.slice(2)).toEqual([200, 50]);
});

test("at the end of the file: the window stops there, and a read past it comes back short", async () => {
  const { bytes, src, stats } = file(10_000);
  const ahead = new ReadAhead();
  let at = 0;
  while (at < 9000) {
    expect(Buffer.compare(await ahead.read(src, at, 1000), bytes.subarray(at, at + 1000))).toBe(0);
    at += 1000;
  }
  const tail = await ahead.read(src, 9000, 2000);
  expect(tail.length).toBe(1000);
  expect(Buffer.compare(tail, bytes.subarray(9000))).toBe(0);
  expect(stats.bytes).toBe(10_000);
  expect((await ahead.read(src, 10_000, 10)).length).toBe(0);
});

test("a read larger than the window is the caller's to make", async () => {
  const ahead = new ReadAhead();
  expect(ahead.takes(READ_AHEAD_MAX)).toBe(true);
  expect(ahead.takes(READ_AHEAD_MAX + 1)).toBe(false);
  const { src } = file(READ_AHEAD_MAX * 2);
  await expect(ahead.read(src, 0, READ_AHEAD_MAX + 1)).rejects.toThrow(/fits its window/);
});

for (const withInto of [true, false])
  test(`a storage read that fails mid-walk leaves what is held true: the walk goes on with the file's bytes (${withInto ? "readInto" : "read"})`, async () => {
    const size = 1 << 20;
    const { bytes, src } = file(size, withInto);
    let calls = 0;
    // every third storage call fails, after scribbling over the buffer it was handed
    const failing: ByteSource = {
      size,
      read: async (off, n) => {
        if (++calls % 3 === 0) throw new Error("I/O error");
        return src.read(off, n);
      },
    };
    if (withInto)
      failing.readInto = async (off, dest) => {
        if (++calls % 3 === 0) {
          dest.fill(0xee);
          throw new Error("I/O error");
        }
        return src.readInto!(off, dest);
      };
    const ahead = new ReadAhead();
    let at = 0, failures = 0;
    while (at < size) {
      const n = Math.min(size - at, 5000);
      let got: Uint8Array;
      try {
        got = await ahead.read(failing, at, n);
      } catch {
        failures++;
        continue;
      }
      expect(Buffer.compare(got, bytes.subarray(at, at + n))).toBe(0);
      at += n;
    }
    expect(failures).toBeGreaterThan(3);
  });

test("a ReadAhead handed another file does not serve it the first file's bytes", async () => {
  const a = file(100_000);
  const b = { ...file(100_000), bytes: new Uint8Array(100_000).fill(7) };
  b.src.readInto = async (off, dest) => (dest.fill(7), Math.min(dest.length, 100_000 - off));
  const ahead = new ReadAhead();
  await ahead.read(a.src, 0, 1000);
  await ahead.read(a.src, 1000, 1000);
  expect([...(await ahead.read(b.src, 1500, 10))]).toEqual(new Array(10).fill(7));
});
