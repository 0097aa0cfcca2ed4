// Over 400 lines because streaming, the budgeted finish and the metadata components share the one core writer handle they drive.
// Writing one SSTable: partitions go to the core in batches as the row
// stream; Data.db and Index.db bytes are drained to the sink as they grow;
// Summary, Filter, Statistics, CompressionInfo/CRC, Digest and TOC follow at
// finish(). Byte-for-byte what Cassandra writes for the same input.
import { ByteReader, ByteWriter, utf8, copied, Reused } from "../util/bytes.js";
import { core, Registered } from "../core/core.js";
import { headerDescriptor, EncodingStats } from "../core/descriptors.js";
import { writePartition } from "../core/rowstream.js";
import { TableSchema, CompressionOptions, LZ4_CLASS, ZSTD_CLASS } from "../schema/schema.js";

// ZstdCompressor's level when the table does not set compression_level, and
// the levels it accepts (libzstd's ZSTD_minCLevel() to ZSTD_maxCLevel())
const ZSTD_DEFAULT_LEVEL = 3;
const ZSTD_MIN_LEVEL = -131072;
const ZSTD_MAX_LEVEL = 22;
import { className, reversedClassName, compositeClassName } from "../types/classname.js";
import { OUT_DATA, OUT_INDEX, OUT_SUMMARY, OUT_FILTER, OUT_STATS, OUT_CHUNK_OFFSETS, OUT_CHUNK_CRCS, OUT_SKETCH, KIND_INCL_START_BOUND, KIND_INCL_END_BOUND } from "../../assembly/format/constants.js";
import { Partition } from "./model.js";
import { FormatVersion, features, DEFAULT_VERSION } from "./version.js";
import { Statistics, writeStatistics, MURMUR3_PARTITIONER, BYTE_ORDERED_PARTITIONER } from "./statistics.js";
import { StatsMetadata, NO_COMMITLOG_POSITION, CommitLogPosition } from "./stats-metadata.js";
import { SerializationHeader, TIMESTAMP_EPOCH, DELETION_TIME_EPOCH, TTL_EPOCH } from "./header.js";
import { writeCompressionInfo } from "./compression.js";
import { fileName } from "./names.js";
import { tableReg } from "../core/table-reg.js";
import { mergeInto, MergedInto, MergeInput, PurgeOptions } from "../core/merge.js";
import { CqliteError } from "../errors.js";
import { requireLibzstd } from "../core/libzstd.js";
import { BtiIndexBuilder } from "./bti/index-builder.js";

/**
 * Where a writer puts component bytes: arrays the writer never touches again,
 * so a sink may keep them, unless the sink says `doneOnReturn` or `takesView`
 * (which wins when both are set).
 */
export interface ComponentSink {
  append(component: string, bytes: Uint8Array): Promise<void> | void;
  /**
   * True when append is done with `bytes` once it returns (or its promise
   * resolves): the writer then drains through one buffer it fills again,
   * where it would make a fresh one per drain.
   */
  readonly doneOnReturn?: boolean;
  /**
   * True when append copies `bytes` synchronously, before it returns (not
   * after an await) and without calling into the core: the writer then
   * passes Data.db and Index.db as views of the core's memory, which the
   * writer overwrites as soon as append returns, and saves its own copy.
   */
  readonly takesView?: boolean;
}

/**
 * Data.db and Index.db leave the core once this much has built up (and at
 * finish): storage sees few large appends, and what the core holds back is
 * bounded by this, not by the SSTable.
 */
export const DRAIN_BYTES = 1 << 20;

/** finishSteps() writes large components (Filter.db, Summary.db) this much per step. */
const FINISH_PIECE = 64 << 10;
/** What finishSteps() does next: a piece of `bytes` of a component, or the metadata. */
export interface FinishPiece {
  kind: "piece" | "meta";
  bytes: number;
}

/**
 * Components kept in memory, each in one buffer the sink copies appends into
 * (so the writer hands it views of the core's memory and copies nothing
 * itself), doubled as it fills unless a size hint made it large enough.
 */
