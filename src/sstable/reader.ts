// Over 400 lines because opening, point lookup and scan share the reader's state (sources, index, caches); the component formats are apart.
// Reading one SSTable: open (TOC, Statistics, CompressionInfo, Summary, Filter),
// verify checksums, look partitions up by key, scan everything in token order.
// Decoding of rows happens in the core, whole partitions per call.
import { ByteReader, ByteWriter, utf8decode, invalidUtf8At, Reused, copied } from "../util/bytes.js";
import { CorruptSSTableError, SchemaError, CoreError, CqliteError } from "../errors.js";
import { core, Core, Registered, CoreExports } from "../core/core.js";
import { crc32 } from "../core/checksum.js";
import { headerDescriptor } from "../core/descriptors.js";
import { tableReg } from "../core/table-reg.js";
import { decodePartitions } from "../core/rowstream.js";
import { TableSchema, ColumnDef, defaultOptions, LZ4_CLASS } from "../schema/schema.js";
import { parseClassName, className, reversedClassName } from "../types/classname.js";
import { CqlType, typeToCql } from "../types/cqltype.js";
import { VersionFeatures, features } from "./version.js";
import { Statistics, readStatistics, MURMUR3_PARTITIONER, BYTE_ORDERED_PARTITIONER } from "./statistics.js";
import { CompressionInfo, readCompressionInfo, decompressChunk, storedUncompressed, lz4Length } from "./compression.js";
import { IndexEntry, readIndex, readIndexEntry, seekIndexEntry } from "./index-file.js";
import { IndexStream, EntryStream } from "./index-stream.js";
import { Summary, readSummary } from "./summary-file.js";
import { PartitionIndex, PartitionTarget, checkFiling } from "./bti/partition-index.js";
import { TrieEntryStream } from "./bti/entry-stream.js";
import { PagedTrie } from "./bti/trie.js";
import { readRowIndexEntry, readBlocks, TrieBlock } from "./bti/row-index.js";
import { decoratedKey } from "./bti/byte-comparable.js";
import { trieKey } from "./bti/trie-key.js";
import { BloomFilter, readFilter } from "./filter-file.js";
import { ByteSource, ComponentSources, MemorySource, readAll } from "./source.js";
import type { ReadAhead } from "./read-ahead.js";
import { I64_MIN, I64_MAX } from "../util/int64.js";
import { Partition, DeletionTime } from "./model.js";
import { tryParseFileName } from "./names.js";
import { ReadCaches, KeyPosition, chunkKey, partitionKey, indexWindowKey } from "./read-caches.js";
import { quote } from "../util/limits.js";
import type { MergeInput } from "../core/merge.js";

export interface OpenOptions {
  /** the table's schema; without it one is derived from the serialization header */
  schema?: TableSchema;
  /** name used in errors */
  name?: string;
  version?: string;
  /** caches shared with other readers (chunks, key positions); without them only the last chunk is kept */
  caches?: ReadCaches;
}


// BTI tables have no Summary.db; their readers walk Partitions.db instead
const SUMMARY_INTERVAL = 128;
const EMPTY_SUMMARY = new Summary(SUMMARY_INTERVAL, SUMMARY_INTERVAL, 0, [], new Uint8Array(0), new Uint8Array(0), false);

/** A BTI table's tries, read in place. */
interface Tries {
  partitions: PartitionIndex;
  rows: PagedTrie;
  rowsSource: ByteSource;
  byteOrdered: boolean;
}

/** Partitions per scan batch at most, whatever their bytes. */
const SCAN_WINDOW = 4096;
/** A point read reads the stretch of Index.db the summary points it at in one go up to this; past it, a piece at a time. */
const INDEX_READ_BYTES = 1 << 20;

/** Reads one SSTable (Cassandra's, `md` or `nb`, or this engine's) from its component files: scans, point lookups, checksums. */
export class SSTableReader {
  readonly features: VersionFeatures;
  private dataCache: { chunk: number; bytes: Uint8Array } | null = null;
  /**
   * The last chunk a sequential range read (inCore) decompressed, kept in
   * the core when the range ended inside it: the next range of a scan or a
   * compaction starts there. A budgeted compaction's slices are smaller than
   * a chunk, and reading, checking and decompressing it again for each came
   * to 2.4 times its input.
   */
  private carry: { chunk: number; ptr: number; gen: number } | null = null;
  private index: IndexEntry[] | null = null;
  readonly headerReg: Registered;
  /** this reader's key in the shared caches */
  private readonly cacheId: number;

  private constructor(
    readonly name: string,
    readonly version: string,
    readonly components: ComponentSources,
    readonly schema: TableSchema,
    readonly statistics: Statistics,
    readonly compression: CompressionInfo | null,
    /** empty for BTI tables */
    readonly summary: Summary,
    readonly filter: BloomFilter,
    readonly dataLength: number,
    private readonly caches: ReadCaches | null = null,
    /** BTI ('da'): Partitions.db and Rows.db in place of Index.db and Summary.db */
    private readonly tries: Tries | null = null,
  ) {
    this.cacheId = caches?.readerId() ?? 0;
    this.features = features(version);
    this.headerReg = new Registered(
      headerDescriptor(statistics.header.stats, ...headerColumns(schema, statistics, name)),
      tableReg(schema),
    );
  }

  /** Frees what the reader holds in the core (its header); the component sources are the opener's to close. */
  release(): void {
    const k = core();
    k.release(this.headerReg);
    if (this.carry && this.carry.gen === k.generation) k.exports.free(this.carry.ptr);
    this.carry = null;
  }

