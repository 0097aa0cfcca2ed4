// Summary.db: a sample of Index.db (every min_index_interval-th entry) that
// readers binary-search to find which stretch of Index.db holds a key.
import { ByteReader } from "../util/bytes.js";
import { CorruptSSTableError } from "../errors.js";
import { core } from "../core/core.js";
import { compareBytes } from "../util/bytes.js";

/** Bytes before the offsets: min interval, count, size, sampling level, size at full sampling. */
export const SUMMARY_HEADER_BYTES = 24;

export interface SummaryEntry {
  key: Uint8Array;
  token: bigint;
  indexPosition: number;
}

export class Summary {
  constructor(
    readonly minIndexInterval: number,
    readonly samplingLevel: number,
    readonly sizeAtFullSampling: number,
    readonly entries: SummaryEntry[],
    readonly first: Uint8Array,
    readonly last: Uint8Array,
    readonly byteOrdered: boolean,
  ) {}

  /** The partitioner's token: Murmur3, or 0 for all keys when byte-ordered (keys then compare as bytes). */
  tokenOf(key: Uint8Array): bigint {
    if (this.byteOrdered) return 0n;
    const k = core();
    return k.call((x) => x.murmurToken(k.put(key), key.length));
  }

  /** The Index.db byte range that must hold `key` if the SSTable has it, and the number of the Summary entry that starts it (-1 when none does). */
  indexRange(token: bigint, key: Uint8Array, indexSize: number): [number, number, number] {
    let lo = 0, hi = this.entries.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const e = this.entries[mid];
      const c = e.token < token ? -1 : e.token > token ? 1 : compareBytes(e.key, key);
      if (c <= 0) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // before the first sample: below full sampling the summary need not
    // sample Index.db's first entry (down-sampling can leave none at all),
    // and a key before its first sample is looked for from Index.db's
    // start, as Cassandra does
    if (found < 0) return [0, this.entries.length > 0 ? this.entries[0].indexPosition : indexSize, -1];
    const from = this.entries[found].indexPosition;
    const to = found + 1 < this.entries.length ? this.entries[found + 1].indexPosition : indexSize;
    return [from, to, found];
  }
}

/** `indexSize`: Index.db's bytes, which every entry's position must fall within (a read starts there). */
export function readSummary(b: Uint8Array, file = "Summary.db", byteOrdered = false, indexSize = Number.MAX_SAFE_INTEGER, indexFile = "Index.db"): Summary {
  const r = new ByteReader(b, (off, what) => {
    throw new CorruptSSTableError(file, off, what);
  });
  const minIndexInterval = r.i32();
  const count = r.i32();
  const size = Number(r.i64());
  const samplingLevel = r.i32();
  const sizeAtFullSampling = r.i32();
  if (count < 0 || size < count * 4 || minIndexInterval <= 0) throw new CorruptSSTableError(file, 4, `bad summary header (${count} entries, ${size} bytes)`);
  const base = r.pos; // SUMMARY_HEADER_BYTES
  r.need(size, "summary entries");
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) offsets.push(r.i32le());
  const k = core();
  const entries: SummaryEntry[] = [];
  for (let i = 0; i < count; i++) {
    const start = offsets[i];
    const end = i + 1 < count ? offsets[i + 1] : size;
    if (start < count * 4 || end > size || end - start < 8) throw new CorruptSSTableError(file, base + i * 4, `bad summary offset ${start}`);
    const key = b.slice(base + start, base + end - 8);
    const indexPosition = Number(new DataView(b.buffer, b.byteOffset + base + end - 8, 8).getBigInt64(0, true));
    const prev = i > 0 ? entries[i - 1].indexPosition : -1;
    // Out of order, or the first past the end, the summary is what is wrong;
    // in order and past the end after one within it, Index.db is short.
    if (!(indexPosition > prev)) throw new CorruptSSTableError(file, base + end - 8, `index position ${indexPosition} of entry ${i} is not after the last (${prev})`);
    if (indexPosition >= indexSize) {
      if (i === 0) throw new CorruptSSTableError(file, base + end - 8, `index position ${indexPosition} of entry 0 is past the end of Index.db (${indexSize} bytes)`);
      throw new CorruptSSTableError(indexFile, indexSize, `truncated: Summary.db entry ${i} starts at ${indexPosition}`, "TRUNCATED");
    }
    const token = byteOrdered ? 0n : k.call((x) => x.murmurToken(k.put(key), key.length));
    entries.push({ key, token, indexPosition });
  }
  r.pos = base + size;
  const first = r.bytes(r.i32()).slice();
  const last = r.bytes(r.i32()).slice();
  if (r.remaining !== 0) throw new CorruptSSTableError(file, r.pos, "trailing bytes");
  return new Summary(minIndexInterval, samplingLevel, sizeAtFullSampling, entries, first, last, byteOrdered);
}
