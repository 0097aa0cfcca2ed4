// The host side of the wasm boundary: one instance of the AssemblyScript core,
// memory copied in and out in batches. A trap inside the core (corrupt input,
// a violated invariant) poisons the instance; the next call gets a fresh one,
// and tables and headers defined earlier are re-defined on it lazily.
import { CoreError } from "../errors.js";
import { copied, type Reused } from "../util/bytes.js";
import { zstdCompressImport } from "./libzstd.js";

export interface CoreExports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  __collect(): void;
  alloc(n: number): number;
  free(p: number): void;
  lastErrorCode(): number;
  lastErrorOffset(): number;
  resultPtr(): number;
  resultLen(): number;
  resultReset(): void;
  crc32(crc: number, p: number, n: number): number;
  murmurToken(p: number, n: number): bigint;
  indexEntries(base: number, len: number, max: number, out: number): number;
  indexEntriesEnd(): number;
  murmurHash(p: number, n: number): bigint;
  murmurHash2(): bigint;
  murmur64(p: number, n: number): bigint;
  cardinalitySketch(p: number, n: number): void;
  bloomBits(p: number, n: number, hashCount: number, words: number): number;
  bloomFirstMissing(base: number, table: number, n: number, hashCount: number, bits: number, words: number): number;
  lz4Bound(n: number): number;
  lz4Compress(src: number, n: number, dst: number): number;
  zstdDecompress(src: number, n: number, dst: number, capacity: number): number;
  zstdBound(n: number): number;
  zstdCompress(src: number, n: number, dst: number, level: number): number;
  xxh64(p: number, n: number): bigint;
  lz4Decompress(src: number, n: number, dst: number, outLen: number): void;
  defineTable(p: number, n: number): number;
  defineHeader(table: number, p: number, n: number): number;
  freeHeader(id: number): void;
  headersLive(): number;
  writerOpen(header: number, p: number, n: number): number;
  writerAppend(w: number, p: number, n: number): void;
  writerOutPtr(w: number, which: number): number;
  writerOutLen(w: number, which: number): number;
  writerOutDrained(w: number, which: number): void;
  writerOutConsumed(w: number, which: number, n: number): void;
  writerFinish(w: number): void;
  writerDigest(w: number): number;
  writerDataLength(w: number): bigint;
  writerSimpleRows(w: number): bigint;
  writerFileLength(w: number): bigint;
  writerPartitions(w: number): bigint;
  writerClose(w: number): void;
  decodeData(header: number, p: number, n: number, uintDeletion: number): void;
  decodeDataRanges(header: number, p: number, cuts: number, n: number, uintDeletion: number): void;
  decodeFailedRange(): number;
  mergeStreams(table: number, p: number, n: number, nowSeconds: number, gcBefore: number, maxPurgeable: bigint): void;
  compactIntoWriter(writer: number, table: number, p: number, n: number, nowSeconds: number, gcBefore: number, maxPurgeable: bigint): number;
  compactFailedInput(): number;
  mergePurged(): bigint;
  mergePartitions(): bigint;
  memNew(p: number, n: number): number;
  memFree(id: number): void;
  memLive(): number;
  memApply(id: number, p: number, n: number, now: number): void;
  memBytes(id: number): bigint;
  memReserved(id: number): bigint;
  memRows(id: number): bigint;
  memPartitions(id: number): number;
  memStat(id: number, which: number): bigint;
  memColumns(id: number): number;
  memGet(id: number, kp: number, kl: number, now: number): number;
  memViewPtr(): number;
  memViewLen(): number;
  memList(id: number): void;
  memFirst(id: number): number;
  memEdgeToken(id: number, last: number): bigint;
  memSlice(id: number, node: number, sliceBytes: number, last: number, now: number): number;
  memOutPtr(): number;
  memOutLen(): number;
  memOutRelease(): void;
  memCheck(id: number): number;
  encodeBatch(p: number): void;
  batchCrc(): number;
  crc32Combine(crcA: number, crcB: number, lenB: number): number;
  orderSigns(table: number, p: number, n: number, count: number, q: number, qn: number, nProbes: number, out: number): void;
  orderSort(table: number, p: number, n: number, count: number, out: number): void;
  orderLowerBounds(table: number, p: number, n: number, count: number, q: number, qn: number, nProbes: number, after: number, out: number): void;
}

let moduleSource: WebAssembly.Module | null = null;

// Runtimes hand the compiled module over in their own way (Node reads a file,
// Vite imports a URL, Workers import the .wasm); see src/core/load-*.ts.
export function setCoreModule(m: WebAssembly.Module): void {
  moduleSource = m;
}

export function hasCoreModule(): boolean {
  return moduleSource !== null;
}

/** A descriptor registered in the core; re-registered after a reset. */
export class Registered {
  id = -1;
  gen = -1;
  constructor(readonly bytes: Uint8Array, readonly parent: Registered | null) {}
}

/** Outermost core calls between collections at most. */
const COLLECT_EVERY = 256;

export class Core {
  private x!: CoreExports;
  private gen = 0;
  private poisoned = true;
  private scratch = 0;
  private scratchCap = 0;

  /**
   * `keepOnFail`: a failure the core reported itself (bad input, found
   * before anything was changed) leaves the instance in use; only a trap it
   * did not report (out of memory, a broken invariant) discards it. The
   * memtables' instance works so: its memory is the data they hold.
   */
  constructor(private readonly module: WebAssembly.Module, private readonly keepOnFail = false) {
    this.reset();
  }

