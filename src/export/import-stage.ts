// One SSTable of an import, staged: its files copied into storage under the
// import's temporary prefix (in pieces, never whole), opened from there,
// validated, and described for the manifest. Files from the
// ByteOrderedPartitioner (Cassandra's own test tables) are re-sorted into
// Murmur3 token order, in memory and so only up to maxResortBytes.
import type { Storage } from "../storage/storage.js";
import { TableSchema } from "../schema/schema.js";
import { SSTableReader } from "../sstable/reader.js";
import { buildSSTable, sourceColumns } from "../sstable/build.js";
import { FormatVersion } from "../sstable/version.js";
import { BYTE_ORDERED_PARTITIONER } from "../sstable/statistics.js";
import { storageSource, ClosableSource } from "../sstable/storage-source.js";
import { StorageSink } from "../sstable/storage-sink.js";
import { SSTableEntry, entryFields } from "../version/manifest.js";
import { tokenOf } from "../core/token.js";
import { comparePartitions } from "../schema/order.js";
import { validate } from "../tools/validate.js";
import { CqliteError } from "../errors.js";
import { SSTableGroup } from "./import-select.js";
import { ImportLimits } from "./import-limits.js";
import { ImportError, ImportLimitError, shown } from "./import-errors.js";

/** An SSTable ready to go live: its staged files and its manifest entry but for the generation. */
export interface StagedSSTable {
  /** where it came from, for messages */
  source: string;
  /** the format its files are in (a re-sorted import is rewritten in the engine's) */
  version: string;
  /** component → staged file name in storage */
  files: Map<string, string>;
  entry: Omit<SSTableEntry, "generation" | "level" | "createdAt">;
}

export interface StageContext {
  storage: Storage;
  schema: TableSchema;
  /** the format a re-sorted import is rewritten in */
  format: FormatVersion;
  limits: ImportLimits;
  /** every file staged, for removal if the import fails */
  written: string[];
  onRead(bytes: number): void;
  onWritten(bytes: number, fileDone: boolean): void;
  onValidate(): void;
}

/** Pieces are gathered to this size before each storage write. */
const WRITE_BYTES = 1 << 20;
const INDEX_WINDOW = 4096;

async function copyIn(ctx: StageContext, name: string, chunks: AsyncIterable<Uint8Array>, declared: number): Promise<number> {
  ctx.written.push(name);
  const f = await ctx.storage.open(name, { create: true, truncate: true });
  try {
    let at = 0;
    let held: Uint8Array[] = [];
    let heldBytes = 0;
    const write = async () => {
      const b = held.length === 1 ? held[0] : new Uint8Array(heldBytes);
      if (held.length > 1) held.reduce((o, p) => (b.set(p, o), o + p.length), 0);
      await f.write(at, b);
      at += heldBytes;
      ctx.onWritten(heldBytes, false);
      held = [];
      heldBytes = 0;
    };
    for await (const c of chunks) {
      held.push(c);
      heldBytes += c.length;
      if (heldBytes >= WRITE_BYTES) await write();
    }
    if (heldBytes) await write();
    // the zip reader holds entries to their declared size; a directory's file may have changed since it was listed
    if (at !== declared) throw new ImportError(`${shown(name)}: ${at} bytes copied, ${declared} expected (the file changed while it was read)`);
    await f.flush();
    ctx.onWritten(0, true);
    return at;
  } finally {
    await f.close();
  }
}

/** Non-library failures from a hostile file become ImportErrors naming the SSTable. */
function typed(g: SSTableGroup, e: unknown): unknown {
  if (e instanceof CqliteError) return e;
  const m = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new ImportError(`${shown(g.key)}: unreadable (${m.slice(0, 200)})`, { cause: e });
}

