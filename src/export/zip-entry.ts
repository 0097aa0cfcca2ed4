// One zip entry's bytes, inflated as they are read: pieces of the input go
// through fflate's streaming Inflate a few KiB at a time, so one step's output
// stays small even at deflate's 1032:1 ratio. The entry is held to what its
// central directory record declares: a byte past its size is a ZipBombError,
// fewer bytes or another CRC-32 a ZipError.
import { Inflate } from "fflate";
import { crc32 } from "../core/checksum.js";
import { RandomAccess, ZipEntryInfo, readExactly } from "./zip-central.js";
import { ZipError, ZipBombError } from "./import-errors.js";

const LOCAL_SIG = 0x04034b50;
/** Input read per step. */
const READ_BYTES = 1 << 20;
/** Compressed bytes per inflate step: at most ~4 MiB out at the highest ratio. */
const INFLATE_STEP = 4 << 10;
const STORED = 0;
const DEFLATED = 8;

/** Where an entry's data starts, after its local header (which must agree with the directory). */
async function dataStart(src: RandomAccess, e: ZipEntryInfo): Promise<number> {
  const h = await readExactly(src, e.localOffset, 30, `local header of '${e.name.slice(0, 80)}'`);
  const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
  if (dv.getUint32(0, true) !== LOCAL_SIG) throw new ZipError(`no local header at offset ${e.localOffset}`, e.name);
  const flags = dv.getUint16(6, true);
  if (dv.getUint16(8, true) !== e.method) throw new ZipError("local header and central directory disagree on the compression method", e.name);
  const nameLength = dv.getUint16(26, true);
  const extraLength = dv.getUint16(28, true);
  const name = new TextDecoder().decode(await readExactly(src, e.localOffset + 30, nameLength, "local header name"));
  if (name !== e.name) throw new ZipError(`local header names '${name.slice(0, 80)}'`, e.name);
  if (!(flags & 8)) {
    // sizes in the local header (unless zip64 moved them to its extra field) must be the directory's
    const csize = dv.getUint32(18, true);
    const usize = dv.getUint32(22, true);
    if (dv.getUint32(14, true) !== e.crc || (csize !== 0xffffffff && csize !== e.compressedSize) || (usize !== 0xffffffff && usize !== e.size))
      throw new ZipError("local header and central directory disagree on the size or checksum", e.name);
  }
  return e.localOffset + 30 + nameLength + extraLength;
}

/**
 * The entry's bytes, in order. `onRead` hears how many input bytes each step
 * consumed (for progress).
 */
export async function* entryBytes(src: RandomAccess, e: ZipEntryInfo, onRead: (bytes: number) => void = () => undefined): AsyncGenerator<Uint8Array> {
  if (e.flags & 1) throw new ZipError("encrypted entries are not supported", e.name);
  if (e.method !== STORED && e.method !== DEFLATED) throw new ZipError(`compression method ${e.method} is not supported (stored or deflate only)`, e.name);
  const start = await dataStart(src, e);
  if (start + e.compressedSize > src.size) throw new ZipError(`truncated: its data runs past the end of the zip`, e.name);
  let crc = 0;
  let total = 0;
  const take = (b: Uint8Array) => {
    total += b.length;
    if (total > e.size) throw new ZipBombError(e.name, e.size);
    crc = crc32(b, crc);
  };
  if (e.method === STORED) {
    if (e.compressedSize !== e.size) throw new ZipError(`stored entry of ${e.compressedSize} bytes declares ${e.size}`, e.name);
    for (let at = 0; at < e.size; ) {
      const b = await readExactly(src, start + at, Math.min(READ_BYTES, e.size - at), "entry data");
      at += b.length;
      onRead(b.length);
      take(b);
      yield b;
    }
  } else {
    let out: Uint8Array[] = [];
    const inflater = new Inflate((chunk) => {
      out.push(chunk);
      take(chunk);
    });
    // a do-while: an empty deflated entry still pushes once, with final set, so the inflater judges it
    let at = 0;
    do {
      const b = await readExactly(src, start + at, Math.min(READ_BYTES, e.compressedSize - at), "entry data");
      at += b.length;
      onRead(b.length);
      const end = at === e.compressedSize;
      for (let i = 0; i < b.length || (end && i === 0); i += INFLATE_STEP) {
        try {
          inflater.push(b.subarray(i, i + INFLATE_STEP), end && i + INFLATE_STEP >= b.length);
        } catch (err) {
          if (err instanceof ZipBombError) throw err;
          throw new ZipError(`invalid deflate data (${String((err as Error).message).slice(0, 80)})`, e.name);
        }
        for (const c of out) yield c;
        out = [];
      }
    } while (at < e.compressedSize);
  }
  if (total !== e.size) throw new ZipError(`inflates to ${total} bytes, its header declares ${e.size}`, e.name);
  if (crc >>> 0 !== e.crc >>> 0) throw new ZipError(`CRC-32 mismatch (data damaged)`, e.name);
}
