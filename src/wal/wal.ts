// Over 400 lines because group commit, segment rotation and recovery share one state machine; the frame and the scanner are already apart (format.ts, segment-scanner.ts).
// The write-ahead log: every update is appended here, and acknowledged once
// durable under the sync policy, before the memtable holds it. Format and
// recovery rules: docs/wal-format.md; what survives a crash:
// docs/durability.md.
//
// Group commit: append() encodes its record into the open batch and returns
// a promise; a single writer loop takes whole batches, writes each with one
// append and makes it durable with one flush, so concurrent callers share
// flushes. Everything is bounded: a batch by maxBatchBytes, a segment by
// maxSegmentBytes (then a new one starts), and the bytes accepted but not yet
// written by maxPendingBytes (append then waits its turn: backpressure).
//
// Segments are named for their first sequence number, and only the last one
// is ever written: before a new segment is created the old one is flushed,
// whatever the policy. So only the tail of the last segment can be torn by a
// crash, and damage anywhere else is corruption, reported, never skipped.
//
// Use: open() takes the lock, replay() delivers every surviving record once
// and repairs a torn tail, then append(), sync(), markFlushed(), close().
import type { Storage, StorageFile, Release } from "../storage/storage.js";
import { checkName } from "../storage/storage.js";
import { invariant } from "../storage/errors.js";
import { FIRST_SEQ, HEADER_BYTES, MAX_PAYLOAD_BYTES, MAX_SEQ, parseSegmentName, segmentName, HEAD_FILE, HEAD_TMP, encodeHead, decodeHead } from "./format.js";
import { SegmentScanner } from "./segment-scanner.js";
import { RecordBatch } from "./batch.js";
import { WalClosedError, WalCorruptionError, WalFailedError, WalUsageError } from "./errors.js";

/**
 * When an append's promise resolves:
 * - "always": after its record is written and flushed (default);
 * - "batch": the same, but the writer first waits up to batchDelayMs for more
 *   records to share the flush (Cassandra's batch commit log mode);
 * - "none": after the write reaches the OS (or OPFS's buffer); flushed only
 *   when a segment ends, on sync() and on close().
 */
export type WalSyncPolicy = "always" | "batch" | "none";

export interface WalOptions {
  sync?: WalSyncPolicy;
  /** "batch": longest wait for company before writing (default 10 ms) */
  batchDelayMs?: number;
  /** largest single write; records join a batch until it is this full (default 1 MiB) */
  maxBatchBytes?: number;
  /** a segment grows to about this, then the next starts (default 64 MiB) */
  maxSegmentBytes?: number;
  /** bytes accepted but not yet written before append waits (default 16 MiB) */
  maxPendingBytes?: number;
  /** largest payload (default 16 MiB, at most 64 MiB) */
  maxRecordBytes?: number;
  /**
   * Sequence numbers handed out are at least this. Pass the engine's flushed
   * sequence number + 1, so a lost or deleted log can never make it reuse
   * numbers its SSTables already cover.
   */
  minNextSeq?: bigint;
  /**
   * Every record numbered from here on must be in the log: the engine passes
   * its flushed sequence number + 1, so a segment deleted from the front or
   * the middle of what is not yet flushed is WalCorruptionError, not a
   * silently shorter log. Default: the log's own first record.
   */
  expectFrom?: bigint;
  /** the log must exist (the database is not new): no segment at all is WalCorruptionError */
  mustExist?: boolean;
  /** where the segments live in the storage: "" (default) or "dir/" */
  directory?: string;
  /** lock taken for the log's lifetime (default "wal.lock" in the directory); null: none */
  lockName?: string | null;
}

export interface TornTail {
  segment: string;
  /** where the first bad record started; the segment now ends here */
  offset: number;
  bytesDropped: number;
  reason: string;
}

export interface ReplayReport {
  segments: number;
  records: number;
  firstSeq: bigint | null;
  lastSeq: bigint | null;
  /** the sequence number the next append gets */
  nextSeq: bigint;
  tornTail: TornTail | null;
}

export type OnRecord = (seq: bigint, payload: Uint8Array) => void | Promise<void>;

