// Export: the table as Cassandra SSTables in Cassandra's directory layout
// (<keyspace>/<table>-<32-hex id>/<version>-<gen>-big-<Component> and a
// schema.cql), merged into one SSTable when asked, validated by re-reading,
// and zipped as a stream.
import type { Storage } from "../storage/storage.js";
import { TableSchema, CompressionOptions } from "../schema/schema.js";
import { schemaCql } from "../schema/cql.js";
import { SSTableReader } from "../sstable/reader.js";
import { SSTableWriter, SSTableInfo } from "../sstable/writer.js";
import { StorageSink } from "../engine/sinks.js";
import { FormatVersion, DEFAULT_VERSION, WRITABLE } from "../sstable/version.js";
import { fileName } from "../sstable/names.js";
import { validate } from "../tools/validate.js";
import { storageSource } from "../engine/sources.js";
import { ZipStream, ChunkSink } from "./zip.js";
import { utf8 } from "../util/bytes.js";
import { CqliteError } from "../errors.js";

export interface ExportOptions {
  keyspace?: string;
  table?: string;
  /** generation of the exported SSTable (Cassandra numbers; default 1) */
  generation?: number;
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
  /** progress: bytes of the zip produced so far */
  onProgress?: (zipBytes: number) => void;
}

export interface ExportReport {
  directory: string;
  files: { name: string; size: number }[];
  totalSize: number;
  zipBytes: number;
  partitions: number;
  rows: number;
  tombstones: number;
  minTimestamp: bigint | null;
  maxTimestamp: bigint | null;
  minToken: bigint | null;
  maxToken: bigint | null;
  timeMs: number;
  validated: boolean;
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

/** Writes the merged row streams `sources` as one SSTable into `storage` under `dir`, then zips it. */
export async function writeExport(
  storage: Storage,
  schema: TableSchema,
  streams: AsyncIterable<Uint8Array>,
  expectedKeys: number,
  encodingStats: import("../core/descriptors.js").EncodingStats,
  o: ExportOptions,
): Promise<ExportReport> {
  const t0 = performance.now();
  const version = o.version ?? DEFAULT_VERSION;
  if (!WRITABLE.includes(version)) throw new ExportError(`cannot export format version '${version}'; use one of ${WRITABLE.join(", ")}`);
  const keyspace = o.keyspace ?? schema.keyspace;
  const table = o.table ?? schema.name;
  if (!/^\w{1,48}$/.test(keyspace) || !/^\w{1,48}$/.test(table)) throw new ExportError(`keyspace and table names must be 1-48 word characters ('${keyspace}'.'${table}')`);
  const dir = `export/${tableDirectory(keyspace, table, schema.id)}`;
  const generation = o.generation ?? 1;
  for (const old of await storage.list(`${dir}/`)) await storage.delete(old);
  const compression = { ...schema.options.compression, ...o.compression };
  const sink = new StorageSink(storage, (c) => `${dir}/${fileName(version, generation, c)}`);
  const w = new SSTableWriter(schema, sink, { version, generation, expectedKeys: Math.max(1, expectedKeys), compression, encodingStats });
  let info: SSTableInfo;
  try {
    for await (const s of streams) await w.appendStream(s, null, null);
    info = await w.finish();
  } finally {
    w.close();
    await sink.close();
  }
  const schemaName = `${dir}/schema.cql`;
  const sf = await storage.open(schemaName, { create: true, truncate: true });
  await sf.write(0, utf8(schemaCql(schema)));
  await sf.flush();
  await sf.close();
  let validated = false;
  if (o.validate !== false) {
    const comps = new Map();
    const sources = [];
    for (const f of info.files) {
      const s = await storageSource(storage, `${dir}/${f.name}`);
      sources.push(s);
      comps.set(f.component, s);
    }
    try {
      const r = await SSTableReader.open(comps, { schema, version, name: `${dir}/${version}-${generation}-big` });
      const v = await validate(r);
      if (v.partitions !== info.partitions) throw new ExportError(`validation read ${v.partitions} partitions, wrote ${info.partitions}`);
      validated = true;
    } finally {
      for (const s of sources) await s.close();
    }
  }
  const files = [...info.files.map((f) => ({ name: `${dir}/${f.name}`, size: f.size })), { name: schemaName, size: schemaCql(schema).length }];
  let zipBytes = 0;
  if (o.zip) {
    const z = new ZipStream(async (chunk, final) => {
      zipBytes += chunk.length;
      await o.zip!(chunk, final);
      o.onProgress?.(zipBytes);
    });
    for (const f of files) await z.addFile(f.name.slice("export/".length), readChunks(storage, f.name));
    await z.end();
  }
  return {
    directory: dir.slice("export/".length),
    files: files.map((f) => ({ name: f.name.slice("export/".length), size: f.size })),
    totalSize: files.reduce((n, f) => n + f.size, 0),
    zipBytes,
    partitions: info.partitions,
    rows: info.rows,
    tombstones: info.tombstones,
    minTimestamp: info.minTimestamp,
    maxTimestamp: info.maxTimestamp,
    minToken: info.minToken,
    maxToken: info.maxToken,
    timeMs: performance.now() - t0,
    validated,
  };
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
