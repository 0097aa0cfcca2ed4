// SSTable components written to storage files: positional writes, then a
// flush (the durability barrier) before anything names the files.
import type { Storage, StorageFile } from "../storage/storage.js";
import { ComponentSink } from "./writer.js";

export class StorageSink implements ComponentSink {
  // a storage write is done with its bytes when it resolves (StorageFile.write)
  readonly doneOnReturn = true;
  private files = new Map<string, { f: StorageFile; at: number }>();
  constructor(private readonly storage: Storage, private readonly nameOf: (component: string) => string) {}

  async append(component: string, bytes: Uint8Array): Promise<void> {
    let e = this.files.get(component);
    if (!e) {
      e = { f: await this.storage.open(this.nameOf(component), { create: true, truncate: true }), at: 0 };
      this.files.set(component, e);
    }
    await e.f.write(e.at, bytes);
    e.at += bytes.length;
  }

  /** Flushes and closes every file (idempotent). */
  async close(): Promise<void> {
    while (await this.closeOne());
  }

  /** Flushes and closes one file; false when none is left open. */
  async closeOne(): Promise<boolean> {
    const next = this.files.entries().next();
    if (next.done) return false;
    const [component, { f }] = next.value;
    this.files.delete(component);
    try {
      await f.flush();
    } finally {
      await f.close();
    }
    return true;
  }
}