interface Segment {
  name: string;
  first: bigint;
  /** last sequence number written; first - 1 while empty */
  last: bigint;
}

interface Admission {
  payload: Uint8Array;
  crc: number | undefined;
  size: number;
  resolve(r: { seq: bigint }): void;
  reject(e: unknown): void;
}

type Options = Required<Omit<WalOptions, "lockName" | "expectFrom">> & { lockName: string | null; expectFrom: bigint | null };

type State = "opened" | "replaying" | "ready" | "closing" | "closed";

const KiB = 1024;
const MiB = 1024 * KiB;
/** A written batch's buffer is kept for the next batch up to this size (a huge record's is not). */
const SPARE_MAX_BYTES = 4 * MiB;

export class Wal {
  private state: State = "opened";
  private failed: WalFailedError | null = null;
  private active: StorageFile | null = null;
  private activeBytes = 0;
  private nextSeqValue = FIRST_SEQ;
  private writtenSeq = 0n;
  private durable = 0n;
  private openBatch: RecordBatch | null = null;
  /** the last written batch's buffer, for the next batch */
  private spare: Uint8Array | null = null;
  private readonly sealed: RecordBatch[] = [];
  private inflight: RecordBatch | null = null;
  private pending = 0;
  private readonly admissions: Admission[] = [];
  private writing = false;
  private wake: (() => void) | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | null = null;
  /** the end of the last acknowledged record in the active segment, and its number: what a repair cuts back to */
  private ackedBytes = 0;
  private ackedSeq = 0n;
  private repairing = false;
  /** the first sequence number of the segment the head file names */
  private head: bigint | null = null;

  private constructor(
    private readonly storage: Storage,
    private readonly opts: Options,
    private readonly release: Release | null,
    private readonly segments: Segment[],
  ) {}

  /** Takes the lock and finds the segments; replay() next. */
  static async open(storage: Storage, options: WalOptions = {}): Promise<Wal> {
    const opts = resolveOptions(options);
    const release = opts.lockName === null ? null : await storage.lock(opts.directory + opts.lockName);
    try {
      const segments: Segment[] = [];
      for (const name of await storage.list(opts.directory + "wal-")) {
        const first = parseSegmentName(name.slice(opts.directory.length));
        if (first !== null) segments.push({ name, first, last: first - 1n });
      }
      segments.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
      const wal = new Wal(storage, opts, release, segments);
      wal.head = await wal.readHead();
      return wal;
    } catch (e) {
      await release?.();
      throw e;
    }
  }

  // ---- recovery

  /**
   * Reads every segment in order and hands each record to `onRecord` (awaited),
   * in sequence order. A torn tail of the last segment is cut off and
   * reported; any other damage throws WalCorruptionError. Runs once, before
   * the first append. Records at or below an earlier markFlushed() may come
   * again (segments are dropped whole): skip them by sequence number.
   */
  async replay(onRecord: OnRecord): Promise<ReplayReport> {
    if (this.state !== "opened") throw new WalUsageError("replay() runs once, right after open()");
    this.state = "replaying";
    try {
      const report = await this.recover(onRecord);
      this.state = "ready";
      return report;
    } catch (e) {
      this.failed = new WalFailedError(e);
      throw e;
    }
  }

  private async readHead(): Promise<bigint | null> {
    const name = this.opts.directory + HEAD_FILE;
    if (await this.storage.exists(this.opts.directory + HEAD_TMP)) await this.storage.delete(this.opts.directory + HEAD_TMP);
    if (!(await this.storage.exists(name))) return null;
    const f = await this.storage.open(name);
    try {
      const size = await f.size();
      const first = size <= 256 ? decodeHead(await f.read(0, size)) : null;
      if (first === null) throw new WalCorruptionError(name, 0, "not a head file");
      return first;
    } finally {
      await f.close();
    }
  }

  /** Names the segment starting at `first` as the newest (written whole, then renamed over the old head). */
  private async writeHead(first: bigint): Promise<void> {
    const tmp = this.opts.directory + HEAD_TMP;
    const f = await this.storage.open(tmp, { create: true, truncate: true });
    try {
      await f.write(0, encodeHead(first));
      await f.flush();
    } finally {
      await f.close();
    }
    await this.storage.rename(tmp, this.opts.directory + HEAD_FILE);
    this.head = first;
  }