export class MemorySink implements ComponentSink {
  readonly takesView = true;
  private readonly parts = new Map<string, { b: Uint8Array; n: number }>();
  /** `sizeHints`: bytes to set aside for a component when its first append comes */
  constructor(private readonly sizeHints: Readonly<Record<string, number>> = {}) {}
  append(component: string, bytes: Uint8Array): void {
    let p = this.parts.get(component);
    if (!p) this.parts.set(component, (p = { b: new Uint8Array(Math.max(bytes.length, this.sizeHints[component] ?? 0)), n: 0 }));
    if (p.n + bytes.length > p.b.length) {
      const b = new Uint8Array(Math.max(p.n + bytes.length, p.b.length * 2));
      b.set(p.b.subarray(0, p.n));
      p.b = b;
    }
    p.b.set(bytes, p.n);
    p.n += bytes.length;
  }
  /** The components written, in the order each was first appended to. */
  components(): string[] {
    return [...this.parts.keys()];
  }
  /** A view of the component's bytes (of a buffer up to twice as large): a later append may leave it stale. */
  get(component: string): Uint8Array | undefined {
    const p = this.parts.get(component);
    return p?.b.subarray(0, p.n);
  }
  files(version: string, generation: number | string): Map<string, Uint8Array> {
    const m = new Map<string, Uint8Array>();
    for (const c of this.parts.keys()) m.set(fileName(version, generation, c), this.get(c)!);
    return m;
  }
}

export interface WriterOptions {
  version?: FormatVersion;
  /** counter contexts carry pre-2.1 local shards (kept from a source SSTable that says so) */
  hasLegacyCounterShards?: boolean;
  generation?: number | string;
  /** compression; default: the table's */
  compression?: CompressionOptions;
  /** minimums the deltas in Data.db are taken against; default: the NO_STATS epochs */
  encodingStats?: EncodingStats;
  /** which columns the header declares (indexes into schema.columns); default: all */
  staticColumns?: number[];
  regularColumns?: number[];
  /** partitions the bloom filter is sized for; default: counted by the caller */
  expectedKeys: number;
  /** bytes of partition data per row index block (column_index_size); default the version's (64 KiB BIG, 16 KiB BTI) */
  indexBlockSize?: number;
  sstableLevel?: number;
  repairedAt?: bigint;
  originatingHostId?: Uint8Array | null;
  commitLogLowerBound?: CommitLogPosition;
  commitLogUpperBound?: CommitLogPosition;
  commitLogIntervals?: [CommitLogPosition, CommitLogPosition][];
  /** the share of the token ring the SSTable covers ('oa', 'da'), kept when re-encoding; default: not set (NaN) */
  tokenSpaceCoverage?: number;
  /** only for re-encoding Cassandra's own ByteOrderedPartitioner test tables */
  byteOrdered?: boolean;
  /** rows per batch handed to the core */
  batchBytes?: number;
  /** Data.db is counted but not written (no chunks, checksums or digest): for a writer whose statistics alone are kept (validation) */
  discardData?: boolean;
  /** simple rows (long or compact) written from the row stream's bytes (default true); false: every row decoded into the core's Row and written from it (the same bytes, slower), for tests that compare the two ways */
  simpleRows?: boolean;
  /** Data.db and Index.db go to the sink once this much waits in the core (default DRAIN_BYTES; 0: after every append, for budgeted callers whose appends are sized to a budget) */
  drainBytes?: number;
}

/** What an SSTable (or several, summed) holds: counts, and the timestamp and token ranges (null when empty). */
export interface SSTableExtent {
  partitions: number;
  rows: number;
  tombstones: number;
  minTimestamp: bigint | null;
  maxTimestamp: bigint | null;
  minToken: bigint | null;
  maxToken: bigint | null;
}

export interface SSTableInfo extends SSTableExtent {
  version: string;
  generation: number | string;
  files: { component: string; name: string; size: number }[];
  totalSize: number;
  dataLength: number;
}

export const NO_STATS: EncodingStats = { minTimestamp: TIMESTAMP_EPOCH, minLocalDeletionTime: DELETION_TIME_EPOCH, minTTL: TTL_EPOCH };