  /** Opens from component sources; `version` defaults to the one in the names. */
  static async open(components: ComponentSources, opts: OpenOptions = {}): Promise<SSTableReader> {
    const name = opts.name ?? "sstable";
    const version = opts.version ?? "nb";
    const f = features(version);
    const file = (c: string) => `${name}/${c}`;
    const need = (c: string): ByteSource => {
      const s = components.get(c);
      if (!s) throw new CorruptSSTableError(file(c), 0, "component missing", "MISSING_COMPONENT");
      return s;
    };
    const toc = components.get("TOC.txt");
    if (toc) {
      const listed = textOf(await readAll(toc), file("TOC.txt")).split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
      for (const c of listed) if (!components.has(c)) throw new CorruptSSTableError(file(quote(c)), 0, "listed in TOC.txt but missing", "MISSING_COMPONENT");
    }
    const indexes = f.trieIndexed ? ["Partitions.db"] : ["Index.db", "Summary.db"];
    for (const c of ["Data.db", "Statistics.db", "Filter.db", ...indexes]) need(c);
    const statistics = readStatistics(await readAll(need("Statistics.db")), f, file("Statistics.db"));
    if (statistics.partitioner !== MURMUR3_PARTITIONER && statistics.partitioner !== BYTE_ORDERED_PARTITIONER)
      throw new CorruptSSTableError(file("Statistics.db"), 0, `partitioner ${statistics.partitioner} is not supported (Murmur3Partitioner, ByteOrderedPartitioner)`, "UNSUPPORTED");
    const schema = opts.schema ? checkSchema(opts.schema, statistics, name) : schemaFromHeader(statistics);
    const ci = components.get("CompressionInfo.db");
    const compression = ci ? readCompressionInfo(await readAll(ci), f, file("CompressionInfo.db")) : null;
    const data = need("Data.db");
    const dataLength = compression ? Number(compression.dataLength) : data.size;
    if (compression) {
      const last = compression.offsets.at(-1);
      if (last !== undefined && Number(last) >= data.size)
        throw new CorruptSSTableError(file("Data.db"), data.size, "shorter than CompressionInfo.db says", "TRUNCATED");
    }
    const byteOrdered = statistics.partitioner === BYTE_ORDERED_PARTITIONER;
    const filterBytes = await readAll(need("Filter.db"));
    let filter = readFilter(filterBytes, f, file("Filter.db"));
    if (f.trieIndexed) {
      const partitions = await PartitionIndex.open(need("Partitions.db"), file("Partitions.db"));
      const rowsSource = components.get("Rows.db") ?? new MemorySource(new Uint8Array(0));
      const tries = { partitions, rows: new PagedTrie(rowsSource, file("Rows.db"), rowsSource.size), rowsSource, byteOrdered };
      return new SSTableReader(name, version, components, schema, statistics, compression, EMPTY_SUMMARY, filter, dataLength, opts.caches ?? null, tries);
    }
    const summary = readSummary(await readAll(need("Summary.db")), file("Summary.db"), byteOrdered, need("Index.db").size, file("Index.db"));
    if (f.version === "na") filter = await naFilter(filter, filterBytes, need("Index.db"), file("Filter.db"));
    return new SSTableReader(name, version, components, schema, statistics, compression, summary, filter, dataLength, opts.caches ?? null);
  }

  /** Opens from a name → bytes map such as a directory listing or a zip. */
  static async openFiles(files: Map<string, Uint8Array>, opts: OpenOptions = {}): Promise<SSTableReader> {
    const comps: ComponentSources = new Map();
    let version = opts.version;
    let gen = "";
    let format = "big";
    for (const [n, b] of files) {
      const p = tryParseFileName(n);
      if (!p) continue;
      version ??= p.version;
      gen ||= p.generation;
      format = p.format;
      comps.set(p.component, new MemorySource(b));
    }
    return SSTableReader.open(comps, { ...opts, version, name: opts.name ?? `${version}-${gen}-${format}` });
  }

  private file(c: string): string {
    return `${this.name}/${c}`;
  }

  /**
   * BTI: the key and Data.db position a Partitions.db entry leads to (its
   * Rows.db entry, or the partition's head); for a target from a walk that
   * tracked its path, proved to be where a lookup of that key stops.
   */
  private async resolve(t: PartitionTarget): Promise<IndexEntry> {
    const tries = this.tries!;
    if (t.rowIndexPosition !== null) {
      const e = await readRowIndexEntry(tries.rowsSource, t.rowIndexPosition, this.file("Rows.db"));
      if (e.dataPosition >= this.dataLength) throw new CorruptSSTableError(this.file("Rows.db"), t.rowIndexPosition, `partition position ${e.dataPosition} past the data (${this.dataLength} bytes)`);
      if (t.filed) this.checkFiled(t, e.key);
      // marked as row-indexed; `offset` is where its Rows.db entry is (trieRowIndex reads it)
      return { key: e.key, position: e.dataPosition, promoted: ROW_INDEXED, offset: t.rowIndexPosition };
    }
    const position = t.dataPosition!;
    if (position >= this.dataLength) throw new CorruptSSTableError(this.file("Partitions.db"), t.node, `partition position ${position} past the data (${this.dataLength} bytes)`);
    // the head and a short key in one read; a longer key in a second
    let head = await this.dataRange(position, Math.min(this.dataLength, position + 2 + KEY_GUESS));
    if (head.length < 2) throw new CorruptSSTableError(this.file("Data.db"), position, "partition past the end of the data", "TRUNCATED");
    const len = (head[0] << 8) | head[1];
    if (position + 2 + len > this.dataLength) throw new CorruptSSTableError(this.file("Data.db"), position, `key of ${len} bytes past the end of the data`, "TRUNCATED");
    if (head.length < 2 + len) head = await this.dataRange(position, position + 2 + len);
    const key = head.slice(2, 2 + len);
    if (t.filed) this.checkFiled(t, key);
    return { key, position, promoted: NO_PROMOTED, offset: t.node };
  }

  /** BTI, validation: a lookup of the key a walk found at `t` must reach `t` (checkFiling in partition-index.ts). */
  private checkFiled(t: PartitionTarget, key: Uint8Array): void {
    const { bc, hashByte } = this.trieKey(key);
    checkFiling(t, bc, hashByte, this.file("Partitions.db"));
  }

