// A group of records written with one append and made durable with one
// flush. Appends encode straight into the open batch's buffer (one copy of
// the payload); the writer takes whole batches. Each record's promise
// settles with its batch.
import { HEADER_BYTES, writeRecord } from "./format.js";
import { invariant } from "../storage/errors.js";

interface Waiter {
  seq: bigint;
  resolve(r: { seq: bigint }): void;
  reject(e: unknown): void;
}

export class RecordBatch {
  private buf: Uint8Array;
  private used = 0;
  private lastSeqAdded: bigint;
  private readonly waiters: Waiter[] = [];
  private settle!: { resolve(): void; reject(e: unknown): void };
  /** settles when the batch is committed (or fails) */
  readonly done: Promise<void>;
  /** someone waits on it (sync, close): the "batch" policy's delay is skipped */
  urgent = false;

  constructor(
    readonly firstSeq: bigint,
    capacity: number,
    /** Date.now() at creation: the "batch" policy's delay counts from here */
    readonly createdAt: number,
    /** a committed batch's buffer to encode into, if it is large enough */
    spare: Uint8Array | null = null,
  ) {
    this.buf = spare && spare.length >= capacity ? spare : new Uint8Array(capacity);
    this.lastSeqAdded = firstSeq - 1n;
    this.done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.done.catch(() => undefined); // observed through the waiters; never unhandled
  }

  get bytes(): number {
    return this.used;
  }
  get count(): number {
    return this.waiters.length;
  }
  get lastSeq(): bigint {
    return this.lastSeqAdded;
  }

  /** Encodes a record; its promise settles when the batch does. */
  add(seq: bigint, payload: Uint8Array, crc?: number): Promise<{ seq: bigint }> {
    invariant(seq === this.lastSeqAdded + 1n, "records join a batch in sequence order");
    const need = this.used + HEADER_BYTES + payload.length;
    if (need > this.buf.length) {
      let cap = Math.max(this.buf.length * 2, 256);
      while (cap < need) cap *= 2;
      const b = new Uint8Array(cap);
      b.set(this.buf.subarray(0, this.used));
      this.buf = b;
    }
    this.used = writeRecord(this.buf, this.used, seq, payload, crc);
    this.lastSeqAdded = seq;
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  /** The encoded records, to write as one append. */
  contents(): Uint8Array {
    return this.buf.subarray(0, this.used);
  }

  /** The buffer, for the next batch once this one is written: this batch has no contents after. */
  takeBuffer(): Uint8Array {
    const b = this.buf;
    this.buf = new Uint8Array(0);
    this.used = 0;
    return b;
  }

  resolve(): void {
    for (const w of this.waiters) w.resolve({ seq: w.seq });
    this.settle.resolve();
  }

  reject(e: unknown): void {
    for (const w of this.waiters) w.reject(e);
    this.settle.reject(e);
  }
}