// Cassandra lists components in TOC.txt in its hash set's order; these are the orders it produced.
const TOC_ORDER_COMPRESSED = ["CompressionInfo.db", "Index.db", "TOC.txt", "Filter.db", "Summary.db", "Statistics.db", "Digest.crc32", "Data.db"];
const TOC_ORDER_PLAIN = ["Filter.db", "Data.db", "Summary.db", "TOC.txt", "CRC.db", "Index.db", "Statistics.db", "Digest.crc32"];
// BTI ('da'): as Cassandra 5.0 listed a compressed table's; CRC.db takes CompressionInfo.db's place
const TOC_ORDER_BTI = ["Data.db", "Statistics.db", "Digest.crc32", "TOC.txt", "CompressionInfo.db", "Filter.db", "Partitions.db", "Rows.db"];

export class SSTableWriter {
  private readonly w: number;
  private readonly headerReg: Registered;
  private readonly stream = new ByteWriter(1 << 16);
  private readonly opts: Required<Pick<WriterOptions, "version" | "generation" | "batchBytes" | "indexBlockSize" | "drainBytes">> & WriterOptions;
  private readonly compression: CompressionOptions;
  private readonly header: SerializationHeader;
  private sizes = new Map<string, number>();
  private readonly drainInto = new Reused();
  private minToken: bigint | null = null;
  private maxToken: bigint | null = null;
  private finished = false;
  private pending: Promise<void> = Promise.resolve();
  /** 'da': Partitions.db and Rows.db built from the core's Index.db entries, which are not written */
  private readonly bti: BtiIndexBuilder | null;

  constructor(readonly schema: TableSchema, readonly sink: ComponentSink, options: WriterOptions) {
    const version = options.version ?? DEFAULT_VERSION;
    this.opts = { generation: 1, batchBytes: 1 << 20, drainBytes: DRAIN_BYTES, ...options, version, indexBlockSize: options.indexBlockSize ?? features(version).defaultIndexBlockSize };
    this.compression = options.compression ?? schema.options.compression;
    const stats = options.encodingStats ?? NO_STATS;
    const statics = options.staticColumns ?? schema.columns.flatMap((c, i) => (c.kind === "static" ? [i] : []));
    const regulars = options.regularColumns ?? schema.columns.flatMap((c, i) => (c.kind === "regular" ? [i] : []));
    this.header = {
      stats,
      keyTypeName: schema.partitionKey.length === 1 ? className(schema.partitionKey[0].type) : compositeClassName(schema.partitionKey.map((c) => c.type)),
      clusteringTypeNames: schema.clustering.map((c) => (c.reversed ? reversedClassName(c.type) : className(c.type))),
      staticColumns: statics.map((i) => headerColumn(schema, i)),
      regularColumns: regulars.map((i) => headerColumn(schema, i)),
    };
    this.headerReg = new Registered(headerDescriptor(stats, statics, regulars), tableReg(schema));
    const f = features(this.opts.version);
    this.bti = f.trieIndexed ? new BtiIndexBuilder(schema, options.byteOrdered ?? false) : null;
    const c = this.compression;
    const chunk = c.enabled ? c.chunkLengthKb * 1024 : 65536;
    const maxCompressed = c.enabled && c.minCompressRatio > 0 ? Math.floor(chunk / c.minCompressRatio) : 0x7fffffff;
    if (c.enabled && c.className !== LZ4_CLASS && c.className !== ZSTD_CLASS) throw new CqliteError("UNSUPPORTED", `writing ${c.className} is not supported; use LZ4, Zstd or no compression`);
    const zstd = c.enabled && c.className === ZSTD_CLASS;
    const level = zstd ? Number(c.extra.compression_level ?? ZSTD_DEFAULT_LEVEL) : 0;
    if (zstd && !(Number.isInteger(level) && level >= ZSTD_MIN_LEVEL && level <= ZSTD_MAX_LEVEL))
      throw new CqliteError("INVALID", `compression_level ${c.extra.compression_level}: an integer from ${ZSTD_MIN_LEVEL} to ${ZSTD_MAX_LEVEL}`);
    if (zstd) requireLibzstd();
    const o = new ByteWriter();
    o.u8(f.oldBloomFilterFormat ? 1 : 0).u8(c.enabled ? 1 : 0).i32(chunk).i32(f.maxCompressedLength ? maxCompressed : 0x7fffffff);
    o.i32(this.opts.indexBlockSize).i32(schema.options.minIndexInterval).i64(BigInt(Math.max(1, options.expectedKeys)));
    o.f64(schema.options.bloomFilterFpChance).u8(options.byteOrdered ? 1 : 0).u8(f.uintDeletionTime ? 1 : 0).i32(f.partitionSizeBuckets).u8(zstd ? 1 : 0).i32(level).u8(options.discardData ? 1 : 0).u8(options.simpleRows === false ? 0 : 1);
    const k = core();
    const opts = o.result();
    this.w = k.call((x) => x.writerOpen(k.id(this.headerReg), k.put(opts), opts.length));
    this.coreGen = k.generation;
  }
  private coreGen: number;