async function openStaged(ctx: StageContext, g: SSTableGroup, files: Map<string, string>, sources: ClosableSource[]): Promise<SSTableReader> {
  const comps = new Map<string, ClosableSource>();
  for (const [c, name] of files) {
    const s = await storageSource(ctx.storage, name);
    sources.push(s);
    comps.set(c, s);
  }
  return SSTableReader.open(comps, { schema: ctx.schema, version: g.version, name: g.key });
}

/** Partition count and first and last keys, from Index.db in windows. */
async function indexExtent(r: SSTableReader): Promise<{ partitions: number; first: Uint8Array | null; last: Uint8Array | null }> {
  const index = r.indexStream();
  let partitions = 0;
  let first: Uint8Array | null = null;
  let last: Uint8Array | null = null;
  for (let have = await index.fill(INDEX_WINDOW); have > 0; have = await index.fill(INDEX_WINDOW)) {
    first ??= index.at(0).key;
    last = index.at(have - 1).key;
    partitions += have;
    index.consume(have);
  }
  return { partitions, first, last };
}

async function resort(ctx: StageContext, g: SSTableGroup, r: SSTableReader, prefix: string): Promise<StagedSSTable> {
  if (r.dataLength > ctx.limits.maxResortBytes)
    throw new ImportLimitError("maxResortBytes", ctx.limits.maxResortBytes, `${shown(g.key)}: a ByteOrderedPartitioner SSTable of ${r.dataLength} bytes, re-sorted in memory,`);
  const ps = await r.partitions();
  for (const p of ps) p.token = tokenOf(p.key);
  ps.sort((a, b) => comparePartitions(a.token, a.key, b.token, b.key));
  const files = new Map<string, string>();
  const sink = new StorageSink(ctx.storage, (c) => {
    const name = `${prefix}${c}`;
    files.set(c, name);
    ctx.written.push(name);
    return name;
  });
  const info = await buildSSTable(ctx.schema, sink, {
    version: ctx.format, generation: 1, expectedKeys: ps.length, encodingStats: r.statistics.header.stats, ...sourceColumns(ctx.schema, r.statistics.header),
  }, [{ partitions: ps }]);
  info.minToken = ps.length ? ps[0].token : null;
  info.maxToken = ps.length ? ps[ps.length - 1].token : null;
  return { source: g.key, version: ctx.format, files, entry: { version: ctx.format, ...entryFields(info) } };
}

/** Copies the group's files in under `prefix`, then opens and validates them. */
export async function stageGroup(ctx: StageContext, g: SSTableGroup, prefix: string): Promise<StagedSSTable> {
  const files = new Map<string, string>();
  const sizes: Record<string, number> = {};
  for (const [c, f] of g.components) {
    const name = `${prefix}${c}`;
    sizes[c] = await copyIn(ctx, name, f.bytes((n) => ctx.onRead(n)), f.size);
    files.set(c, name);
  }
  ctx.onValidate();
  const sources: ClosableSource[] = [];
  let r: SSTableReader | null = null;
  try {
    r = await openStaged(ctx, g, files, sources);
    await validate(r);
    if (r.statistics.partitioner === BYTE_ORDERED_PARTITIONER) {
      const out = await resort(ctx, g, r, `${prefix}sorted-`);
      for (const s of sources.splice(0)) await s.close();
      for (const name of files.values()) await ctx.storage.delete(name);
      return out;
    }
    const { partitions, first, last } = await indexExtent(r);
    const st = r.statistics.stats;
    return {
      source: g.key, version: g.version, files,
      entry: {
        version: g.version, files: sizes, partitions, rows: Number(st.totalRows), dataLength: r.dataLength,
        minTimestamp: st.minTimestamp.toString(), maxTimestamp: st.maxTimestamp.toString(),
        minToken: first ? tokenOf(first).toString() : null, maxToken: last ? tokenOf(last).toString() : null,
      },
    };
  } catch (e) {
    throw typed(g, e);
  } finally {
    // what it holds in the core (its header, a kept chunk) goes with it
    r?.release();
    for (const s of sources) await s.close();
  }
}