  /** BTI: the byte-comparable key and hash byte Partitions.db files a key under. */
  private trieKey(key: Uint8Array): { bc: Uint8Array; hashByte: number } {
    return trieKey(key, this.tries!.byteOrdered);
  }

  // BTI: follow the key through Partitions.db; the next entry says where the partition ends
  private async searchTries(key: Uint8Array): Promise<KeyPosition | null> {
    const { bc, hashByte } = this.trieKey(key);
    const found = await this.tries!.partitions.lookup(bc, hashByte);
    if (!found) return null;
    const entry = await this.resolve(found.target);
    if (!bytesEqual(entry.key, key)) return null;
    // where the next partition starts: in its payload, or in its Rows.db entry
    const n = found.next;
    const next = !n ? this.dataLength : n.dataPosition ?? (await readRowIndexEntry(this.tries!.rowsSource, n.rowIndexPosition!, this.file("Rows.db"))).dataPosition;
    if (next <= entry.position) throw new CorruptSSTableError(this.file("Partitions.db"), found.target.node, `the next partition is at ${next}, not after ${entry.position}`);
    return { entry, next };
  }

  /**
   * The uncompressed Data.db bytes in [start, end). `fillCache` false keeps
   * a scan's chunks out of the shared chunk cache, so one pass over a table
   * does not push out what point reads keep hot; such a read of LZ4 chunks
   * goes through `ahead` when given (a walk's reads, served ahead of them).
   */
  async dataRange(start: number, end: number, fillCache = true, into?: Reused, ahead?: ReadAhead): Promise<Uint8Array> {
    if (start < 0 || end > this.dataLength || end < start)
      throw new CorruptSSTableError(this.file("Data.db"), start, `range ${start}-${end} outside the data (${this.dataLength} bytes)`);
    const data = this.components.get("Data.db")!;
    const c = this.compression;
    if (!c) {
      await this.verifyPlainChunks(start, end);
      const b = await data.read(start, end - start);
      if (b.length !== end - start) throw new CorruptSSTableError(this.file("Data.db"), start + b.length, "truncated", "TRUNCATED");
      return b;
    }
    // a range read once (scans, compaction) is decompressed in the core and copied out once
    const within = this.dataCache && Math.floor(start / c.chunkLength) === this.dataCache.chunk && Math.floor((end - 1) / c.chunkLength) === this.dataCache.chunk;
    if (!fillCache && this.lz4 && end > start && !within) return this.inCore(start, end, (_x, at, k) => copied(k.bytes(at, end - start), into), (e) => e, true, ahead);
    const out = new Uint8Array(end - start);
    const len = c.chunkLength;
    for (let chunk = Math.floor(start / len); chunk * len < end; chunk++) {
      const bytes = await this.chunk(chunk, fillCache);
      const from = Math.max(start, chunk * len);
      const to = Math.min(end, chunk * len + bytes.length);
      out.set(bytes.subarray(from - chunk * len, to - chunk * len), from - start);
    }
    return out;
  }

  private crcs: Uint32Array | null | undefined;
  private crcChunk = 65536;
  private verified = new Set<number>();

  // Uncompressed tables carry CRC.db: chunks are verified before their bytes
  // are decoded, so a flipped bit is an error rather than a wrong value.
  private async verifyPlainChunks(start: number, end: number): Promise<void> {
    if (this.crcs === undefined) {
      const src = this.components.get("CRC.db");
      this.crcs = null;
      if (src) {
        const b = await readAll(src);
        if (b.length < 4) throw new CorruptSSTableError(this.file("CRC.db"), 0, "truncated", "TRUNCATED");
        const dv = new DataView(b.buffer, b.byteOffset, b.length);
        this.crcChunk = dv.getInt32(0);
        if (this.crcChunk <= 0) throw new CorruptSSTableError(this.file("CRC.db"), 0, `bad chunk size ${this.crcChunk}`);
        const n = Math.floor((b.length - 4) / 4);
        this.crcs = new Uint32Array(n);
        for (let i = 0; i < n; i++) this.crcs[i] = dv.getUint32(4 + i * 4);
      }
    }
    if (!this.crcs) return;
    const data = this.components.get("Data.db")!;
    for (let i = Math.floor(start / this.crcChunk); i * this.crcChunk < end; i++) {
      if (this.verified.has(i)) continue;
      if (i >= this.crcs.length) throw new CorruptSSTableError(this.file("CRC.db"), 4 + i * 4, `no checksum for chunk ${i}`, "TRUNCATED");
      const from = i * this.crcChunk;
      const bytes = await data.read(from, Math.min(this.crcChunk, data.size - from));
      if (crc32(bytes) !== this.crcs[i]) throw new CorruptSSTableError(this.file("Data.db"), from, `checksum mismatch (CRC.db entry ${i})`, "CHECKSUM");
      this.verified.add(i);
    }
  }

  private async chunk(i: number, shared: boolean): Promise<Uint8Array> {
    if (this.dataCache?.chunk === i) return this.dataCache.bytes;
    const cache = shared ? this.caches?.chunks : undefined;
    const hit = cache?.get(chunkKey(this.cacheId, i));
    if (hit) return hit;
    const c = this.compression!;
    const off = this.chunkOffset(i);
    const next = this.chunkOffset(i + 1);
    if (next - off < 4) throw new CorruptSSTableError(this.file("Data.db"), off, "chunk shorter than its checksum", "TRUNCATED");
    const raw = await this.components.get("Data.db")!.read(off, next - off);
    if (raw.length !== next - off) throw new CorruptSSTableError(this.file("Data.db"), off + raw.length, "truncated chunk", "TRUNCATED");
    const stored = this.storedChunk(raw, off, i);
    const ulen = Math.min(c.chunkLength, this.dataLength - i * c.chunkLength);
    const bytes = decompressChunk(c, stored, ulen, this.file("Data.db"), off, i);
    if (bytes.length !== ulen) throw new CorruptSSTableError(this.file("Data.db"), off, `chunk ${i} decompressed to ${bytes.length} bytes, expected ${ulen}`);
    this.dataCache = { chunk: i, bytes };
    cache?.set(chunkKey(this.cacheId, i), bytes, bytes.length);
    return bytes;
  }