  private reset(): void {
    const instance = new WebAssembly.Instance(this.module, {
      env: {
        abort: () => {
          throw new WebAssembly.RuntimeError("core abort");
        },
      },
      host: { zstdCompress: zstdCompressImport(() => this.x.memory) },
    });
    this.x = instance.exports as unknown as CoreExports;
    this.x._initialize();
    this.gen++;
    this.depth = 0;
    this.calls = 0;
    this.collectedAt = this.x.memory.buffer.byteLength;
    this.poisoned = false;
    this.scratch = 0;
    this.scratchCap = 0;
  }

  get exports(): CoreExports {
    if (this.poisoned) this.reset();
    return this.x;
  }

  get generation(): number {
    return this.gen;
  }

  /** Runs fn; a trap becomes a CoreError with the core's code and offset. */
  call<T>(fn: (x: CoreExports) => T): T {
    const x = this.exports;
    this.depth++;
    try {
      return fn(x);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        const code = safe(() => x.lastErrorCode(), 0);
        const offset = safe(() => x.lastErrorOffset(), 0);
        if (this.keepOnFail && code !== 0) {
          safe(() => x.resultReset(), undefined);
          throw new CoreError(code, offset, e.message);
        }
        this.poisoned = true;
        throw new CoreError(code, offset, e.message);
      }
      throw e;
    } finally {
      if (--this.depth === 0 && !this.poisoned) this.collectMaybe(x);
    }
  }

  /**
   * The core runs AssemblyScript's non-incremental collector (--runtime
   * minimal): no shadow stack on every call that touches an object, which
   * makes the core about twice as fast, at the price of collecting by hand
   * when no core frame is live. That is here, after an outermost call: every
   * COLLECT_EVERY calls, and whenever the memory grew since the last
   * collection (garbage is what makes it grow; once collected, the allocator
   * reuses it).
   */
  private collectMaybe(x: CoreExports): void {
    const size = x.memory.buffer.byteLength;
    if (++this.calls < COLLECT_EVERY && size <= this.collectedAt) return;
    x.__collect();
    this.calls = 0;
    this.collectedAt = x.memory.buffer.byteLength;
  }
  private depth = 0;
  private calls = 0;
  private collectedAt = 0;

  bytes(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.x.memory.buffer, ptr, len);
  }

  /** Copies `data` into a scratch region of core memory; valid until the next put. */
  put(data: Uint8Array): number {
    const p = this.room(data.length);
    new Uint8Array(this.x.memory.buffer, p, data.length).set(data);
    return p;
  }

  /** The scratch region, at least n bytes, to write into in place; valid until the next put. */
  room(n: number): number {
    const x = this.exports;
    if (this.scratchCap < n || this.scratch === 0) {
      if (this.scratch) x.free(this.scratch);
      this.scratchCap = Math.max(n, 1 << 16);
      this.scratch = x.alloc(this.scratchCap);
    }
    return this.scratch;
  }

  /** Copies `data` into a fresh allocation the caller frees. */
  putOwned(data: Uint8Array): number {
    const x = this.exports;
    const p = x.alloc(data.length);
    new Uint8Array(x.memory.buffer, p, data.length).set(data);
    return p;
  }

  /** The core's result buffer, copied out: into `into` when given (valid until its next take), else into bytes of its own. */
  takeResult(into?: Reused): Uint8Array {
    const x = this.x;
    return copied(this.bytes(x.resultPtr(), x.resultLen()), into);
  }

  /** Frees a header's slot in the core (its reader or writer is done with it); a later id() defines it again. */
  release(r: Registered): void {
    if (r.parent !== null && r.gen === this.gen && !this.poisoned) this.x.freeHeader(r.id);
    r.gen = -1;
    r.id = -1;
  }

  id(r: Registered): number {
    const x = this.exports;
    if (r.gen !== this.gen) {
      const p = this.put(r.bytes);
      r.id = this.call(() =>
        r.parent ? x.defineHeader(this.id(r.parent), this.put(r.bytes), r.bytes.length) : x.defineTable(p, r.bytes.length),
      );
      r.gen = this.gen;
    }
    return r.id;
  }
}

function safe<T>(f: () => T, d: T): T {
  try {
    return f();
  } catch {
    return d;
  }
}

let shared: Core | null = null;

let memtables: Core | null = null;

/**
 * The instance the memtables live in, apart from the one reads and writers
 * use: a corrupt SSTable that traps there must not take acknowledged writes
 * with it. If this one is discarded (out of memory), its generation changes
 * and every memtable it held reports itself lost. An export may start a
 * fresh one for the memtables made after it (withFreshMemtableCore).
 */
export function memtableCore(): Core {
  if (!memtables) {
    if (!moduleSource) throw new Error("cqlite-web: the wasm core is not loaded; import an entry point that loads it");
    memtables = new Core(moduleSource, true);
  }
  return memtables;
}

/**
 * Runs `make` with a fresh memtables' instance in place, for the memtables
 * made from then on. Memtables made before keep theirs, and its memory
 * (linear memory never shrinks) goes once the last of them is freed and the
 * old instance is garbage. If `make` throws, the old instance is put back.
 */
export function withFreshMemtableCore<T>(make: () => T): T {
  const old = memtables;
  memtables = null;
  try {
    return make();
  } catch (e) {
    memtables = old;
    throw e;
  }
}

/** The process-wide core instance (one per worker/isolate). */
export function core(): Core {
  if (!shared) {
    if (!moduleSource) throw new Error("cqlite-web: the wasm core is not loaded; import an entry point that loads it");
    shared = new Core(moduleSource);
  }
  return shared;
}