  private check(): void {
    if (this.finished) throw new CqliteError("WRITER_CLOSED", "SSTable writer is finished");
    if (core().generation !== this.coreGen) throw new CqliteError("CORE_RESET", "the core was reset during this write; the SSTable is incomplete");
  }

  /** Adds partitions (in token order, each whole). */
  async append(ps: Iterable<Partition>): Promise<void> {
    this.check();
    for (const p of ps) {
      if (this.minToken === null) this.minToken = p.token;
      this.maxToken = p.token;
      writePartition(this.stream, p);
      if (this.stream.len >= this.opts.batchBytes) await this.push();
    }
  }

  /** Data.db bytes (uncompressed) written so far. */
  get dataWritten(): number {
    this.check();
    return Number(core().call((x) => x.writerDataLength(this.w)));
  }

  /** Rows written so far from the row stream's bytes rather than through the core's Row (see WriterOptions.simpleRows). */
  get simpleRowsWritten(): number {
    this.check();
    return Number(core().call((x) => x.writerSimpleRows(this.w)));
  }

  /** Adds row-stream bytes (whole records, partitions in order) as the core produced them. */
  async appendStream(bytes: Uint8Array, minToken: bigint | null, maxToken: bigint | null): Promise<void> {
    this.check();
    if (this.stream.len) await this.push();
    this.extend(minToken, maxToken);
    const k = core();
    k.call((x) => x.writerAppend(this.w, k.put(bytes), bytes.length));
    await this.drainFull();
  }

  /** appendStream of bytes valid only until their own core runs again: `view` is called and copied into this core in one step. */
  async appendView(view: () => Uint8Array, minToken: bigint | null, maxToken: bigint | null): Promise<void> {
    this.check();
    if (this.stream.len) await this.push();
    this.extend(minToken, maxToken);
    const k = core();
    k.call((x) => {
      const bytes = view();
      // the copy allocates in this core, which could move a view of its own memory
      if (bytes.buffer === x.memory.buffer) throw new CqliteError("INTERNAL", "appendView: a view of the writer's own core");
      if (bytes.length) x.writerAppend(this.w, k.put(bytes), bytes.length);
    });
    await this.drainFull();
  }

  /**
   * Merges sorted inputs of this table (row streams or Data.db) in the core
   * and appends the result there (see mergeInto): the merged rows never
   * cross to the host.
   * The tokens bound the inputs; they count only if something is written.
   */
  async appendMerged(inputs: MergeInput[], nowSeconds: number, purge: PurgeOptions | undefined, minToken: bigint | null, maxToken: bigint | null): Promise<MergedInto> {
    this.check();
    if (this.stream.len) await this.push();
    const m = mergeInto(this.schema, this.w, inputs, nowSeconds, purge);
    if (m.dataBytes > 0) this.extend(minToken, maxToken);
    await this.drainFull();
    return m;
  }

  private extend(minToken: bigint | null, maxToken: bigint | null): void {
    if (minToken !== null && this.minToken === null) this.minToken = minToken;
    if (maxToken !== null) this.maxToken = maxToken;
  }

