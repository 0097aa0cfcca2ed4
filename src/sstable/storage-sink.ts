// SSTable components written to storage files: positional writes, then a
// flush (the durability barrier) before anything names the files.
import type { Storage, StorageFile } from "../storage/storage.js";
import { ComponentSink } from "./writer.js";
import { settled } from "../util/settled.js";

/** A component's file, where its next append goes, and whether it is flushed since its last write. */
interface OpenFile {
  f: StorageFile;
  at: number;
  synced: boolean;
}

export class StorageSink implements ComponentSink {
  // a storage write is done with its bytes when it resolves (StorageFile.write)
  readonly doneOnReturn = true;
  private files = new Map<string, OpenFile>();
  /** opens in flight: an append or a close that comes meanwhile waits for its file's, never opens it twice */
  private opening = new Map<string, Promise<OpenFile>>();
  constructor(private readonly storage: Storage, private readonly nameOf: (component: string) => string) {}

  /**
   * Opens the components' files side by side: an open is an async round trip
   * (OPFS: about 1.4 ms each one after another, 0.5 ms each side by side,
   * measured in a Chromium worker), and a flush opens eight. Files already
   * open are left as they are; on a failure those that opened stay, for
   * close() to close.
   */
  async prepare(components: string[]): Promise<void> {
    const todo = components.filter((c) => !this.files.has(c));
    // each that opens is kept, so close() closes it whatever else failed
    await settled(todo.map((c) => this.open(c)));
  }

  private open(component: string): Promise<OpenFile> {
    const e = this.files.get(component);
    if (e) return Promise.resolve(e);
    let p = this.opening.get(component);
    if (!p) {
      p = this.storage.open(this.nameOf(component), { create: true, truncate: true }).then(
        (f) => {
          const e = { f, at: 0, synced: false };
          this.files.set(component, e);
          this.opening.delete(component);
          return e;
        },
        (err: unknown) => {
          this.opening.delete(component);
          throw err;
        },
      );
      this.opening.set(component, p);
    }
    return p;
  }

  /** Once every open in flight has settled, opened or failed. */
  private async opened(): Promise<void> {
    if (this.opening.size) await Promise.allSettled([...this.opening.values()]);
  }

  async append(component: string, bytes: Uint8Array): Promise<void> {
    const e = this.files.get(component) ?? (await this.open(component));
    e.synced = false;
    await e.f.write(e.at, bytes);
    e.at += bytes.length;
  }

  /**
   * Flushes every file and keeps it open: a caller that opens the SSTable
   * for reading next closes the sink after, and the storage's handles are
   * shared (OPFS: one access handle per file, counted), so the files are
   * neither closed nor opened again in between.
   */
  async sync(): Promise<void> {
    while (await this.syncOne());
  }

  /** Flushes one file not yet synced since its last write, keeping it open; false when none is left. */
  async syncOne(): Promise<boolean> {
    // a file still opening (prepared, never written) is synced too once open
    await this.opened();
    for (const e of this.files.values()) {
      if (e.synced) continue;
      await e.f.flush();
      e.synced = true;
      return true;
    }
    return false;
  }

  /** Flushes and closes every file (idempotent), once the opens in flight have settled. */
  async close(): Promise<void> {
    await this.opened();
    while (await this.closeOne());
  }

  /** Flushes (unless synced since its last write) and closes one file; false when none is left open. */
  async closeOne(): Promise<boolean> {
    const next = this.files.entries().next();
    if (next.done) return false;
    const [component, { f, synced }] = next.value;
    this.files.delete(component);
    try {
      if (!synced) await f.flush();
    } finally {
      await f.close();
    }
    return true;
  }
}
