// The crash model MemoryStorage has built in, for any Storage: real OPFS in
// Chromium, files in Node. A crash keeps, of each file, what its last flush
// made durable, plus as much of what was appended since as `keep` allows (a
// disk that wrote back some of its cache); a file overwritten or truncated
// below its durable length since the last flush goes back to its durable
// bytes. Creating, renaming and deleting count as durable at once, as the
// file backends make them (docs/durability.md says what OPFS gives).
//
// The wrapper learns each file's durable state from the calls it passes on,
// and copies a file's durable bytes before the first call that would change
// them, so `crash` can put them back on the base storage's own files.
import type { Storage, StorageFile, OpenOptions, Release } from "../../src/storage/storage.js";
import type { KeepPending } from "../../src/storage/memory.js";

interface Durable {
  len: number;
  /** the durable bytes, held once a write or truncate touched them after a flush */
  saved: Uint8Array | null;
}

const PIECE = 1 << 20;

async function readAll(f: StorageFile, len: number): Promise<Uint8Array> {
  const out = new Uint8Array(len);
  for (let at = 0; at < len; at += PIECE) out.set(await f.read(at, Math.min(PIECE, len - at)), at);
  return out;
}

export class CrashModel implements Storage {
  private readonly durable = new Map<string, Durable>();

  constructor(private base: Storage) {}

  get location(): string {
    return this.base.location;
  }

  /** what survives for `name`, learnt the first time it is seen */
  private async state(name: string): Promise<Durable> {
    let d = this.durable.get(name);
    if (!d) {
      const exists = await this.base.exists(name);
      let len = 0;
      if (exists) {
        const f = await this.base.open(name);
        len = await f.size();
        await f.close();
      }
      d = this.durable.get(name) ?? { len, saved: null };
      this.durable.set(name, d);
    }
    return d;
  }

  /** keeps the durable bytes of `name` before they are changed */
  private async save(name: string, d: Durable, via?: StorageFile): Promise<void> {
    if (d.saved || d.len === 0) return;
    const f = via ?? (await this.base.open(name));
    d.saved = await readAll(f, d.len);
    if (!via) await f.close();
  }

  async open(name: string, options?: OpenOptions): Promise<StorageFile> {
    const d = await this.state(name);
    if (options?.truncate) await this.save(name, d);
    const f = await this.base.open(name, options);
    return new CrashModelFile(f, d, (via) => this.save(name, d, via));
  }

  exists(name: string): Promise<boolean> {
    return this.base.exists(name);
  }

  list(prefix: string): Promise<string[]> {
    return this.base.list(prefix);
  }

  async rename(from: string, to: string): Promise<void> {
    const d = await this.state(from);
    await this.base.rename(from, to);
    this.durable.delete(from);
    this.durable.set(to, d);
  }

  async delete(name: string): Promise<void> {
    await this.base.delete(name);
    this.durable.delete(name);
  }

  lock(name: string): Promise<Release> {
    return this.base.lock(name);
  }

  close(): Promise<void> {
    return this.base.close();
  }

  /**
   * The machine goes down: closes the base storage (every handle and lock, as
   * the process's death would), opens it again with `reopen`, and turns each
   * file back into what survives. Returns the reopened storage.
   */
  async crash(reopen: () => Promise<Storage>, keep: KeepPending = () => 0): Promise<Storage> {
    await this.base.close();
    const fresh = await reopen();
    for (const [name, d] of this.durable) {
      if (!(await fresh.exists(name))) continue;
      const f = await fresh.open(name, { write: true });
      if (d.saved) {
        await f.truncate(0);
        for (let at = 0; at < d.saved.length; at += PIECE) await f.append(d.saved.subarray(at, at + PIECE));
      } else {
        const size = await f.size();
        const pending = Math.max(0, size - d.len);
        const kept = Math.min(pending, Math.max(0, Math.floor(keep(name, pending))));
        if (size > d.len + kept) await f.truncate(d.len + kept);
      }
      await f.flush();
      await f.close();
    }
    this.durable.clear();
    this.base = fresh;
    return fresh;
  }
}

class CrashModelFile implements StorageFile {
  constructor(
    private readonly f: StorageFile,
    private readonly d: Durable,
    private readonly save: (via: StorageFile) => Promise<void>,
  ) {}

  get name(): string {
    return this.f.name;
  }

  get writable(): boolean {
    return this.f.writable;
  }

  size(): Promise<number> {
    return this.f.size();
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    return this.f.read(offset, length);
  }

  append(data: Uint8Array): Promise<void> {
    return this.f.append(data);
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    if (offset < this.d.len) await this.save(this.f);
    return this.f.write(offset, data);
  }

  async truncate(size: number): Promise<void> {
    if (size < this.d.len) await this.save(this.f);
    return this.f.truncate(size);
  }

  async flush(): Promise<void> {
    await this.f.flush();
    this.d.len = await this.f.size();
    this.d.saved = null;
  }

  close(): Promise<void> {
    return this.f.close();
  }
}