  private async push(): Promise<void> {
    const k = core();
    const bytes = this.stream.buf.subarray(0, this.stream.len);
    k.call((x) => x.writerAppend(this.w, k.put(bytes), bytes.length));
    this.stream.len = 0;
    await this.drainFull();
  }

  /** The component files this SSTable will have, in TOC.txt's order. */
  get components(): string[] {
    const c = this.compression;
    return this.bti ? TOC_ORDER_BTI.map((x) => (x === "CompressionInfo.db" && !c.enabled ? "CRC.db" : x)) : c.enabled ? TOC_ORDER_COMPRESSED : TOC_ORDER_PLAIN;
  }

  /** Data.db and Index.db bytes waiting in the core to go to the sink. */
  get pendingBytes(): number {
    this.check();
    return core().call((x) => x.writerOutLen(this.w, OUT_DATA) + x.writerOutLen(this.w, OUT_INDEX));
  }

  /**
   * Drains up to `maxBytes` of what waits, Data.db's first: a budgeted
   * caller's unit of work, sized to what is left of its budget. Both are
   * byte streams, cut anywhere, but for BTI's index, whose builder takes
   * whole entries: it goes whole once Data.db is done.
   */
  async drainPending(maxBytes = Infinity): Promise<void> {
    this.check();
    let left = maxBytes;
    for (const [which, component] of [[OUT_DATA, "Data.db"], [OUT_INDEX, "Index.db"]] as const) {
      const len = core().call((x) => x.writerOutLen(this.w, which));
      if (len === 0) continue;
      if (len <= left || (which === OUT_INDEX && this.bti)) {
        await this.drain(which, component);
        left -= len;
      } else if (left >= 1) {
        await this.drain(which, component, Math.floor(left));
        return;
      }
      if (left <= 0) return;
    }
  }

  /** Drains Data.db and Index.db where at least drainBytes wait. */
  private async drainFull(): Promise<void> {
    const k = core();
    const at = this.opts.drainBytes;
    if (k.call((x) => x.writerOutLen(this.w, OUT_DATA)) >= at) await this.drain(OUT_DATA, "Data.db");
    if (k.call((x) => x.writerOutLen(this.w, OUT_INDEX)) >= at) await this.drain(OUT_INDEX, "Index.db");
  }

  /** An output to the sink: all of it, or its first `n` bytes, the rest staying in the core (not BTI's index: its builder takes whole entries). */
  private async drain(which: number, component: string, n?: number): Promise<void> {
    const k = core();
    const bti = which === OUT_INDEX ? this.bti : null;
    if (bti && n !== undefined) throw new CqliteError("INTERNAL", "a BTI index is drained whole");
    if (this.sink.takesView && !bti) {
      const [at, len] = k.call((x) => [x.writerOutPtr(this.w, which), n ?? x.writerOutLen(this.w, which)]);
      // the sink has copied the view when append returns (takesView); only then does the core run again
      const done = len ? this.sink.append(component, k.bytes(at, len)) : undefined;
      this.count(component, len);
      k.call((x) => (n === undefined ? x.writerOutDrained(this.w, which) : x.writerOutConsumed(this.w, which, n)));
      await done;
      return;
    }
    // a copy: the sink may still hold it when the core next runs (and moves or reuses this memory); the BTI builder keeps what it is given
    const into = this.sink.doneOnReturn && !bti ? this.drainInto : undefined;
    const bytes = k.call((x) => copied(k.bytes(x.writerOutPtr(this.w, which), n ?? x.writerOutLen(this.w, which)), into));
    k.call((x) => (n === undefined ? x.writerOutDrained(this.w, which) : x.writerOutConsumed(this.w, which, n)));
    if (bti) {
      bti.push(bytes);
      await this.appendCounted("Rows.db", bti.takeRows());
      await this.appendCounted("Partitions.db", bti.takePartitions());
      return;
    }
    await this.appendCounted(component, bytes);
  }

  private async appendCounted(component: string, bytes: Uint8Array): Promise<void> {
    this.count(component, bytes.length);
    if (bytes.length) await this.sink.append(component, bytes);
  }

