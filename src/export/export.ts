// Export: the table as Cassandra SSTables in Cassandra's directory layout
// (<keyspace>/<table>-<32-hex id>/<version>-<gen>-big-<Component> and a
// schema.cql), merged into one SSTable when asked, validated by re-reading,
// and zipped as a stream.
import type { Storage } from "../storage/storage.js";
import { TableSchema, CompressionOptions } from "../schema/schema.js";
import { schemaCql } from "../schema/cql.js";
import { SSTableReader } from "../sstable/reader.js";
import { SSTableInfo, SSTableExtent } from "../sstable/writer.js";
import { buildSSTable, BuildSlice } from "../sstable/build.js";
import { StorageSink } from "../sstable/storage-sink.js";
import { FormatVersion, DEFAULT_VERSION, WRITABLE } from "../sstable/version.js";
import { fileName, uniqueSSTableId, isUniqueSSTableId } from "../sstable/names.js";
import { validate } from "../tools/validate.js";
import { storageSource } from "../sstable/storage-source.js";
import { ZipStream, ChunkSink } from "./zip.js";
import { utf8 } from "../util/bytes.js";
import { CqliteError } from "../errors.js";

export interface ExportOptions {
  keyspace?: string;
  table?: string;
  /** generation of the (first) exported SSTable (Cassandra numbers; default 1) */
  generation?: number;
  /**
   * name the SSTables with Cassandra 4.1's unique, time-based identifiers
   * (`nb-3gvq_0mbz_1x5k02ad4wh0tykq6o-big-Data.db`) instead of generation
   * numbers: true makes new ones, a string is used as the (first) one. Read by
   * Cassandra 4.1 and later; format 'nb' only.
   */
  uniqueId?: boolean | string;
  /** 'nb' (Cassandra 4.x/5.0, default) or 'md' (Cassandra 3.11) */
  version?: FormatVersion;
  /** compression of the exported Data.db; default: the table's */
  compression?: Partial<CompressionOptions>;
  /** merge everything into one SSTable (default true) */
  compact?: boolean;
  /** re-read every exported file (default true) */
  validate?: boolean;
  /** stream a zip of the export to this sink */
  zip?: ChunkSink;
  /**
   * keep the exported files under export/ in the engine's storage (default:
   * only when no zip is asked for, so a zipped export does not leave a copy
   * of the whole table behind)
   */
  keep?: boolean;
  /** progress: bytes of the zip produced so far */
  onProgress?: (zipBytes: number) => void;
}

export interface ExportReport extends SSTableExtent {
  directory: string;
  files: { name: string; size: number }[];
  totalSize: number;
  zipBytes: number;
  timeMs: number;
  validated: boolean;
  /** the exported SSTables' generations (numbers, or unique identifiers) */
  generations: (number | string)[];
  /** where timeMs went: merging and writing the SSTables, re-reading them, zipping them */
  phases: { writeMs: number; validateMs: number; zipMs: number };
}

/** One exported SSTable's rows: slices in token order, for the build to merge (or merged already). */
export interface ExportPart {
  streams: AsyncIterable<BuildSlice>;
  expectedKeys: number;
  encodingStats: import("../core/descriptors.js").EncodingStats;
}

export class ExportError extends CqliteError {
  constructor(message: string) {
    super("EXPORT", message);
  }
}

/** The directory Cassandra keeps a table's SSTables in. */
export function tableDirectory(keyspace: string, table: string, id: string): string {
  return `${keyspace}/${table}-${id.replace(/-/g, "")}`;
}

/**
 * Writes each part as one SSTable into `storage` under export/<keyspace>/<table>-<id>/,
 * validates each, then zips them with schema.cql.
 */
export async function writeExport(storage: Storage, schema: TableSchema, parts: ExportPart[], o: ExportOptions): Promise<ExportReport> {
  const t0 = performance.now();
  const version = o.version ?? DEFAULT_VERSION;
  if (!WRITABLE.includes(version)) throw new ExportError(`cannot export format version '${version}'; use one of ${WRITABLE.join(", ")}`);
  const keyspace = o.keyspace ?? schema.keyspace;
  const table = o.table ?? schema.name;
  if (!/^\w{1,48}$/.test(keyspace) || !/^\w{1,48}$/.test(table)) throw new ExportError(`keyspace and table names must be 1-48 word characters ('${keyspace}'.'${table}')`);
  if (o.uniqueId && version !== "nb" && version !== "oa" && version !== "da") throw new ExportError(`unique SSTable identifiers need format 'nb', 'oa' or 'da' (Cassandra 4.1+), not '${version}'`);
  if (typeof o.uniqueId === "string" && !isUniqueSSTableId(o.uniqueId)) throw new ExportError(`'${o.uniqueId}' is not a Cassandra unique SSTable identifier (4 + 4 + 18 base-36 characters, e.g. 3gvq_0mbz_1x5k02ad4wh0tykq6o)`);
  if (o.generation !== undefined && !(Number.isSafeInteger(o.generation) && o.generation > 0)) throw new ExportError(`generation ${o.generation}: a positive integer`);
  const dir = `export/${tableDirectory(keyspace, table, schema.id)}`;
  const clear = async () => {
    for (const old of await storage.list(`${dir}/`)) await storage.delete(old);
  };
  await clear();
  const keep = o.keep ?? !o.zip;
  try {
    const report = await writeAndZip(storage, schema, parts, o, dir, version);
    report.timeMs = performance.now() - t0;
    if (!keep) await clear();
    return report;
  } catch (e) {
    // a failed export leaves nothing behind (a full disk is often why it failed)
    await clear().catch(() => undefined);
    throw e;
  }
}