  /** Where chunk `i` of Data.db starts; the file's size for the chunk after the last. */
  private chunkOffset(i: number): number {
    const c = this.compression!;
    return i < c.offsets.length ? Number(c.offsets[i]) : this.components.get("Data.db")!.size;
  }

  /** Chunk `i`'s stored bytes, without its trailing CRC, which is checked; `raw` holds Data.db from `from` through the chunk. */
  private storedChunk(raw: Uint8Array, from: number, i: number): Uint8Array {
    const off = this.chunkOffset(i) - from, next = this.chunkOffset(i + 1) - from;
    if (next - off < 4) throw new CorruptSSTableError(this.file("Data.db"), from + off, "chunk shorter than its checksum", "TRUNCATED");
    const stored = raw.subarray(off, next - 4);
    if (crc32(stored) !== new DataView(raw.buffer, raw.byteOffset + next - 4, 4).getUint32(0))
      throw new CorruptSSTableError(this.file("Data.db"), from + off, `chunk ${i} checksum mismatch`, "CHECKSUM");
    return stored;
  }

  /**
   * Index.db streamed in bounded pieces, from the start or from near a
   * position (at or before it). A position need not be a partition's: a
   * token range starts at its token with the empty key, whose own hash is
   * another token, so a given token is used as it is. With `checkFiling`
   * (validation), a BTI table's entries are each proved to be where a
   * lookup of their key would find them (checkFiling in partition-index.ts).
   */
  indexStream(near?: { key: Uint8Array; token?: bigint }, opts?: { checkFiling?: boolean }): EntryStream {
    // a position past the 64-bit range (a query's token bound may be one) starts at the nearer end; the walk passes over what lies before it
    const t = near?.token;
    if (near && t !== undefined && (t < I64_MIN || t > I64_MAX)) near = t < I64_MIN ? undefined : { key: near.key, token: I64_MAX };
    if (this.tries) {
      const bc = !near ? undefined : near.token === undefined || this.tries.byteOrdered ? this.trieKey(near.key).bc : decoratedKey(near.token, near.key);
      // each target then carries its path, which resolve checks against the key it finds
      const targets = this.tries.partitions.targets(bc, opts?.checkFiling === true);
      return new TrieEntryStream(targets, (t) => this.resolve(t), this.file("Partitions.db"));
    }
    const idx = this.components.get("Index.db")!;
    const token = near && (near.token === undefined || this.summary.byteOrdered ? this.summary.tokenOf(near.key) : near.token);
    const start = near ? this.summary.indexRange(token!, near.key, idx.size)[0] : 0;
    return new IndexStream(idx, this.file("Index.db"), start);
  }

  /** Partitions, exactly: the partition size histogram in Statistics.db counts each once. */
  get partitionCount(): number {
    return Number(this.statistics.stats.partitionSizes.reduce((n, c) => n + c, 0n));
  }

  async indexEntries(): Promise<IndexEntry[]> {
    if (!this.index && this.tries) {
      const out: IndexEntry[] = [];
      const s = this.indexStream();
      while ((await s.fill(1)) > 0) {
        out.push(s.at(0));
        s.consume(1);
      }
      this.index = out;
    }
    if (!this.index) this.index = readIndex(await readAll(this.components.get("Index.db")!), this.file("Index.db"));
    return this.index;
  }

  /** Decodes uncompressed Data.db bytes holding whole partitions into the row stream. */
  decodeStream(bytes: Uint8Array, at: number): Uint8Array {
    const k = core();
    try {
      return k.call((x) => {
        const hid = k.id(this.headerReg);
        const p = k.put(bytes);
        x.decodeData(hid, p, bytes.length, this.features.uintDeletionTime ? 1 : 0);
        return k.takeResult();
      });
    } catch (e) {
      if (e instanceof CoreError) throw this.undecodable(e, at);
      throw e;
    }
  }

  /**
   * decodeStream over consecutive ranges of `bytes` (Data.db from `at`), in
   * one core call, each range decoded on its own so each must hold whole
   * partitions: range i is [cuts[i], cuts[i + 1]). A range that does not
   * throws `failed(i, error)`. The streams follow one another, copied into
   * `into` when given.
   */
  decodeRanges(bytes: Uint8Array, at: number, cuts: Int32Array, n: number, failed: (range: number, e: CorruptSSTableError) => Error, into?: Reused): Uint8Array {
    const k = core();
    let range = -1;
    try {
      return k.call((x) => {
        const hid = k.id(this.headerReg);
        const p = k.putOwned(bytes);
        const c = k.putOwned(new Uint8Array(cuts.buffer, cuts.byteOffset, (n + 1) * 4));
        try {
          x.decodeDataRanges(hid, p, c, n, this.features.uintDeletionTime ? 1 : 0);
          return k.takeResult(into);
        } catch (e) {
          range = x.decodeFailedRange();
          throw e;
        } finally {
          x.free(c);
          x.free(p);
        }
      });
    } catch (e) {
      if (e instanceof CoreError && range >= 0) throw failed(range, this.undecodable(e, at + cuts[range]));
      throw e;
    }
  }

  /**
   * Data.db's [start, end), whole partitions, as the row stream: what
   * decodeStream(dataRange(...)) gives, for scans, decoded from the chunks
   * where the core decompressed them (inCore). With `into`, the stream is
   * copied there (see Core.takeResult).
   */
  async streamRange(start: number, end: number, into?: Reused, ahead?: ReadAhead): Promise<Uint8Array> {
    if (!this.lz4 || end <= start) return this.decodeStream(await this.dataRange(start, end, false), start);
    return this.inCore(start, end, (x, at, k) => {
      x.decodeData(k.id(this.headerReg), at, end - start, this.features.uintDeletionTime ? 1 : 0);
      return k.takeResult(into);
    }, (e) => this.undecodable(e, start), true, ahead);
  }