  /** `n` more bytes of `component` reached the sink (finish() lists the sizes). */
  private count(component: string, n: number): void {
    this.sizes.set(component, (this.sizes.get(component) ?? 0) + n);
  }

  private take(which: number): Uint8Array {
    const k = core();
    return k.call((x) => k.bytes(x.writerOutPtr(this.w, which), x.writerOutLen(this.w, which)).slice());
  }

  /** Writes a component FINISH_PIECE bytes at a time, yielding after each piece. */
  private async *putInPieces(component: string, bytes: Uint8Array, already = 0): AsyncGenerator<FinishPiece> {
    this.sizes.set(component, already + bytes.length);
    for (let at = 0; at < bytes.length || at === 0; at += FINISH_PIECE) {
      const end = Math.min(bytes.length, at + FINISH_PIECE);
      yield { kind: "piece", bytes: end - at };
      await this.sink.append(component, bytes.subarray(at, end));
    }
  }

  private async put(component: string, bytes: Uint8Array): Promise<void> {
    this.sizes.set(component, bytes.length);
    await this.sink.append(component, bytes);
  }

  /** Writes the remaining components; returns what was written. */
  async finish(): Promise<SSTableInfo> {
    const steps = this.finishSteps();
    for (;;) {
      const r = await steps.next();
      if (r.done) return r.value;
    }
  }