  /**
   * Segments that should be here and are not: the one the head file names,
   * any between the first and the last, and any before the first that held
   * records from `expectFrom` on. (A segment newer than the head is one
   * whose start was cut short by a crash: kept, and the head moves to it.)
   */
  private checkNoneMissing(): void {
    const dir = this.opts.directory;
    const segs = this.segments;
    if (segs.length === 0) {
      if (this.head !== null) throw new WalCorruptionError(dir + segmentName(this.head), 0, "the segment the head file names is missing, and no other is left");
      if (this.opts.mustExist) throw new WalCorruptionError(dir + HEAD_FILE, 0, "the log is missing: no segment and no head file");
      return;
    }
    if (this.head !== null && !segs.some((s) => s.first === this.head))
      throw new WalCorruptionError(dir + segmentName(this.head), 0, "the segment the head file names is missing");
    const from = this.opts.expectFrom;
    if (from !== null && segs[0].first > from)
      throw new WalCorruptionError(segs[0].name, 0, `records ${from} to ${segs[0].first - 1n} are missing: an earlier segment was deleted`);
  }

  private async recover(onRecord: OnRecord): Promise<ReplayReport> {
    this.checkNoneMissing();
    let records = 0;
    let firstSeq: bigint | null = null;
    let lastSeq: bigint | null = null;
    let tornTail: TornTail | null = null;
    let prevLast: bigint | null = null;
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i];
      const isLast = i === this.segments.length - 1;
      if (prevLast !== null && seg.first <= prevLast)
        throw new WalCorruptionError(seg.name, 0, `segment starts at sequence ${seg.first}, not after ${prevLast} where the previous one ends`);
      // a gap is a deleted segment, unless everything in it was flushed (or
      // minNextSeq moved the numbers on: without expectFrom, gaps are allowed)
      if (prevLast !== null && seg.first > prevLast + 1n && this.opts.expectFrom !== null && seg.first - 1n >= this.opts.expectFrom)
        throw new WalCorruptionError(seg.name, 0, `records ${prevLast + 1n} to ${seg.first - 1n} are missing: a segment between was deleted`);
      const file = await this.storage.open(seg.name, isLast ? { write: true } : undefined);
      let keep = false;
      try {
        const size = await file.size();
        const scan = new SegmentScanner(file, size, seg.name);
        let offset = 0;
        let expected = seg.first;
        while (offset < size) {
          const r = await scan.next(offset);
          if (r.kind === "record") {
            if (r.seq !== expected) throw new WalCorruptionError(seg.name, offset, `sequence ${r.seq} where ${expected} was due`);
            await onRecord(r.seq, r.payload);
            records++;
            firstSeq ??= r.seq;
            lastSeq = r.seq;
            expected++;
            offset = r.end;
            continue;
          }
          if (!isLast) throw new WalCorruptionError(seg.name, offset, `${r.reason}, in a segment that is not the last`);
          const later = await scan.findRecordAfter(offset, expected - 1n);
          if (later !== null) throw new WalCorruptionError(seg.name, offset, `${r.reason}, followed by a valid record at offset ${later}`);
          await file.truncate(offset);
          await file.flush();
          tornTail = { segment: seg.name, offset, bytesDropped: size - offset, reason: r.reason };
          break;
        }
        seg.last = expected - 1n;
        prevLast = seg.last;
        if (isLast) {
          this.active = file;
          this.activeBytes = this.ackedBytes = offset;
          keep = true;
        }
      } finally {
        if (!keep) await file.close();
      }
    }

    const last = this.segments.at(-1);
    let next = last ? last.last + 1n : FIRST_SEQ;
    if (next < this.opts.minNextSeq) next = this.opts.minNextSeq;
    if (next > MAX_SEQ) throw new WalUsageError("sequence numbers exhausted");
    this.nextSeqValue = next;
    this.writtenSeq = this.durable = this.ackedSeq = next - 1n;

    if (!last) await this.startSegment(next);
    else {
      await this.active!.flush(); // what was replayed is durable from here on
      if (last.last + 1n !== next) {
        // minNextSeq moved past the last segment: records continue in a new one
        const empty = last.last < last.first;
        await this.active!.close();
        this.active = null;
        await this.startSegment(next);
        if (empty) {
          await this.storage.delete(last.name);
          this.segments.splice(this.segments.indexOf(last), 1);
        }
      }
    }
    // a log from before head files, or whose newest segment's start a crash cut short
    if (this.head !== this.segments[this.segments.length - 1].first) await this.writeHead(this.segments[this.segments.length - 1].first);
    return { segments: this.segments.length, records, firstSeq, lastSeq, nextSeq: next, tornTail };
  }

  /** A new segment, then the head file naming it. */
  private async startSegment(first: bigint): Promise<void> {
    await this.createSegment(first);
    await this.writeHead(first);
  }

  private async createSegment(first: bigint): Promise<void> {
    invariant(this.active === null, "one active segment");
    const name = this.opts.directory + segmentName(first);
    const f = await this.storage.open(name, { create: true });
    const size = await f.size().catch(async (e: unknown) => {
      await f.close();
      throw e;
    });
    if (size !== 0) {
      await f.close();
      throw new WalCorruptionError(name, 0, `a new segment exists already, with ${size} bytes`);
    }
    this.active = f;
    this.activeBytes = this.ackedBytes = 0;
    this.segments.push({ name, first, last: first - 1n });
  }

  /** Ends the active segment (flushed, whatever the policy) and starts one at `first`. */
  private async roll(first: bigint): Promise<void> {
    const f = this.active;
    invariant(f, "an active segment to roll");
    await f.flush();
    this.durable = this.writtenSeq;
    this.active = null;
    await f.close();
    await this.startSegment(first);
  }

  // ---- appending

  private check(): void {
    if (this.failed) throw this.failed;
    this.checkOpen();
  }

  private checkOpen(): void {
    if (this.state === "closing" || this.state === "closed") throw new WalClosedError();
    if (this.state !== "ready") throw new WalUsageError("call replay() once before using the log");
  }

  /**
   * Logs `payload` (not to be modified until this settles); resolves with its
   * sequence number when durable per the policy. After a failure, the first
   * append repairs the log (see repair()) and goes on if that works. `crc`,
   * when given, is the payload's CRC32, which the record's CRC then builds on
   * instead of reading the payload again.
   */
  append(payload: Uint8Array, crc?: number): Promise<{ seq: bigint }> {
    try {
      this.checkOpen();
      if (!(payload instanceof Uint8Array)) throw new WalUsageError("payload must be a Uint8Array");
      if (payload.length > this.opts.maxRecordBytes)
        throw new WalUsageError(`record of ${payload.length} bytes exceeds maxRecordBytes (${this.opts.maxRecordBytes})`);
    } catch (e) {
      return Promise.reject(e);
    }
    const size = HEADER_BYTES + payload.length;
    // waiting appends keep their order: sequence numbers follow call order
    if (this.failed || this.repairing || this.admissions.length > 0 || (this.pending > 0 && this.pending + size > this.opts.maxPendingBytes)) {
      const p = new Promise<{ seq: bigint }>((resolve, reject) => this.admissions.push({ payload, crc, size, resolve, reject }));
      if (this.failed) this.startRepair();
      return p;
    }
    this.pending += size;
    return this.enqueue(payload, crc, size);
  }

  /**
   * A sequence number for a write that is not logged (Cassandra's
   * durable_writes = false): it counts as written and durable at once, with
   * no bytes, so the log's numbering, rolls and markFlushed stay as they are.
   * A crash loses what such writes put in the memtable, nothing in the log.
   * Not to be mixed with appends in flight: the writer numbers its batches
   * from the last written record. A failed log does not stop it (it touches
   * no file); the next append still repairs.
   */
  unlogged(): bigint {
    this.checkOpen();
    // every number handed out is written (a failed log's unwritten ones are void: its repair renumbers from here)
    if (!this.failed && this.writtenSeq !== this.nextSeqValue - 1n)
      throw new WalUsageError("an unlogged write while logged ones are in flight");
    const seq = this.nextSeqValue;
    if (seq > MAX_SEQ) throw new WalUsageError("sequence numbers exhausted");
    this.nextSeqValue++;
    this.writtenSeq = this.durable = this.ackedSeq = seq;
    return seq;
  }

  private startRepair(): void {
    if (this.repairing) return;
    this.repairing = true;
    this.serial(() => this.repair()).then(
      () => {
        this.repairing = false;
        this.admit();
      },
      (e: unknown) => {
        this.repairing = false;
        this.failed = e instanceof WalFailedError ? e : new WalFailedError(e);
        for (const w of this.admissions.splice(0)) w.reject(this.failed);
      },
    );
  }

  /**
   * After a failed write or flush (a full disk, say), cuts the active
   * segment back to the end of the last acknowledged record and makes that
   * durable, so the records that failed are gone for good and the next one
   * continues the log. If the failure came while a new segment was being
   * started, that segment is started again.
   */
  private async repair(): Promise<void> {
    invariant(this.failed !== null, "a repair follows a failure");
    invariant(this.sealed.length === 0 && this.openBatch === null && this.inflight === null, "a failure rejected every batch");
    if (this.active) {
      await this.active.truncate(this.ackedBytes);
      await this.active.flush();
      this.activeBytes = this.ackedBytes;
      const seg = this.segments[this.segments.length - 1];
      seg.last = this.ackedSeq < seg.first ? seg.first - 1n : this.ackedSeq;
    } else {
      await this.createSegment(this.ackedSeq + 1n);
    }
    const newest = this.segments[this.segments.length - 1].first;
    if (this.head !== newest) await this.writeHead(newest);
    this.nextSeqValue = this.ackedSeq + 1n;
    this.writtenSeq = this.durable = this.ackedSeq;
    this.pending = 0;
    this.failed = null;
  }

  /** Admits waiting appends, in order, while their bytes fit (one always fits an empty log). */
  private admit(): void {
    while (this.admissions.length > 0 && !this.failed) {
      const w = this.admissions[0];
      if (this.pending > 0 && this.pending + w.size > this.opts.maxPendingBytes) return;
      this.admissions.shift();
      this.pending += w.size;
      this.enqueue(w.payload, w.crc, w.size).then(w.resolve, w.reject);
    }
  }

  /** Gives the record its sequence number and puts it in the open batch; synchronous, so order is kept. */
  private enqueue(payload: Uint8Array, crc: number | undefined, size: number): Promise<{ seq: bigint }> {
    if (this.failed) return Promise.reject(this.failed);
    const seq = this.nextSeqValue;
    if (seq > MAX_SEQ) {
      this.pending -= size;
      return Promise.reject(new WalUsageError("sequence numbers exhausted"));
    }
    this.nextSeqValue++;
    if (this.openBatch && this.openBatch.bytes + size > this.opts.maxBatchBytes) this.seal();
    // sized for its first record at least: a 200 KB write batch no longer grows the buffer 64 → 128 → 256 KiB, copying at each step
    let b = this.openBatch;
    if (!b) {
      b = this.openBatch = new RecordBatch(seq, Math.max(size, Math.min(this.opts.maxBatchBytes, 64 * KiB)), Date.now(), this.spare);
      this.spare = null;
    }
    let p: Promise<{ seq: bigint }>;
    try {
      p = b.add(seq, payload, crc);
    } catch (e) {
      // encoding failed (the CRC needs the wasm core): the number and the bytes go back
      this.nextSeqValue--;
      this.pending -= size;
      if (b.count === 0) this.openBatch = null;
      return Promise.reject(e);
    }
    if (b.bytes >= this.opts.maxBatchBytes) this.seal();
    this.kick();
    return p;
  }

  private seal(): void {
    if (!this.openBatch) return;
    this.sealed.push(this.openBatch);
    this.openBatch = null;
    this.wake?.();
  }

  private kick(): void {
    if (this.writing || this.failed) return;
    this.writing = true;
    void this.writer();
  }

  /** The one writer: takes batches in order until none is left. */
  private async writer(): Promise<void> {
    try {
      await Promise.resolve(); // appends made in the same tick join the first batch
      for (;;) {
        // deciding to stop and clearing `writing` happen in one synchronous step,
        // so an append can never find the writer "running" after it stopped
        if (this.failed || (!this.openBatch && this.sealed.length === 0)) return;
        if (this.opts.sync === "batch") await this.batchDelay();
        const b = this.sealed.shift() ?? this.takeOpen();
        if (!b) continue;
        this.inflight = b;
        try {
          await this.serial(() => this.commit(b));
        } catch (e) {
          this.fail(e);
          return;
        } finally {
          this.inflight = null;
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private takeOpen(): RecordBatch | null {
    const b = this.openBatch;
    this.openBatch = null;
    return b;
  }

  /** "batch": waits until the open batch is batchDelayMs old, full, or wanted now. */
  private async batchDelay(): Promise<void> {
    const b = this.openBatch;
    if (this.sealed.length > 0 || !b || b.urgent || this.state !== "ready") return;
    const wait = b.createdAt + this.opts.batchDelayMs - Date.now();
    if (wait <= 0) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, wait);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  private async commit(b: RecordBatch): Promise<void> {
    if (this.failed) throw this.failed;
    invariant(b.firstSeq === this.writtenSeq + 1n, "batches are written in sequence order");
    if (this.activeBytes > 0 && this.activeBytes + b.bytes > this.opts.maxSegmentBytes) await this.roll(b.firstSeq);
    const f = this.active;
    invariant(f, "an active segment to write");
    await f.append(b.contents());
    this.activeBytes += b.bytes;
    this.segments[this.segments.length - 1].last = b.lastSeq;
    this.writtenSeq = b.lastSeq;
    if (this.opts.sync !== "none") {
      await f.flush();
      this.durable = b.lastSeq;
    }
    this.pending -= b.bytes;
    invariant(this.pending >= 0, "pending bytes never negative");
    this.ackedBytes = this.activeBytes;
    this.ackedSeq = b.lastSeq;
    b.resolve();
    // written: its buffer serves the next batch (a fresh one per write batch
    // was a 100-200 KB allocation and its collection, every batch)
    const buf = b.takeBuffer();
    if (buf.length <= SPARE_MAX_BYTES) this.spare = buf;
    this.admit();
  }

  /** Runs `fn` after every earlier commit, roll and deletion. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** After a failed write or flush nothing past the durable point can be trusted: stop until an append repairs the log. */
  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = e instanceof WalFailedError ? e : new WalFailedError(e);
    const err = this.failed;
    for (const b of [this.inflight, ...this.sealed, this.openBatch]) b?.reject(err);
    this.sealed.length = 0;
    this.openBatch = null;
    for (const w of this.admissions) w.reject(err);
    this.admissions.length = 0;
    this.wake?.();
  }

  /** Resolves when everything appended before the call is durable, whatever the policy. */
  async sync(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.state !== "ready" && this.state !== "closing") this.check();
    const last = this.openBatch ?? this.sealed.at(-1) ?? this.inflight;
    if (last) {
      last.urgent = true;
      this.wake?.();
      await last.done.catch(() => undefined);
    }
    await this.serial(async () => {
      if (this.failed) throw this.failed;
      if (this.active && this.durable < this.writtenSeq) {
        try {
          await this.active.flush();
        } catch (e) {
          this.fail(e);
          throw this.failed;
        }
        this.durable = this.writtenSeq;
      }
    });
  }

  // ---- trimming

  /**
   * Drops the segments whose records all have sequence numbers <= `seq`.
   * Call it once the records are durable elsewhere (the SSTable flushed and
   * the manifest naming it synced). If that covers the active segment, a new
   * one is started so it can go too. Returns the segments deleted.
   */
  async markFlushed(seq: bigint): Promise<string[]> {
    this.check();
    if (typeof seq !== "bigint" || seq < 0n || seq >= this.nextSeqValue)
      throw new WalUsageError(`markFlushed(${seq}): only sequence numbers handed out (below ${this.nextSeqValue}) can be flushed`);
    return this.serial(async () => {
      if (this.failed) throw this.failed;
      const act = this.segments[this.segments.length - 1];
      if (act.last >= act.first && act.last <= seq) {
        try {
          await this.roll(this.writtenSeq + 1n);
        } catch (e) {
          this.fail(e);
          throw this.failed;
        }
      }
      const deleted: string[] = [];
      // oldest first, so a crash midway leaves a suffix of the log; a failed
      // delete leaves its segment for a later call (its records are flushed)
      while (this.segments.length > 1 && this.segments[0].last <= seq) {
        await this.storage.delete(this.segments[0].name);
        deleted.push(this.segments.shift()!.name);
      }
      return deleted;
    });
  }

  // ---- closing

  /**
   * Writes and flushes what was appended, closes the segment and releases the
   * lock. Throws WalFailedError if that last flush fails (the log had not
   * failed before). Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    const wasReady = this.state === "ready";
    const failedBefore = this.failed !== null;
    this.state = "closing";
    this.wake?.();
    let error: unknown = null;
    if (wasReady && !failedBefore) {
      try {
        while (!this.failed && (this.openBatch || this.sealed.length > 0 || this.inflight || this.admissions.length > 0)) await this.sync();
        await this.sync();
      } catch (e) {
        error = e;
      }
    }
    await this.serial(async () => {
      const f = this.active;
      this.active = null;
      await f?.close();
    }).catch((e: unknown) => (error ??= e));
    await this.release?.().catch((e: unknown) => (error ??= e));
    this.state = "closed";
    if (error !== null && !failedBefore) throw error instanceof WalFailedError ? error : new WalFailedError(error);
  }

  // ---- observation

  /** The sequence number the next append gets. */
  get nextSeq(): bigint {
    return this.nextSeqValue;
  }
  /** The highest sequence number known flushed. */
  get durableSeq(): bigint {
    return this.durable;
  }
  /** Bytes accepted and not yet written (bounded by maxPendingBytes, or one record). */
  get pendingBytes(): number {
    return this.pending;
  }
  /** Appends waiting for room. */
  get waitingAppends(): number {
    return this.admissions.length;
  }
  get segmentNames(): string[] {
    return this.segments.map((s) => s.name);
  }
}

function resolveOptions(o: WalOptions): Options {
  const opts: Options = {
    sync: o.sync ?? "always",
    batchDelayMs: o.batchDelayMs ?? 10,
    maxBatchBytes: o.maxBatchBytes ?? 1 * MiB,
    maxSegmentBytes: o.maxSegmentBytes ?? 64 * MiB,
    maxPendingBytes: o.maxPendingBytes ?? 16 * MiB,
    maxRecordBytes: o.maxRecordBytes ?? 16 * MiB,
    minNextSeq: o.minNextSeq ?? FIRST_SEQ,
    expectFrom: o.expectFrom ?? null,
    mustExist: o.mustExist ?? false,
    directory: o.directory ?? "",
    lockName: o.lockName === undefined ? "wal.lock" : o.lockName,
  };
  if (!["always", "batch", "none"].includes(opts.sync)) throw new WalUsageError(`unknown sync policy ${String(opts.sync)}`);
  const int = (name: string, v: number, min: number, max: number) => {
    if (!Number.isSafeInteger(v) || v < min || v > max) throw new WalUsageError(`${name} must be an integer in [${min}, ${max}], not ${v}`);
  };
  int("batchDelayMs", opts.batchDelayMs, 0, 60_000);
  int("maxRecordBytes", opts.maxRecordBytes, 0, MAX_PAYLOAD_BYTES);
  int("maxBatchBytes", opts.maxBatchBytes, HEADER_BYTES, 64 * MiB);
  int("maxSegmentBytes", opts.maxSegmentBytes, HEADER_BYTES, 1024 * MiB);
  int("maxPendingBytes", opts.maxPendingBytes, HEADER_BYTES, 1024 * MiB);
  if (typeof opts.minNextSeq !== "bigint" || opts.minNextSeq < FIRST_SEQ || opts.minNextSeq > MAX_SEQ)
    throw new WalUsageError(`minNextSeq must be a bigint in [${FIRST_SEQ}, ${MAX_SEQ}]`);
  if (opts.directory !== "") {
    if (!opts.directory.endsWith("/")) throw new WalUsageError(`directory must end with "/": ${opts.directory}`);
    checkName(opts.directory.slice(0, -1));
  }
  if (opts.lockName !== null) checkName(opts.directory + opts.lockName);
  return opts;
}