  private get lz4(): boolean {
    return this.compression?.className === LZ4_CLASS;
  }

  /**
   * Runs `use` over Data.db's [start, end) decompressed in core memory
   * (`at`). The range's LZ4 chunks are read in one call (into a reused buffer
   * where the storage can read into one), checked and
   * decompressed inside the core, so no decompressed chunk and no joined
   * range becomes a host ArrayBuffer: a fresh ArrayBuffer costs a Chromium
   * worker 10-20 ms per MB (measured here), against 0.05 ms per MB to copy
   * into one that exists, and a scan or a compaction made three per byte of
   * data. The chunk cache is left alone. `undecodable` maps a core error
   * raised by `use`. `sequential`: the range's first chunk may be the one
   * the last such read kept (carry), and its last is kept in turn. `ahead`:
   * the caller's walk, whose reads it serves ahead of them.
   */
  private async inCore<T>(start: number, end: number, use: (x: CoreExports, at: number, k: Core) => T, undecodable: (e: CoreError) => Error, sequential = false, ahead?: ReadAhead): Promise<T> {
    const file = this.file("Data.db");
    if (start < 0 || end > this.dataLength) throw new CorruptSSTableError(file, start, `range ${start}-${end} outside the data (${this.dataLength} bytes)`);
    const data = this.components.get("Data.db")!;
    const len = this.compression!.chunkLength;
    const first = Math.floor(start / len), last = Math.floor((end - 1) / len);
    const keep = sequential && end < last * len + Math.min(len, this.dataLength - last * len);
    for (;;) {
      const carried = sequential && this.carries(first);
      // a carried first chunk is not read again
      const from = this.chunkOffset(carried ? first + 1 : first);
      const n = this.chunkOffset(last + 1) - from;
      const viaAhead = ahead?.takes(n) ?? false;
      const spare = !viaAhead && data.readInto ? takeSpare(n) : null;
      try {
        const raw = viaAhead ? await ahead!.read(data, from, n) : spare ? spare.subarray(0, await data.readInto!(from, spare.subarray(0, n))) : await data.read(from, n);
        if (raw.length !== n) throw new CorruptSSTableError(file, from + raw.length, "truncated chunk", "TRUNCATED");
        // while it read, the core may have been discarded, or another cursor made another chunk the carry: read the range whole
        if (carried && !this.carries(first)) continue;
        return this.decompressed(raw, from, first, last, (x, dst, k) => use(x, dst + (start - first * len), k), undecodable, sequential ? { carried, keep } : null);
      } finally {
        if (spare) giveSpare(spare);
      }
    }
  }

  /** Whether the carry holds `chunk` in the core as it is now (a discarded core is replaced first, as its next call would). */
  private carries(chunk: number): boolean {
    const k = core();
    void k.exports;
    return this.carry !== null && this.carry.chunk === chunk && this.carry.gen === k.generation;
  }

  /**
   * inCore's work once chunks `first` to `last` are in `raw` (Data.db from
   * `from`; without `first` when the carry holds it): `use` gets where the
   * first one was decompressed to. `keep`: the last chunk becomes the carry.
   */
  private decompressed<T>(raw: Uint8Array, from: number, first: number, last: number, use: (x: CoreExports, dst: number, k: Core) => T, undecodable: (e: CoreError) => Error, carry: { carried: boolean; keep: boolean } | null = null): T {
    const c = this.compression!;
    const file = this.file("Data.db");
    const len = c.chunkLength;
    const k = core();
    let chunk = first;
    let using = false;
    try {
      return k.call((x) => {
        const src = k.putOwned(raw);
        const dst = x.alloc((last - first + 1) * len);
        try {
          if (carry?.carried) {
            const ulen = Math.min(len, this.dataLength - first * len);
            k.bytes(dst, ulen).set(k.bytes(this.carry!.ptr, ulen));
            chunk++;
          }
          for (; chunk <= last; chunk++) {
            const stored = this.storedChunk(raw, from, chunk);
            const off = stored.byteOffset - raw.byteOffset;
            const ulen = Math.min(len, this.dataLength - chunk * len);
            const at = dst + (chunk - first) * len;
            if (storedUncompressed(c, stored)) {
              if (stored.length !== ulen) throw new CorruptSSTableError(file, from + off, `chunk ${chunk} holds ${stored.length} bytes, expected ${ulen}`);
              k.bytes(at, ulen).set(stored);
            } else x.lz4Decompress(src + off + 4, stored.length - 4, at, lz4Length(stored, ulen, file, from + off));
          }
          if (carry) this.keepCarry(x, k, carry.keep ? last : -1, dst + (last - first) * len);
          using = true;
          return use(x, dst, k);
        } finally {
          x.free(dst);
          x.free(src);
        }
      });
    } catch (e) {
      if (!(e instanceof CoreError)) throw e;
      if (using) throw undecodable(e);
      throw new CorruptSSTableError(file, this.chunkOffset(chunk) + 4 + e.offset, `corrupt LZ4 chunk ${chunk}`);
    }
  }

  /** Makes chunk `chunk` (decompressed at `at`) the carry, or drops the carry when `chunk` is -1. */
  private keepCarry(x: CoreExports, k: Core, chunk: number, at: number): void {
    const len = this.compression!.chunkLength;
    let c = this.carry;
    if (c && c.gen !== k.generation) c = this.carry = null;
    if (chunk < 0) {
      if (c) c.chunk = -1;
      return;
    }
    if (!c) c = this.carry = { chunk: -1, ptr: x.alloc(len), gen: k.generation };
    const ulen = Math.min(len, this.dataLength - chunk * len);
    k.bytes(c.ptr, ulen).set(k.bytes(at, ulen));
    c.chunk = chunk;
  }