  /**
   * finish() in pieces of a few milliseconds each, so a budgeted caller such
   * as compaction can stop between them; each yield names the next piece: a
   * piece of up to FINISH_PIECE bytes of a component (Summary, Filter, with
   * CompressionInfo or CRC after the last) or the metadata (Statistics,
   * Digest and TOC).
   */
  async *finishSteps(): AsyncGenerator<FinishPiece, SSTableInfo> {
    this.check();
    if (this.stream.len) await this.push();
    const k = core();
    k.call((x) => x.writerFinish(this.w));
    await this.drain(OUT_DATA, "Data.db");
    await this.drain(OUT_INDEX, "Index.db");
    const f = features(this.opts.version);
    const partitions = Number(k.call((x) => x.writerPartitions(this.w)));
    const dataLength = Number(k.call((x) => x.writerDataLength(this.w)));
    const fileLength = Number(k.call((x) => x.writerFileLength(this.w)));
    const digest = k.call((x) => x.writerDigest(this.w)) >>> 0;
    const coreStats = readCoreStats(this.take(OUT_STATS));
    const sketch = this.take(OUT_SKETCH);
    if (this.bti) {
      const rest = this.bti.finish(dataLength);
      // Rows.db exists even when no partition needed a row index
      if (!this.sizes.get("Rows.db")) await this.put("Rows.db", rest.rows);
      else await this.appendCounted("Rows.db", rest.rows);
      yield* this.putInPieces("Partitions.db", rest.partitions, this.sizes.get("Partitions.db") ?? 0);
    } else yield* this.putInPieces("Summary.db", this.take(OUT_SUMMARY));
    yield* this.putInPieces("Filter.db", this.take(OUT_FILTER));
    const c = this.compression;
    // Cassandra's ratio counts the stored chunks without their 4-byte CRCs
    let compressedBytes = fileLength;
    if (c.enabled) {
      const offs = this.take(OUT_CHUNK_OFFSETS);
      const dv = new DataView(offs.buffer, offs.byteOffset, offs.length);
      const offsets: bigint[] = [];
      for (let i = 0; i < offs.length; i += 8) offsets.push(dv.getBigInt64(i));
      compressedBytes -= 4 * offsets.length;
      const chunk = c.chunkLengthKb * 1024;
      const maxCompressed = c.minCompressRatio > 0 ? Math.floor(chunk / c.minCompressRatio) : 0x7fffffff;
      const options: Record<string, string> = { ...c.extra };
      await this.put(
        "CompressionInfo.db",
        writeCompressionInfo({ className: c.className, options, chunkLength: chunk, maxCompressedLength: maxCompressed, dataLength: BigInt(dataLength), offsets }, f),
      );
    } else {
      const crcs = this.take(OUT_CHUNK_CRCS);
      const w = new ByteWriter(4 + crcs.length);
      w.i32(65536).bytes(crcs);
      await this.put("CRC.db", w.result());
    }
    yield { kind: "meta", bytes: 0 };
    const stats: StatsMetadata = {
      partitionSizes: coreStats.partitionSizes,
      cellCounts: coreStats.cellCounts,
      commitLogUpperBound: this.opts.commitLogUpperBound ?? NO_COMMITLOG_POSITION,
      minTimestamp: coreStats.minTimestamp,
      maxTimestamp: coreStats.maxTimestamp,
      minLocalDeletionTime: f.uintDeletionTime ? unsignedLdt(coreStats.minLocalDeletionTime) : coreStats.minLocalDeletionTime,
      maxLocalDeletionTime: f.uintDeletionTime ? unsignedLdt(coreStats.maxLocalDeletionTime) : coreStats.maxLocalDeletionTime,
      minTTL: coreStats.minTTL,
      maxTTL: coreStats.maxTTL,
      compressionRatio: c.enabled && dataLength > 0 ? compressedBytes / dataLength : -1,
      tombstoneMaxBins: f.intTombstoneHistogram ? Math.min(coreStats.dropTimes.length, 100) : 100,
      tombstoneDropTimes: binDropTimes(coreStats.dropTimes, 100),
      sstableLevel: this.opts.sstableLevel ?? 0,
      repairedAt: this.opts.repairedAt ?? 0n,
      minClusteringValues: coreStats.minClustering,
      maxClusteringValues: coreStats.maxClustering,
      hasLegacyCounterShards: this.opts.hasLegacyCounterShards ?? false,
      totalColumnsSet: coreStats.totalColumnsSet,
      totalRows: coreStats.totalRows,
      commitLogLowerBound: this.opts.commitLogLowerBound ?? NO_COMMITLOG_POSITION,
      commitLogIntervals: this.opts.commitLogIntervals ?? [],
      pendingRepair: null,
      isTransient: false,
      originatingHostId: this.opts.originatingHostId ?? null,
      hasPartitionLevelDeletions: coreStats.partitionDeletions > 0n,
      coveredClustering: {
        types: this.header.clusteringTypeNames,
        start: { kind: KIND_INCL_START_BOUND, values: coreStats.minClustering },
        end: { kind: KIND_INCL_END_BOUND, values: coreStats.maxClustering },
      },
      firstKey: partitions > 0 ? coreStats.firstKey : null,
      lastKey: partitions > 0 ? coreStats.lastKey : null,
      // set by Cassandra only when a sharded compaction strategy (UCS) cuts outputs by token range
      tokenSpaceCoverage: this.opts.tokenSpaceCoverage ?? NaN,
    };
    const statistics: Statistics = {
      partitioner: this.opts.byteOrdered ? BYTE_ORDERED_PARTITIONER : MURMUR3_PARTITIONER,
      bloomFilterFpChance: this.schema.options.bloomFilterFpChance,
      cardinality: sketch,
      stats,
      header: this.header,
    };
    await this.put("Statistics.db", writeStatistics(statistics, f));
    await this.put("Digest.crc32", utf8(String(digest)));
    const order = this.components;
    await this.put("TOC.txt", utf8(order.map((x) => x + "\n").join("")));
    this.close();
    const files = order.map((component) => ({
      component,
      name: fileName(this.opts.version, this.opts.generation, component),
      size: this.sizes.get(component) ?? 0,
    }));
    return {
      version: this.opts.version,
      generation: this.opts.generation,
      files,
      totalSize: files.reduce((n, x) => n + x.size, 0),
      partitions,
      rows: Number(coreStats.totalRows),
      tombstones: Number(coreStats.tombstones),
      minTimestamp: coreStats.totalRows > 0n || partitions > 0 ? coreStats.minTimestamp : null,
      maxTimestamp: coreStats.totalRows > 0n || partitions > 0 ? coreStats.maxTimestamp : null,
      minToken: this.minToken,
      maxToken: this.maxToken,
      dataLength,
    };
  }