async function writeAndZip(storage: Storage, schema: TableSchema, parts: ExportPart[], o: ExportOptions, dir: string, version: FormatVersion): Promise<ExportReport> {
  const compression = { ...schema.options.compression, ...o.compression };
  const generations: (number | string)[] = [];
  const nextGeneration = (i: number): number | string =>
    typeof o.uniqueId === "string" && i === 0 ? o.uniqueId : o.uniqueId ? uniqueSSTableId() : (o.generation ?? 1) + i;
  const infos: SSTableInfo[] = [];
  const validated = o.validate !== false;
  const phases = { writeMs: 0, validateMs: 0, zipMs: 0 };
  for (const [i, part] of parts.entries()) {
    const generation = nextGeneration(i);
    generations.push(generation);
    const sink = new StorageSink(storage, (c) => `${dir}/${fileName(version, generation, c)}`);
    let t = performance.now();
    const info = await buildSSTable(schema, sink, { version, generation, expectedKeys: Math.max(1, part.expectedKeys), compression, encodingStats: part.encodingStats }, part.streams);
    infos.push(info);
    phases.writeMs += performance.now() - t;
    t = performance.now();
    if (validated) await validateExported(storage, schema, version, dir, generation, info);
    phases.validateMs += performance.now() - t;
  }
  const schemaName = `${dir}/schema.cql`;
  const sf = await storage.open(schemaName, { create: true, truncate: true });
  await sf.write(0, utf8(schemaCql(schema)));
  await sf.flush();
  await sf.close();
  const files = [
    ...infos.flatMap((info) => info.files.map((f) => ({ name: `${dir}/${f.name}`, size: f.size }))),
    { name: schemaName, size: schemaCql(schema).length },
  ];
  let zipBytes = 0;
  const zipStart = performance.now();
  if (o.zip) {
    const z = new ZipStream(async (chunk, final) => {
      zipBytes += chunk.length;
      await o.zip!(chunk, final);
      o.onProgress?.(zipBytes);
    });
    for (const f of files) await z.addFile(f.name.slice("export/".length), readChunks(storage, f.name));
    await z.end();
  }
  phases.zipMs = performance.now() - zipStart;
  const min = (xs: (bigint | null)[]) => xs.reduce<bigint | null>((m, x) => (x !== null && (m === null || x < m) ? x : m), null);
  const max = (xs: (bigint | null)[]) => xs.reduce<bigint | null>((m, x) => (x !== null && (m === null || x > m) ? x : m), null);
  return {
    directory: dir.slice("export/".length),
    files: files.map((f) => ({ name: f.name.slice("export/".length), size: f.size })),
    totalSize: files.reduce((n, f) => n + f.size, 0),
    zipBytes,
    partitions: infos.reduce((n, x) => n + x.partitions, 0),
    rows: infos.reduce((n, x) => n + x.rows, 0),
    tombstones: infos.reduce((n, x) => n + x.tombstones, 0),
    minTimestamp: min(infos.map((x) => x.minTimestamp)),
    maxTimestamp: max(infos.map((x) => x.maxTimestamp)),
    minToken: min(infos.map((x) => x.minToken)),
    maxToken: max(infos.map((x) => x.maxToken)),
    timeMs: 0,
    validated,
    generations,
    phases,
  };
}

/** Re-reads one exported SSTable: every checksum, order, filter, counts. */
async function validateExported(storage: Storage, schema: TableSchema, version: FormatVersion, dir: string, generation: number | string, info: SSTableInfo): Promise<void> {
  const comps = new Map();
  const sources = [];
  for (const f of info.files) {
    const s = await storageSource(storage, `${dir}/${f.name}`);
    sources.push(s);
    comps.set(f.component, s);
  }
  try {
    const r = await SSTableReader.open(comps, { schema, version, name: `${dir}/${version}-${generation}-big` });
    const v = await validate(r).finally(() => r.release());
    if (v.partitions !== info.partitions) throw new ExportError(`validation read ${v.partitions} partitions, wrote ${info.partitions}`);
  } finally {
    for (const s of sources) await s.close();
  }
}

/** A file read in bounded chunks. */
export async function* readChunks(storage: Storage, name: string, chunk = 1 << 20): AsyncGenerator<Uint8Array> {
  const f = await storage.open(name, {});
  try {
    const size = await f.size();
    for (let off = 0; off < size; off += chunk) yield await f.read(off, Math.min(chunk, size - off));
  } finally {
    await f.close();
  }
}
