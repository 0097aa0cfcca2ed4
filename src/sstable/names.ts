// SSTable file names: <version>-<generation>-<format>-<Component>, as Cassandra names them.
import { CqliteError } from "../errors.js";

export const COMPONENTS = [
  "Data.db", "Index.db", "Summary.db", "Filter.db", "Statistics.db", "CompressionInfo.db", "CRC.db", "Digest.crc32", "TOC.txt",
  // BTI ('da'): the trie indexes in place of Index.db and Summary.db
  "Partitions.db", "Rows.db",
] as const;

const NAME_RE = /^(?:.*[\\/])?([a-z]{2})-([0-9]+|[0-9a-z_]+)-(big|bti)-([A-Za-z]+\.(?:db|txt|crc32))$/;

export interface SSTableName {
  version: string;
  generation: string;
  format: string;
  component: string;
}

export class BadFileNameError extends CqliteError {
  constructor(name: string) {
    super("BAD_NAME", `'${name}' does not match Cassandra's SSTable file name pattern <version>-<generation>-big-<Component>`);
  }
}

export function parseFileName(name: string): SSTableName {
  const m = NAME_RE.exec(name);
  if (!m) throw new BadFileNameError(name);
  return { version: m[1], generation: m[2], format: m[3], component: m[4] };
}

export function tryParseFileName(name: string): SSTableName | null {
  const m = NAME_RE.exec(name);
  return m ? { version: m[1], generation: m[2], format: m[3], component: m[4] } : null;
}

// BTI versions ('da') name their files "bti", BIG ones "big"
const BTI_FIRST_LETTER = "d";

export function fileName(version: string, generation: number | string, component: string): string {
  return `${version}-${generation}-${version[0] === BTI_FIRST_LETTER ? "bti" : "big"}-${component}`;
}

// Cassandra 4.1's unique SSTable identifiers: a time-based UUID written as
// four base-36 fields, zero-padded — days since the UUID epoch (4), seconds
// into the day (4), 100 ns ticks into the second (5), then the UUID's low 64
// bits unsigned (13): 28 characters with the two underscores.
const UNIQUE_ID_RE = /^([0-9a-z]{4})_([0-9a-z]{4})_([0-9a-z]{5})([0-9a-z]{13})$/;
const UUID_EPOCH_MS = 12_219_292_800_000n; // 1582-10-15 to 1970-01-01
let lastTicks = 0n;

export function isUniqueSSTableId(s: string): boolean {
  return UNIQUE_ID_RE.test(s);
}

/** A new identifier: now, in 100 ns ticks (strictly increasing in this process), and random low bits. */
export function uniqueSSTableId(nowMs = Date.now()): string {
  let ticks = (BigInt(nowMs) + UUID_EPOCH_MS) * 10_000n;
  if (ticks <= lastTicks) ticks = lastTicks + 1n;
  lastTicks = ticks;
  const r = new DataView(crypto.getRandomValues(new Uint8Array(8)).buffer);
  // the low half of a version-1 UUID: variant bits 10, then clock sequence and node
  const lsb = (r.getBigUint64(0) & 0x3fffffffffffffffn) | 0x8000000000000000n;
  const pad = (x: bigint, n: number) => x.toString(36).padStart(n, "0");
  return `${pad(ticks / 10_000_000n / 86_400n, 4)}_${pad((ticks / 10_000_000n) % 86_400n, 4)}_${pad(ticks % 10_000_000n, 5)}${pad(lsb, 13)}`;
}

/** The identifier's time (ms since 1970) and low bits, or null if it is not one. */
export function parseUniqueSSTableId(s: string): { ms: number; lsb: bigint } | null {
  const m = UNIQUE_ID_RE.exec(s);
  if (!m) return null;
  const b36 = (x: string) => [...x].reduce((n, c) => n * 36n + BigInt(parseInt(c, 36)), 0n);
  const ticks = (b36(m[1]) * 86_400n + b36(m[2])) * 10_000_000n + b36(m[3]);
  return { ms: Number(ticks / 10_000n - UUID_EPOCH_MS), lsb: b36(m[4]) };
}
