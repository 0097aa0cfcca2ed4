// The manifest: the one file that says which SSTables are live. It is
// written whole to a temporary name, synced, then renamed over the old one,
// so a crash leaves either the old or the new list, never a mix. Format:
// docs/manifest-format.md.
import { utf8, utf8decode } from "../util/bytes.js";
import { crc32 } from "../core/checksum.js";
import { CqliteError } from "../errors.js";
import type { SSTableInfo } from "../sstable/writer.js";

export const MANIFEST = "MANIFEST";
export const MANIFEST_TMP = "MANIFEST.tmp";
const MAGIC = "cqlite-manifest 1";

export interface SSTableEntry {
  generation: number;
  version: string;
  /** leveled compaction level (0 for flushes) */
  level: number;
  /** component name → size in bytes */
  files: Record<string, number>;
  partitions: number;
  rows: number;
  dataLength: number;
  minTimestamp: string | null;
  maxTimestamp: string | null;
  minToken: string | null;
  maxToken: string | null;
  /** ms since epoch when it became live */
  createdAt: number;
}

export interface ManifestData {
  /** the last generation handed out; never reused */
  generation: number;
  /** WAL records up to this sequence number are in SSTables */
  flushedSeq: string;
  sstables: SSTableEntry[];
}

export class ManifestCorruptError extends CqliteError {
  constructor(what: string) {
    super("MANIFEST_CORRUPT", `manifest: ${what}`);
  }
}

export function emptyManifest(): ManifestData {
  return { generation: 0, flushedSeq: "0", sstables: [] };
}

export function encodeManifest(m: ManifestData): Uint8Array {
  const body = JSON.stringify(m);
  return utf8(`${MAGIC}\n${body}\n${crc32(utf8(body))}\n`);
}

export function decodeManifest(b: Uint8Array): ManifestData {
  let text: string;
  try {
    text = utf8decode(b);
  } catch {
    throw new ManifestCorruptError("not UTF-8");
  }
  const lines = text.split("\n");
  if (lines[0] !== MAGIC) throw new ManifestCorruptError(`bad header '${lines[0].slice(0, 40)}'`);
  if (lines.length !== 4 || lines[3] !== "") throw new ManifestCorruptError("truncated");
  if (String(crc32(utf8(lines[1]))) !== lines[2]) throw new ManifestCorruptError("checksum mismatch");
  const m = JSON.parse(lines[1]) as ManifestData;
  if (!Number.isInteger(m.generation) || !Array.isArray(m.sstables)) throw new ManifestCorruptError("missing fields");
  for (const s of m.sstables) {
    if (!(s.generation > 0 && s.generation <= m.generation)) throw new ManifestCorruptError(`generation ${s.generation} out of range`);
  }
  return m;
}

/** What the manifest records of a finished SSTable (the build's info, less what the engine decides). */
export function entryFields(info: SSTableInfo): Omit<SSTableEntry, "generation" | "level" | "createdAt" | "version"> {
  return {
    files: Object.fromEntries(info.files.map((f) => [f.component, f.size])),
    partitions: info.partitions,
    rows: info.rows,
    dataLength: info.dataLength,
    minTimestamp: info.minTimestamp?.toString() ?? null,
    maxTimestamp: info.maxTimestamp?.toString() ?? null,
    minToken: info.minToken?.toString() ?? null,
    maxToken: info.maxToken?.toString() ?? null,
  };
}

export function entryOf(info: SSTableInfo, generation: number, version: string, level: number, createdAt: number): SSTableEntry {
  return { generation, version, level, ...entryFields(info), createdAt };
}
