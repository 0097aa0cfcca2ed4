// The WAL's bytes (docs/wal-format.md). A segment is records back to back,
// nothing else; a record is a 16-byte header and the payload, big-endian:
//
//   u32 length    payload bytes
//   u32 crc       CRC32 of the 8 + length bytes that follow it: seq, payload
//   u64 seq       sequence number
//   payload
//
// The CRC covers the sequence number so a record copied to the wrong place
// cannot pass, and leaves out the length, which a wrong value already
// betrays: the CRC is then taken over the wrong bytes.
import { crc32, crc32Combine } from "../core/checksum.js";
import { invariant } from "../storage/errors.js";

export const HEADER_BYTES = 16;
/** Largest payload the format allows; a larger length field is damage. */
export const MAX_PAYLOAD_BYTES = 64 << 20;
/** Sequence numbers run from 1 to this: 16 decimal digits, the width of segment names. */
export const MAX_SEQ = 9_999_999_999_999_999n;
export const FIRST_SEQ = 1n;

const SEGMENT = /^wal-(\d{16})\.log$/;

/**
 * The file naming the newest segment, rewritten (temporary name, flush,
 * rename) each time a segment starts: a log that lost its newest segments
 * would otherwise look like a shorter, healthy log.
 */
export const HEAD_FILE = "wal.head";
export const HEAD_TMP = "wal.head.tmp";
const HEAD_MAGIC = "cqlite-wal-head 1";

export function encodeHead(firstSeq: bigint): Uint8Array {
  const body = `${HEAD_MAGIC}\n${segmentName(firstSeq)}\n`;
  return new TextEncoder().encode(body);
}

/** The first sequence number of the segment a head file names, or null if the bytes are not a head file. */
export function decodeHead(b: Uint8Array): bigint | null {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(b);
  } catch {
    return null;
  }
  const lines = text.split("\n");
  if (lines.length !== 3 || lines[0] !== HEAD_MAGIC || lines[2] !== "") return null;
  return parseSegmentName(lines[1]);
}

/** `wal-<first sequence number, 16 digits>.log` */
export function segmentName(firstSeq: bigint): string {
  invariant(firstSeq >= FIRST_SEQ && firstSeq <= MAX_SEQ, `segment sequence ${firstSeq} in range`);
  return `wal-${firstSeq.toString().padStart(16, "0")}.log`;
}

/** The first sequence number a segment's name carries, or null if it is not a segment name. */
export function parseSegmentName(name: string): bigint | null {
  const m = SEGMENT.exec(name);
  if (!m) return null;
  const seq = BigInt(m[1]);
  return seq >= FIRST_SEQ ? seq : null;
}

/**
 * Encodes one record into `buf` at `at` (room checked by the caller); returns
 * its end. `payloadCrc`, when given, is CRC32(payload): the record's CRC is
 * then the sequence number's combined with it, with no pass over the payload.
 */
export function writeRecord(buf: Uint8Array, at: number, seq: bigint, payload: Uint8Array, payloadCrc?: number): number {
  invariant(payload.length <= MAX_PAYLOAD_BYTES, "payload within the format's limit");
  invariant(seq >= FIRST_SEQ && seq <= MAX_SEQ, "sequence number in range");
  const end = at + HEADER_BYTES + payload.length;
  invariant(end <= buf.length, "record fits its buffer");
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  v.setUint32(at, payload.length);
  v.setBigUint64(at + 8, seq);
  buf.set(payload, at + HEADER_BYTES);
  v.setUint32(at + 4, payloadCrc === undefined ? crc32(buf.subarray(at + 8, end)) : crc32Combine(crc32(buf.subarray(at + 8, at + HEADER_BYTES)), payloadCrc, payload.length));
  return end;
}

export interface RecordHeader {
  length: number;
  crc: number;
  seq: bigint;
}

export function readHeader(v: DataView, at: number): RecordHeader {
  return { length: v.getUint32(at), crc: v.getUint32(at + 4), seq: v.getBigUint64(at + 8) };
}

/** Whether `body` (the seq and payload bytes of a record) matches its header's CRC. */
export function checksumMatches(h: RecordHeader, body: Uint8Array): boolean {
  invariant(body.length === 8 + h.length, "checksummed body is seq + payload");
  return crc32(body) === h.crc;
}
