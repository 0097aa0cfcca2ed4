// Reads one segment record by record through a bounded window (1 MiB, or one
// record when larger), verifying each. It also answers the question recovery
// hinges on: after a bad record, is there any valid record further on? If
// not, the bad bytes are a torn tail; if so, the log is damaged in the middle.
import type { StorageFile } from "../storage/storage.js";
import { HEADER_BYTES, MAX_PAYLOAD_BYTES, readHeader, checksumMatches } from "./format.js";
import { WalCorruptionError } from "./errors.js";

const WINDOW = 1 << 20;

export type ScanResult =
  | { kind: "record"; seq: bigint; payload: Uint8Array; end: number }
  /** a record that is incomplete or fails its checksum */
  | { kind: "bad"; reason: string };

export class SegmentScanner {
  private win: Uint8Array = new Uint8Array(0);
  private winAt = 0;

  constructor(
    private readonly file: StorageFile,
    readonly size: number,
    private readonly name: string,
  ) {}

  /** Exactly `n` bytes at `offset`, or null when they run past the end of the segment. */
  private async bytes(offset: number, n: number): Promise<Uint8Array | null> {
    if (offset + n > this.size) return null;
    if (offset >= this.winAt && offset + n <= this.winAt + this.win.length)
      return this.win.subarray(offset - this.winAt, offset - this.winAt + n);
    const len = Math.max(n, Math.min(WINDOW, this.size - offset));
    const got = await this.file.read(offset, len);
    if (got.length < n) throw new WalCorruptionError(this.name, offset + got.length, "segment shorter than its size while read");
    this.win = got;
    this.winAt = offset;
    return got.subarray(0, n);
  }

  /** The record at `offset`, verified, or why it is bad. */
  async next(offset: number): Promise<ScanResult> {
    const head = await this.bytes(offset, HEADER_BYTES);
    if (!head) return { kind: "bad", reason: `incomplete header (${this.size - offset} bytes)` };
    const h = readHeader(new DataView(head.buffer, head.byteOffset, HEADER_BYTES), 0);
    if (h.length > MAX_PAYLOAD_BYTES) return { kind: "bad", reason: `length ${h.length} beyond the format's limit` };
    const body = await this.bytes(offset + 8, 8 + h.length);
    if (!body) return { kind: "bad", reason: `record of ${HEADER_BYTES + h.length} bytes runs past the end` };
    if (!checksumMatches(h, body)) return { kind: "bad", reason: "checksum mismatch" };
    return { kind: "record", seq: h.seq, payload: body.slice(8), end: offset + HEADER_BYTES + h.length };
  }

  /**
   * The offset of the first valid record after `from` whose sequence number
   * could follow `afterSeq` (at most one record per 16 bytes up to the end),
   * or null. Zeros never match (sequence 0 is not in range), and the
   * sequence window makes a chance match in garbage vanishingly rare before
   * the CRC is even tried.
   */
  async findRecordAfter(from: number, afterSeq: bigint): Promise<number | null> {
    const hi = afterSeq + BigInt(Math.ceil((this.size - from) / HEADER_BYTES)) + 1n;
    let o = from + 1;
    while (o + HEADER_BYTES <= this.size) {
      if (!(await this.bytes(o, HEADER_BYTES))) return null;
      const base = this.winAt;
      const v = new DataView(this.win.buffer, this.win.byteOffset, this.win.length);
      const last = Math.min(base + this.win.length, this.size) - HEADER_BYTES;
      let candidate = -1;
      for (; o <= last; o++) {
        const length = v.getUint32(o - base);
        if (length > MAX_PAYLOAD_BYTES || o + HEADER_BYTES + length > this.size) continue;
        if (v.getUint32(o - base + 8) === 0 && v.getUint32(o - base + 12) === 0) continue; // zeros: no BigInt
        const seq = v.getBigUint64(o - base + 8);
        if (seq <= afterSeq || seq > hi) continue;
        candidate = o;
        break;
      }
      if (candidate < 0) continue; // window exhausted: the next pass loads the one at `o`
      const r = await this.next(candidate);
      if (r.kind === "record") return candidate;
      o = candidate + 1;
    }
    return null;
  }
}