  /** Whole partitions of uncompressed Data.db from `at`, undecoded: the core decodes them where it merges them (compaction). */
  dataInput(bytes: Uint8Array, at: number): MergeInput {
    return { bytes, data: { header: this.headerReg, uintDeletion: this.features.uintDeletionTime, corrupt: (e) => this.undecodable(e, at) } };
  }

  private undecodable(e: CoreError, at: number): CorruptSSTableError {
    return new CorruptSSTableError(this.file("Data.db"), at + e.offset, `undecodable partition data (${e.code})`);
  }

  /** Where one partition is (its Index.db entry and where it ends in Data.db), or null: bloom filter, key cache, Summary, Index. */
  async locate(key: Uint8Array): Promise<KeyPosition | null> {
    if (!this.filter.mightContain(key)) return null;
    return this.findIndexEntry(key);
  }

  /** The whole partition at a located position, as a row stream. */
  async streamAt(pos: KeyPosition): Promise<Uint8Array> {
    return this.decodeStream(await this.dataRange(pos.entry.position, pos.next), pos.entry.position);
  }

  /** BTI: per partition with a Rows.db index, the widths of its blocks but the last (what the writer's block size was). */
  async *trieBlockWidths(): AsyncGenerator<number[]> {
    const tries = this.tries;
    if (!tries) return;
    for await (const t of tries.partitions.targets()) {
      if (t.rowIndexPosition === null) continue;
      const e = await readRowIndexEntry(tries.rowsSource, t.rowIndexPosition, this.file("Rows.db"));
      const { blocks } = await readBlocks(tries.rows, e);
      const widths: number[] = [];
      for (let i = 0; i + 1 < blocks.length; i++) widths.push(blocks[i + 1].offset - blocks[i].offset);
      yield widths;
    }
  }

  /**
   * BTI: a located wide partition's blocks as Rows.db files them (each
   * under its separator, with its offset from the partition's start and the
   * deletion open at its start), and where its rows end.
   */
  async trieRowIndex(pos: KeyPosition): Promise<{ blocks: TrieBlock[]; end: number; endSeparator: Uint8Array; deletion: DeletionTime }> {
    const tries = this.tries;
    const { entry, next } = pos;
    if (!tries || entry.promoted.length === 0) throw new CqliteError("INTERNAL", `${this.name}: no Rows.db index for the partition at ${entry.position}`);
    const e = await readRowIndexEntry(tries.rowsSource, entry.offset, this.file("Rows.db"));
    if (e.dataPosition !== entry.position) throw new CorruptSSTableError(this.file("Rows.db"), entry.offset, `row index entry for Data.db ${e.dataPosition}, its partition is at ${entry.position}`);
    const r = await readBlocks(tries.rows, e);
    if (r.blocks[0].offset <= 2 + entry.key.length) throw new CorruptSSTableError(this.file("Rows.db"), e.root, `the first block starts at ${r.blocks[0].offset}, inside the partition's key`);
    if (entry.position + r.end >= next) throw new CorruptSSTableError(this.file("Rows.db"), entry.offset, `row index ends at ${entry.position + r.end}, past its partition (${next})`);
    return { ...r, deletion: e.deletion };
  }

  /** Bytes of a partition's key and deletion at the start of its Data.db bytes ('oa' and 'da' write a live deletion as one byte). */
  keyAndDeletionLength(header: Uint8Array, key: Uint8Array): number {
    const at = 2 + key.length;
    return this.features.uintDeletionTime && header[at] === 0x80 ? at + 1 : at + 12;
  }

  /**
   * Data.db in runs of whole partitions of about `batchBytes`, with their
   * index entries. Index.db is walked in windows, never loaded whole, so a
   * scan's memory does not grow with the SSTable.
   */
  private async *batches(batchBytes: number): AsyncGenerator<{ start: number; end: number; entries: IndexEntry[] }> {
    const index = this.indexStream();
    for (;;) {
      if ((await index.fill(1)) === 0) return;
      const start = index.positionAt(0);
      let j = 1;
      let end = this.dataLength;
      for (;;) {
        if ((await index.fill(j + 1)) <= j) break; // the last entries: Data.db runs to its end
        const at = index.positionAt(j);
        if (at - start >= batchBytes || j >= SCAN_WINDOW) {
          end = at;
          break;
        }
        j++;
      }
      const entries: IndexEntry[] = [];
      for (let k = 0; k < j; k++) entries.push(index.at(k));
      index.consume(j);
      yield { start, end, entries };
    }
  }

  /** The whole SSTable as row-stream slices of about `batchBytes` of Data.db each. */
  async *scanStreams(batchBytes = 1 << 20): AsyncGenerator<Uint8Array> {
    for await (const b of this.batches(batchBytes)) yield this.decodeStream(await this.dataRange(b.start, b.end), b.start);
  }

  /** Decodes uncompressed Data.db bytes holding whole partitions. */
  decode(bytes: Uint8Array, at: number): Partition[] {
    return decodePartitions(this.decodeStream(bytes, at));
  }

  /** Every partition, in token order, decoded in batches of about `batchBytes`. */
  async *scan(batchBytes = 1 << 20): AsyncGenerator<Partition> {
    for await (const { start, end, entries } of this.batches(batchBytes)) {
      const ps = this.decode(await this.dataRange(start, end), start);
      if (ps.length !== entries.length) throw new CorruptSSTableError(this.file("Data.db"), start, `expected ${entries.length} partitions, decoded ${ps.length}`);
      for (let k = 0; k < ps.length; k++) {
        if (!bytesEqual(ps[k].key, entries[k].key)) throw new CorruptSSTableError(this.file("Data.db"), entries[k].position, "partition key differs from Index.db");
        yield ps[k];
      }
    }
  }

