// Which files have handles open, so every backend enforces the same rules:
// one writable handle per file, no rename or delete of an open file. OPFS
// enforces the first itself (a second SyncAccessHandle fails); the others
// would silently allow both, and code that works on Node would then break
// in the browser.
import { FileBusyError, invariant } from "./errors.js";

interface Entry {
  readers: number;
  writer: boolean;
}

export class OpenFiles {
  private readonly open = new Map<string, Entry>();

  /** Registers a handle on `key` (the backend's absolute path); `name` is for messages. */
  acquire(key: string, name: string, writable: boolean): void {
    const e = this.open.get(key) ?? { readers: 0, writer: false };
    if (writable && e.writer) throw new FileBusyError(name, "already open for writing");
    if (writable) e.writer = true;
    else e.readers++;
    this.open.set(key, e);
  }

  release(key: string, writable: boolean): void {
    const e = this.open.get(key);
    invariant(e, `release of ${key}, which is not open`);
    if (writable) {
      invariant(e.writer, `release of a writer of ${key}, which has none`);
      e.writer = false;
    } else {
      invariant(e.readers > 0, `release of a reader of ${key}, which has none`);
      e.readers--;
    }
    if (!e.writer && e.readers === 0) this.open.delete(key);
  }

  isOpen(key: string): boolean {
    return this.open.has(key);
  }

  /** Throws FileBusyError when `key` has handles open. */
  assertClosed(key: string, name: string, what: string): void {
    if (this.open.has(key)) throw new FileBusyError(name, `cannot ${what} a file that is open`);
  }

  /** Forgets everything (a simulated crash ends every handle at once). */
  clear(): void {
    this.open.clear();
  }
}
