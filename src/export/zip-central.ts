// A zip's central directory, read first from the end of the input, so every
// entry's name, method, sizes and checksum are known before a byte is
// inflated: a bomb that declares its size is refused up front, one that lies
// is caught at the first byte past what it declared, and only the entries
// wanted are read at all. (A parser reading local headers in order cannot know
// where a stored entry written with a data descriptor ends, which is how this
// engine's own exports are written: fflate's Unzip looks for the next
// signature and cuts the entry short when its data holds "PK\3\4".)
import { ZipError, ImportLimitError } from "./import-errors.js";

/** An input that can be read at any offset: bytes, a Blob, a file, a spooled stream. */
export interface RandomAccess {
  readonly size: number;
  /** Up to `length` bytes at `offset` (fewer only at the end). */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface ZipEntryInfo {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const EOCD_SIG = 0x06054b50;
const EOCD64_LOCATOR_SIG = 0x07064b50;
const EOCD64_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const EOCD_BYTES = 22;
const LOCATOR_BYTES = 20;
const MAX_COMMENT = 0xffff;
/** Every record of a directory of maxEntries entries fits; a larger one is refused unread. */
const CENTRAL_BYTES_PER_ENTRY = 46 + 1024 + 1024;

export async function readExactly(src: RandomAccess, offset: number, length: number, what: string): Promise<Uint8Array> {
  if (offset < 0 || offset + length > src.size) throw new ZipError(`truncated: ${what} at offset ${offset} runs past the end (${src.size} bytes)`);
  const b = await src.read(offset, length);
  if (b.length !== length) throw new ZipError(`truncated: ${what} at offset ${offset}`);
  return b;
}

function dataView(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u64(dv: DataView, at: number, what: string): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError(`${what} ${v} out of range`);
  return Number(v);
}

const utf8 = new TextDecoder("utf-8");

/** The entries the central directory lists, in its order. */
export async function readCentralDirectory(src: RandomAccess, maxEntries: number): Promise<ZipEntryInfo[]> {
  if (src.size < EOCD_BYTES) throw new ZipError(`not a zip: ${src.size} bytes, too short for an end of central directory record`);
  const tailLength = Math.min(src.size, EOCD_BYTES + MAX_COMMENT + LOCATOR_BYTES);
  const tail = await readExactly(src, src.size - tailLength, tailLength, "end of central directory");
  const dv = dataView(tail);
  let eocd = -1;
  for (let i = tail.length - EOCD_BYTES; i >= 0; i--) {
    // the record ends the file: its comment length must reach exactly to the end
    if (dv.getUint32(i, true) === EOCD_SIG && i + EOCD_BYTES + dv.getUint16(i + 20, true) === tail.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError("not a zip, or truncated: no end of central directory record at its end");
  if (dv.getUint16(eocd + 4, true) !== 0 || dv.getUint16(eocd + 6, true) !== 0) throw new ZipError("multi-disk zips are not supported");
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - LOCATOR_BYTES;
    if (loc < 0 || dv.getUint32(loc, true) !== EOCD64_LOCATOR_SIG) throw new ZipError("zip64 end of central directory locator missing");
    const at = u64(dv, loc + 8, "zip64 record offset");
    const rec = dataView(await readExactly(src, at, 56, "zip64 end of central directory"));
    if (rec.getUint32(0, true) !== EOCD64_SIG) throw new ZipError(`no zip64 end of central directory record at offset ${at}`);
    count = u64(rec, 32, "entry count");
    cdSize = u64(rec, 40, "central directory size");
    cdOffset = u64(rec, 48, "central directory offset");
  }
  if (count > maxEntries) throw new ImportLimitError("maxEntries", maxEntries, `the zip's ${count} entries`);
  if (cdSize > Math.max(count, 1) * CENTRAL_BYTES_PER_ENTRY) throw new ZipError(`central directory of ${cdSize} bytes for ${count} entries`);
  const cd = await readExactly(src, cdOffset, cdSize, "central directory");
  const cv = dataView(cd);
  const out: ZipEntryInfo[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cv.getUint32(p, true) !== CENTRAL_SIG) throw new ZipError(`central directory record ${i} at offset ${cdOffset + p} is damaged`);
    const flags = cv.getUint16(p + 8, true);
    const method = cv.getUint16(p + 10, true);
    const crc = cv.getUint32(p + 16, true);
    let compressedSize = cv.getUint32(p + 20, true);
    let size = cv.getUint32(p + 24, true);
    const nameLength = cv.getUint16(p + 28, true);
    const extraLength = cv.getUint16(p + 30, true);
    const commentLength = cv.getUint16(p + 32, true);
    let localOffset = cv.getUint32(p + 42, true);
    const end = p + 46 + nameLength + extraLength + commentLength;
    if (end > cd.length) throw new ZipError(`central directory record ${i} runs past the directory`);
    const name = utf8.decode(cd.subarray(p + 46, p + 46 + nameLength));
    // zip64: the fields that overflowed, in this order, in extra block 0x0001
    for (let x = p + 46 + nameLength; x + 4 <= p + 46 + nameLength + extraLength; ) {
      const id = cv.getUint16(x, true);
      const len = cv.getUint16(x + 2, true);
      if (id === 1) {
        let f = x + 4;
        const take = (what: string) => {
          if (f + 8 > x + 4 + len) throw new ZipError(`zip64 extra field too short for ${what}`, name);
          const v = u64(cv, f, what);
          f += 8;
          return v;
        };
        if (size === 0xffffffff) size = take("size");
        if (compressedSize === 0xffffffff) compressedSize = take("compressed size");
        if (localOffset === 0xffffffff) localOffset = take("local header offset");
      }
      x += 4 + len;
    }
    out.push({ name, method, flags, crc, compressedSize, size, localOffset });
    p = end;
  }
  return out;
}