  async partitions(): Promise<Partition[]> {
    const out: Partition[] = [];
    for await (const p of this.scan()) out.push(p);
    return out;
  }

  /** Looks one partition up: bloom filter, then Summary, then Index, then Data. */
  async get(key: Uint8Array): Promise<Partition | null> {
    const pos = await this.locate(key);
    if (!pos) return null;
    const { entry, next } = pos;
    const ps = this.decode(await this.dataRange(entry.position, next), entry.position);
    if (ps.length !== 1 || !bytesEqual(ps[0].key, key)) throw new CorruptSSTableError(this.file("Data.db"), entry.position, "partition key differs from Index.db");
    return ps[0];
  }

  private async findIndexEntry(key: Uint8Array): Promise<KeyPosition | null> {
    const keys = this.caches?.keys;
    const ck = keys ? partitionKey(this.cacheId, key) : 0;
    const hit = keys?.get(ck);
    if (hit && bytesEqual(hit.entry.key, key)) return hit;
    const found = this.tries ? await this.searchTries(key) : await this.searchIndex(key);
    if (found && keys) keys.set(ck, found, this.caches!.keyWeight(found));
    return found;
  }

  /**
   * A stretch of Index.db too long to read at once (a summary sampled
   * sparsely, or not at all), walked a piece at a time for `key`.
   */
  private async walkIndex(key: Uint8Array, from: number, to: number): Promise<KeyPosition | null> {
    const s = new IndexStream(this.components.get("Index.db")!, this.file("Index.db"), from);
    while ((await s.fill(2)) > 0) {
      const e = s.at(0);
      if (e.offset >= to) return null;
      if (bytesEqual(e.key, key)) return { entry: e, next: s.buffered > 1 ? s.positionAt(1) : this.dataLength };
      s.consume(1);
    }
    return null;
  }

  // Summary, then the stretch of Index.db it points at
  private async searchIndex(key: Uint8Array): Promise<KeyPosition | null> {
    const token = this.summary.tokenOf(key);
    const idx = this.components.get("Index.db")!;
    const [from, to, window] = this.summary.indexRange(token, key, idx.size);
    if (to - from > INDEX_READ_BYTES) return this.walkIndex(key, from, to);
    const cache = this.caches?.chunks;
    const wk = indexWindowKey(this.cacheId, window);
    let bytes = window >= 0 ? cache?.get(wk) : undefined;
    if (!bytes) {
      bytes = await idx.read(from, to - from);
      if (bytes.length !== to - from) throw new CorruptSSTableError(this.file("Index.db"), from + bytes.length, "truncated", "TRUNCATED");
      if (window >= 0) cache?.set(wk, bytes, bytes.length);
    }
    const r = new ByteReader(bytes, (off, what) => {
      throw new CorruptSSTableError(this.file("Index.db"), from + off, what);
    });
    r.pos = seekIndexEntry(bytes, key, r.onError);
    if (r.pos < 0) return null;
    const e = readIndexEntry(r);
    let next = this.dataLength;
    if (r.remaining > 0) next = readIndexEntry(r).position;
    else if (to < idx.size) {
      const more = await idx.read(to, Math.min(idx.size - to, 65536 + 16));
      next = readIndexEntry(new ByteReader(more, (off, what) => {
        throw new CorruptSSTableError(this.file("Index.db"), to + off, what);
      })).position;
    }
    return { entry: { ...e, offset: from + e.offset }, next };
  }

  /**
   * Verifies every checksum: chunk CRCs (compressed) or CRC.db, and
   * Digest.crc32 over the whole file. Reads Data.db in bounded pieces.
   */
  async verifyChecksums(): Promise<void> {
    const data = this.components.get("Data.db")!;
    const digest = this.components.get("Digest.crc32");
    let whole = 0;
    const PIECE = 1 << 20;
    for (let off = 0; off < data.size; off += PIECE) {
      const b = await data.read(off, Math.min(PIECE, data.size - off));
      whole = crc32(b, whole);
    }
    if (this.compression) {
      const chunks = this.compression.offsets.length;
      const len = this.compression.chunkLength;
      for (let first = 0; first < chunks; ) {
        // LZ4 chunks are read about PIECE at a time, checked and decompressed in the core (inCore); a read per chunk was most of a validation's calls.
        // A group takes only chunks inside the data and long enough for their checksum: any other goes alone, to the error it always gave.
        let last = first;
        const from = this.chunkOffset(first);
        if (this.lz4 && this.chunkOffset(first + 1) - from >= 4)
          while (last + 1 < chunks && (last + 1) * len < this.dataLength && this.chunkOffset(last + 2) - this.chunkOffset(last + 1) >= 4 && this.chunkOffset(last + 2) - from <= PIECE) last++;
        if (last === first) {
          this.dataCache = null;
          await this.chunk(first, false);
        } else await this.inCore(first * len, Math.min(this.dataLength, (last + 1) * len), () => undefined, (e) => e);
        first = last + 1;
      }
    } else if (this.components.get("CRC.db")) {
      const b = await readAll(this.components.get("CRC.db")!);
      if (b.length < 4) throw new CorruptSSTableError(this.file("CRC.db"), 0, "truncated", "TRUNCATED");
      const chunk = new DataView(b.buffer, b.byteOffset, 4).getInt32(0);
      if (chunk <= 0) throw new CorruptSSTableError(this.file("CRC.db"), 0, `bad chunk size ${chunk}`);
      const n = Math.ceil(data.size / chunk);
      // Cassandra sometimes ends with the checksum of an empty final chunk (0)
      const listed = (b.length - 4) / 4;
      const extraEmpty = listed === n + 1 && new DataView(b.buffer, b.byteOffset + b.length - 4, 4).getUint32(0) === 0;
      if ((b.length - 4) % 4 !== 0 || (listed !== n && !extraEmpty))
        throw new CorruptSSTableError(this.file("CRC.db"), Math.min(b.length, 4 + n * 4), `expected ${n} checksums, found ${Math.floor(listed)}`, "TRUNCATED");
      this.verified.clear();
      await this.verifyPlainChunks(0, data.size);
    }
    if (digest) {
      const text = textOf(await readAll(digest), this.file("Digest.crc32")).trim();
      if (!/^\d+$/.test(text)) throw new CorruptSSTableError(this.file("Digest.crc32"), 0, "not a decimal checksum");
      if (whole !== Number(text)) throw new CorruptSSTableError(this.file("Data.db"), 0, "Digest.crc32 does not match", "CHECKSUM");
    }
  }
}