  /** Releases the core writer (idempotent); an unfinished SSTable is abandoned. */
  close(): void {
    if (this.finished) return;
    this.finished = true;
    const k = core();
    if (k.generation === this.coreGen) k.call((x) => x.writerClose(this.w));
    k.release(this.headerReg);
  }
}

function headerColumn(schema: TableSchema, i: number) {
  const c = schema.columns[i];
  return { name: c.name, typeName: className(c.type), type: { type: c.type, reversed: false } };
}

/** The core's statistics: the ranges StatsMetadata records, and the counts and bounds it is built from. */
interface CoreStats extends Pick<StatsMetadata, "minTimestamp" | "maxTimestamp" | "minLocalDeletionTime" | "maxLocalDeletionTime" | "minTTL" | "maxTTL"> {
  totalColumnsSet: bigint;
  totalRows: bigint;
  partitions: bigint;
  tombstones: bigint;
  partitionSizes: bigint[];
  cellCounts: bigint[];
  dropTimes: [number, number][];
  minClustering: Uint8Array[];
  maxClustering: Uint8Array[];
  partitionDeletions: bigint;
  firstKey: Uint8Array;
  lastKey: Uint8Array;
}

/** The core's statistics blob (assembly/sstable/stats.ts Stats.write). */
function readCoreStats(b: Uint8Array): CoreStats {
  const r = new ByteReader(b);
  const s = {
    minTimestamp: r.i64(), maxTimestamp: r.i64(), minLocalDeletionTime: r.i32(), maxLocalDeletionTime: r.i32(),
    minTTL: r.i32(), maxTTL: r.i32(), totalColumnsSet: r.i64(), totalRows: r.i64(), partitions: r.i64(), tombstones: r.i64(),
  };
  const hist = () => {
    const n = r.i32();
    const out: bigint[] = [];
    for (let i = 0; i < n; i++) out.push(r.i64());
    return out;
  };
  const partitionSizes = hist();
  const cellCounts = hist();
  const nd = r.i32();
  const dropTimes: [number, number][] = [];
  for (let i = 0; i < nd; i++) dropTimes.push([r.i32(), Number(r.i64())]);
  const bound = () => {
    const n = r.u8();
    const out: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const l = r.i32();
      out.push(l < 0 ? new Uint8Array(0) : r.bytes(l).slice());
    }
    return out;
  };
  const minClustering = bound();
  const maxClustering = bound();
  const partitionDeletions = r.i64();
  const firstKey = r.bytes(r.i32()).slice();
  const lastKey = r.bytes(r.i32()).slice();
  return { ...s, partitionSizes, cellCounts, dropTimes, minClustering, maxClustering, partitionDeletions, firstKey, lastKey };
}

// 'oa' keeps local deletion times unsigned, "none" being 0xffffffff where
// older versions used Integer.MAX_VALUE; the core tracks the latter.
function unsignedLdt(t: number): number {
  return t === 0x7fffffff ? -1 : t;
}

// Cassandra rounds tombstone drop times up to whole minutes before binning.
const DROP_TIME_ROUNDING = 60;

/** Streaming-histogram binning: merge the closest points until at most `max` bins remain. */
export function binDropTimes(points: [number, number][], max: number): [number, number][] {
  const merged = new Map<number, number>();
  for (const [p, c] of points) {
    const q = Math.min(0x7fffffff, Math.ceil(p / DROP_TIME_ROUNDING) * DROP_TIME_ROUNDING);
    merged.set(q, (merged.get(q) ?? 0) + c);
  }
  const bins = [...merged.entries()].sort((a, b) => a[0] - b[0]);
  while (bins.length > max) {
    let best = 0;
    for (let i = 1; i + 1 < bins.length; i++) if (bins[i + 1][0] - bins[i][0] < bins[best + 1][0] - bins[best][0]) best = i;
    const [p1, c1] = bins[best];
    const [p2, c2] = bins[best + 1];
    bins.splice(best, 2, [Math.round((p1 * c1 + p2 * c2) / (c1 + c2)), c1 + c2]);
  }
  return bins;
}
