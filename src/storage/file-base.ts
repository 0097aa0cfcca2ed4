// What every backend's file handle shares: argument checks, the read-only
// and closed states, and one queue per handle. The queue matters: append is
// "write at the current size", and two appends interleaved at an await would
// both pick the same offset; Deno's seek-then-read needs it too.
import { StorageFile, checkRange } from "./storage.js";
import { InvalidStorageCallError, StorageClosedError } from "./errors.js";

export abstract class BaseFile implements StorageFile {
  private closed = false;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly writable: boolean,
    private readonly onClose: (f: BaseFile) => void,
  ) {}

  /** The length including unflushed bytes. */
  protected abstract sizeNow(): Promise<number>;
  /** Up to `length` bytes; fewer only at the end of the file. */
  protected abstract readAt(offset: number, length: number): Promise<Uint8Array>;
  /** All of `data` at `offset` (offset <= size, checked). */
  protected abstract writeAt(offset: number, data: Uint8Array): Promise<void>;
  protected abstract truncateTo(size: number): Promise<void>;
  protected abstract flushNow(): Promise<void>;
  protected abstract closeNow(): Promise<void>;
  /** Turns the runtime's error into a StorageError; CqliteErrors pass unchanged. */
  protected mapError(e: unknown): unknown {
    return e;
  }

  /** Runs `fn` after every earlier operation on this handle has settled. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.tail.then(fn).catch((e: unknown) => {
      throw this.mapError(e);
    });
    this.tail = p.catch(() => undefined);
    return p;
  }

  private check(write: boolean): void {
    if (this.closed) throw new StorageClosedError(this.name);
    if (write && !this.writable) throw new InvalidStorageCallError(this.name, "handle is read-only");
  }

  get isClosed(): boolean {
    return this.closed;
  }

  size(): Promise<number> {
    return this.serial(async () => {
      this.check(false);
      return this.sizeNow();
    });
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    return this.serial(async () => {
      this.check(false);
      checkRange(this.name, offset, length);
      if (length === 0) return new Uint8Array(0);
      return this.readAt(offset, length);
    });
  }

  readInto(offset: number, dest: Uint8Array): Promise<number> {
    return this.serial(async () => {
      this.check(false);
      checkRange(this.name, offset, dest.length);
      if (dest.length === 0) return 0;
      return this.readIntoAt(offset, dest);
    });
  }

  /** readAt into `dest`; a backend that can read into a given buffer overrides it (no buffer made per read). */
  protected async readIntoAt(offset: number, dest: Uint8Array): Promise<number> {
    const b = await this.readAt(offset, dest.length);
    dest.set(b);
    return b.length;
  }

  append(data: Uint8Array): Promise<void> {
    return this.serial(async () => {
      this.check(true);
      checkRange(this.name, 0, data.length);
      if (data.length > 0) await this.writeAt(await this.sizeNow(), data);
    });
  }

  write(offset: number, data: Uint8Array): Promise<void> {
    return this.serial(async () => {
      this.check(true);
      checkRange(this.name, offset, data.length);
      const size = await this.sizeNow();
      if (offset > size) throw new InvalidStorageCallError(this.name, `write at ${offset} past the end (${size})`);
      if (data.length > 0) await this.writeAt(offset, data);
    });
  }

  truncate(size: number): Promise<void> {
    return this.serial(async () => {
      this.check(true);
      checkRange(this.name, size, 0);
      const now = await this.sizeNow();
      if (size > now) throw new InvalidStorageCallError(this.name, `truncate to ${size} would lengthen the file (${now})`);
      if (size < now) await this.truncateTo(size);
    });
  }

  flush(): Promise<void> {
    return this.serial(async () => {
      this.check(false);
      if (this.writable) await this.flushNow();
    });
  }

  close(): Promise<void> {
    return this.serial(async () => {
      if (this.closed) return;
      this.closed = true;
      try {
        await this.closeNow();
      } finally {
        this.onClose(this);
      }
    });
  }

  /** Marks the handle dead without touching the backend (a simulated crash). */
  kill(): void {
    this.closed = true;
  }
}