/** A text component (TOC.txt, Digest.crc32) as a string; bad UTF-8 is corruption at its offset. */
function textOf(b: Uint8Array, file: string): string {
  const bad = invalidUtf8At(b);
  if (bad >= 0) throw new CorruptSSTableError(file, bad, "invalid UTF-8");
  return utf8decode(b);
}

// Some 'na' files (written by 4.0 builds before its release) keep the bloom
// filter in the older word order. The first key of Index.db is in the filter
// whichever order is right; only a wrong order can miss it.
async function naFilter(filter: BloomFilter, bytes: Uint8Array, index: ByteSource, file: string): Promise<BloomFilter> {
  if (index.size === 0) return filter;
  const head = await index.read(0, Math.min(index.size, 2 + 65535));
  const len = (head[0] << 8) | head[1];
  if (head.length < 2 + len) return filter;
  const key = head.subarray(2, 2 + len);
  if (filter.mightContain(key)) return filter;
  const old = readFilter(bytes, features("ma"), file);
  return old.mightContain(key) ? old : filter;
}

/** Bytes of a partition key read with its length when a BTI entry leads into Data.db; most keys are shorter. */
const KEY_GUESS = 30;
/** BTI entries carry no promoted index (never written to: shared). */
const NO_PROMOTED = new Uint8Array(0);
/** Marks a BTI entry whose partition has a Rows.db index (the index itself stays on disk). */
const ROW_INDEXED = new Uint8Array(1);

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The header's columns as indexes into the schema's columns. */
function headerColumns(schema: TableSchema, s: Statistics, name: string): [number[], number[]] {
  const map = (cols: { name: string }[], kind: string) =>
    cols.map((c) => {
      const i = schema.columnIndex(c.name);
      if (i < 0) throw new SchemaError(`${name}: SSTable has ${kind} column '${c.name}' that the schema does not`);
      return i;
    });
  return [map(s.header.staticColumns, "static"), map(s.header.regularColumns, "regular")];
}

function checkSchema(schema: TableSchema, s: Statistics, name: string): TableSchema {
  const h = s.header;
  const keyName = schema.partitionKey.length === 1
    ? className(schema.partitionKey[0].type)
    : `org.apache.cassandra.db.marshal.CompositeType(${schema.partitionKey.map((c) => className(c.type)).join(",")})`;
  if (keyName !== h.keyTypeName) throw new SchemaError(`${name}: partition key type ${h.keyTypeName} does not match the schema's ${keyName}`);
  const ck = schema.clustering.map((c) => (c.reversed ? reversedClassName(c.type) : className(c.type)));
  if (ck.join() !== h.clusteringTypeNames.join())
    throw new SchemaError(`${name}: clustering types ${h.clusteringTypeNames.join(", ")} do not match the schema's ${ck.join(", ")}`);
  for (const c of [...h.staticColumns, ...h.regularColumns]) {
    const def = schema.byName.get(c.name);
    if (!def) throw new SchemaError(`${name}: SSTable column '${c.name}' is not in the schema`);
    if (className(def.type) !== c.typeName)
      throw new SchemaError(`${name}: column '${c.name}' is ${c.typeName} in the SSTable but ${typeToCql(def.type)} in the schema`);
  }
  return schema;
}

/** A schema from the serialization header alone (key and clustering columns get placeholder names). */
export function schemaFromHeader(s: Statistics, keyspace = "ks", table = "t"): TableSchema {
  const h = s.header;
  const cols: ColumnDef[] = [];
  const key = parseClassName(h.keyTypeName);
  const parts: CqlType[] = key.components ? key.components.map((c) => c.type) : [key.type];
  parts.forEach((type, i) => cols.push({ name: parts.length === 1 ? "key" : `key${i}`, type, kind: "partition_key", position: i, reversed: false }));
  h.clusteringTypeNames.forEach((n, i) => {
    const p = parseClassName(n);
    cols.push({ name: `column${i + 1}`, type: p.type, kind: "clustering", position: i, reversed: p.reversed });
  });
  for (const c of h.staticColumns) cols.push({ name: c.name, type: c.type.type, kind: "static", position: -1, reversed: false });
  for (const c of h.regularColumns) cols.push({ name: c.name, type: c.type.type, kind: "regular", position: -1, reversed: false });
  const opts = defaultOptions();
  opts.bloomFilterFpChance = s.bloomFilterFpChance;
  return new TableSchema(keyspace, table, "00000000-0000-0000-0000-000000000000", cols, opts);
}

export { ByteWriter };

// Buffers that a range's compressed chunks are read into before the core
// copies them in: reused, because a fresh ArrayBuffer costs a Chromium worker
// 10-20 ms per MB. Each read takes its own and gives it back once the core
// has its copy, so concurrent reads never share one; a few are kept, none
// over SPARE_MAX.
const spares: Uint8Array[] = [];
const SPARES = 4;
const SPARE_MAX = 4 << 20;

function takeSpare(n: number): Uint8Array | null {
  if (n > SPARE_MAX) return null;
  const i = spares.findIndex((b) => b.length >= n);
  if (i >= 0) return spares.splice(i, 1)[0];
  return new Uint8Array(Math.max(n, 256 << 10));
}

function giveSpare(b: Uint8Array): void {
  if (spares.length < SPARES) spares.push(b);
}
